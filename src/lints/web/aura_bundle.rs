//! An Aura component's attributes that only its own bundle sets: what `<aura:unescapedHtml>`
//! may show as it is when the bundle's scripts fill it with text they wrote.

use crate::dataflow::js::bundle::{BundleScript, attribute_is_own};
use crate::lints::Ctx;
use crate::syntax::vf;
use crate::workspace::kind::FileKind;

/// The bundle of one Aura markup file, asked about its attributes (each answer kept).
pub(crate) struct AuraBundle<'c> {
    cx: &'c Ctx<'c>,
    /// The bundle's folder, with its trailing `/`, and its name (the folder's).
    dir: &'c str,
    name: &'c str,
    markup: &'c str,
    trees: Option<Vec<(tree_sitter::Tree, &'c str, bool)>>,
    answers: Vec<(String, bool)>,
}

impl<'c> AuraBundle<'c> {
    pub(crate) fn new(cx: &'c Ctx<'c>, rel: &'c str, markup: &'c str) -> Self {
        let dir = rel.rfind('/').map_or("", |i| &rel[..=i]);
        let name = dir.trim_end_matches('/').rsplit('/').next().unwrap_or("");
        AuraBundle {
            cx,
            dir,
            name,
            markup,
            trees: None,
            answers: Vec::new(),
        }
    }

    /// Whether a reference (`v.banner.body`) reads an attribute the bundle alone sets, and
    /// only with its own text: not one a user of the component can set (in markup of the
    /// project, in App Builder through the design file, or from another namespace when it is
    /// `access="global"`).
    pub(crate) fn owns(&mut self, reference: &str) -> bool {
        let Some(attr) = reference
            .strip_prefix("v.")
            .map(|r| r.split(['.', '[']).next().unwrap_or(r))
            .filter(|a| vf::is_property_name(a))
        else {
            return false;
        };
        if let Some((_, known)) = self.answers.iter().find(|(a, _)| a == attr) {
            return *known;
        }
        let owned = !self.exposed(attr) && self.scripts_own(attr);
        self.answers.push((attr.to_string(), owned));
        owned
    }

    fn exposed(&self, attr: &str) -> bool {
        let lower = attr.to_ascii_lowercase();
        let global = vf::start_tags(self.markup, "aura:attribute").iter().any(|t| {
            vf::tag_attribute(t, "name").is_some_and(|n| n.trim() == attr)
                && vf::tag_attribute(t, "access").is_some_and(|a| a.trim().eq_ignore_ascii_case("global"))
        });
        let tag = format!("c:{}", self.name.to_ascii_lowercase());
        global
            || self.cx.project.files.iter().any(|f| {
                let design = f.rel.starts_with(self.dir) && f.rel.ends_with(".design");
                let markup = f.kind == FileKind::AuraMarkup && !f.rel.starts_with(self.dir);
                (design
                    && vf::start_tags(&f.text, "design:attribute")
                        .iter()
                        .any(|t| vf::tag_attribute(t, "name").is_some_and(|n| n.trim() == attr)))
                    || (markup
                        && vf::start_tags(&f.text, &tag)
                            .iter()
                            .any(|t| vf::tag_attribute(t, &lower).is_some()))
            })
    }

    fn scripts_own(&mut self, attr: &str) -> bool {
        let (cx, dir) = (self.cx, self.dir);
        let trees = self.trees.get_or_insert_with(|| {
            cx.project
                .files
                .iter()
                .filter(|f| {
                    f.kind == FileKind::JavaScript && f.rel.starts_with(dir) && !f.rel[dir.len()..].contains('/')
                })
                .filter_map(|f| {
                    let tree = crate::syntax::js::parse(&f.text)?;
                    Some((tree, f.text.as_str(), f.rel.ends_with("Helper.js")))
                })
                .collect()
        });
        let scripts: Vec<BundleScript<'_>> = trees
            .iter()
            .map(|(t, src, is_helper)| BundleScript {
                root: t.root_node(),
                src,
                is_helper: *is_helper,
            })
            .collect();
        attribute_is_own(&scripts, attr)
    }
}
