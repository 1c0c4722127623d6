//! A Visualforce page's controller and extension classes, found by name through one index of
//! the project's Apex files, built once per scan for every web rule that reads them. Their
//! trees are parsed for the page that asks and freed with it: kept for the whole scan, NPSP's
//! controllers cost 10 MiB of peak memory for 1.5% of CPU time (bench/NOTES.md#page-classes).

use std::collections::HashMap;
use std::sync::Arc;

use crate::diagnostics::finding::FileId;
use crate::lints::Ctx;
use crate::workspace::kind::FileKind;

/// A class file's tree; `None` when it does not parse.
pub(crate) type ClassTree = Option<tree_sitter::Tree>;

pub(crate) struct PageClasses {
    /// Lower-cased class name (the file's stem) -> its files.
    by_name: HashMap<String, Vec<FileId>>,
}

impl PageClasses {
    /// The scan's instance, built by the first rule that asks.
    pub(crate) fn of(cx: &Ctx<'_>) -> Arc<PageClasses> {
        let build = || {
            let mut by_name: HashMap<String, Vec<FileId>> = HashMap::new();
            for (id, f) in cx.project.files.iter().enumerate() {
                if f.kind != FileKind::Apex {
                    continue;
                }
                by_name
                    .entry(f.component_name().to_ascii_lowercase())
                    .or_default()
                    .push(id);
            }
            PageClasses { by_name }
        };
        cx.memo
            .get("web-page-classes", build)
            .unwrap_or_else(|| Arc::new(build()))
    }

    /// The files of the classes page `text` names (`controller=`, `extensions=`), in order,
    /// each parsed for the caller.
    pub(crate) fn of_page(&self, cx: &Ctx<'_>, text: &str) -> Vec<(FileId, ClassTree)> {
        let mut out = Vec::new();
        for class in crate::syntax::vf::controllers(text) {
            for &id in self.by_name.get(&class.to_ascii_lowercase()).into_iter().flatten() {
                let text = &cx.project.files[id].text;
                out.push((
                    id,
                    crate::syntax::apex::parse(&crate::syntax::apex::neutralize_tokens(text)),
                ));
            }
        }
        out
    }
}
