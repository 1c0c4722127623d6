//! A page's request parameter written into a Visualforce page where the platform's HTML
//! encoding does not protect it: a script, an event handler, the start of a link, or a value
//! shown with `escape="false"` (reflected cross-site scripting).

use std::ops::Range;

use crate::dataflow::apex::owned::{Resolver, RichText};
use crate::diagnostics::finding::{FileId, Finding};
use crate::lints::web::page_classes::PageClasses;
use crate::lints::{Ctx, Lint};
use crate::syntax::vf::{self, Place};
use crate::workspace::kind::FileKind;

declare_lint!(XssUrlParam = "xss-url-param");

/// How a merge field's place must encode a parameter, and what to say.
#[derive(Clone)]
struct Need {
    /// Lower-case formula functions that make the value safe there.
    encoders: &'static [&'static str],
    /// Where the value goes, for the message.
    place: String,
    help: &'static str,
    /// At the start of a link, where the value picks the scheme.
    url: bool,
}

const JS: &[&str] = &["jsencode", "jsinhtmlencode", "urlencode"];
const JS_HELP: &str = "encode it for JavaScript: `{!JSENCODE($CurrentPage.parameters.x)}` in a script, \
     `{!JSINHTMLENCODE(...)}` in an event handler; or read it in Apex as an `Id` or a number";

/// What the merge field at `at` needs, or `None` where Visualforce's own HTML encoding is enough.
fn need(text: &str, place: Place, at: usize) -> Option<Need> {
    match place {
        Place::Html | Place::Other => None,
        Place::Script => Some(Need {
            encoders: JS,
            place: "into a script".into(),
            help: JS_HELP,
            url: false,
        }),
        Place::Attribute {
            tag,
            attr,
            value_start,
            tag_range,
        } => {
            if attr.starts_with("on") && attr.len() > 2 {
                return Some(Need {
                    encoders: JS,
                    place: format!("into the `{attr}` handler of `<{tag}>`"),
                    help: JS_HELP,
                    url: false,
                });
            }
            let unescaped = matches!(attr.as_str(), "value" | "summary" | "detail")
                && vf::tag_attribute(&text[tag_range], "escape")
                    .is_some_and(|v| v.trim().eq_ignore_ascii_case("false"));
            if unescaped {
                return Some(Need {
                    encoders: vf::ENCODERS,
                    place: format!("as HTML (`escape=\"false\"` on `<{tag}>`)"),
                    help: "drop `escape=\"false\"`, or wrap the value in `{!HTMLENCODE(...)}`",
                    url: false,
                });
            }
            // At the start of a link the parameter picks the scheme: `javascript:` runs.
            let leads = text[value_start..at].trim().is_empty();
            if leads && crate::syntax::vf::url_attribute(&tag, &attr) {
                return Some(Need {
                    encoders: &["urlencode"],
                    place: format!("at the start of the `{attr}` of `<{tag}>`"),
                    help: "start the link with a path of your own (`/apex/Next?id={!URLENCODE(...)}`), \
                           or check the address in Apex before you use it",
                    url: true,
                });
            }
            None
        }
    }
}

impl Lint for XssUrlParam {
    fn check_project(&self, cx: &Ctx<'_>, out: &mut Vec<Finding>) {
        for (id, f) in cx.project.files.iter().enumerate() {
            if f.kind != FileKind::Visualforce {
                continue;
            }
            let text = f.text.as_str();
            let (params_read, controlled) = (contains_parameters(text), !vf::controllers(text).is_empty());
            if !params_read && !controlled {
                continue;
            }
            // One pass over the page's merge fields for both halves: parameters written
            // directly, and controller properties, judged in the controller afterwards.
            let regions = vf::Regions::of(text);
            let id_checked = vf::validates_id(text);
            let mut properties: Vec<(Range<usize>, Need)> = Vec::new();
            for expr in vf::merge_fields(text) {
                let e = &text[expr.clone()];
                let refs = vf::references(e);
                let params: Vec<&Range<usize>> = refs
                    .iter()
                    .filter(|r| params_read && is_parameter(&e[(*r).clone()]))
                    .filter(|r| !(id_checked && parameter_name(&e[(*r).clone()]).eq_ignore_ascii_case("id")))
                    .collect();
                let names: Vec<&Range<usize>> = refs
                    .iter()
                    .filter(|r| controlled && vf::is_property_name(&e[(*r).clone()]))
                    .collect();
                if params.is_empty() && names.is_empty() {
                    continue;
                }
                let Some(need) = need(text, regions.place(text, expr.start - 2), expr.start - 2) else {
                    continue;
                };
                let raw = |r: &Range<usize>| vf::outputs_raw(e, r, need.encoders) && (!need.url || !joined_after(e, r));
                for r in params.into_iter().filter(|r| raw(r)) {
                    let name = parameter_name(&e[r.clone()]);
                    out.push(
                        Finding::new(
                            ID,
                            id,
                            expr.start + r.start..expr.start + r.end,
                            format!("page parameter `{name}` is written {} without encoding", need.place),
                        )
                        .help(need.help),
                    );
                }
                for r in names.into_iter().filter(|r| raw(r)) {
                    properties.push((expr.start + r.start..expr.start + r.end, need.clone()));
                }
            }
            if !properties.is_empty() {
                properties_from_parameters(cx, id, text, properties, out);
            }
        }
    }
}

/// Controller properties (`{!q}`) that the page writes where encoding does not protect them
/// (`risky`), reported where the controller takes the value from a page parameter: the same
/// reflection as `{!$CurrentPage.parameters.q}`, through Apex.
fn properties_from_parameters(
    cx: &Ctx<'_>,
    id: FileId,
    text: &str,
    risky: Vec<(Range<usize>, Need)>,
    out: &mut Vec<Finding>,
) {
    let controllers = PageClasses::of(cx).of_page(cx, text);
    let rich = RichText::default();
    for (span, need) in risky {
        let name = &text[span.clone()];
        let read = controllers.iter().find_map(|(cid, tree)| {
            let tree = tree.as_ref()?;
            let src = cx.project.files[*cid].text.as_str();
            let root = tree.root_node();
            let resolver = Resolver {
                text: src,
                scope: Some(root),
                rich: &rich,
            };
            resolver
                .variable_reads_parameter(root, name)
                .map(|read| (*cid, read.byte_range()))
        });
        if let Some((cid, read)) = read {
            let class = cx.project.files[cid].component_name();
            out.push(
                Finding::new(
                    ID,
                    id,
                    span,
                    format!(
                        "`{name}` holds a page parameter (`{class}` sets it from the request) and is written {} without encoding",
                        need.place
                    ),
                )
                .label(cid, read, "the page parameter is read here")
                .help(need.help),
            );
        }
    }
}

/// Whether reference `r` of `expr` is joined after another part (`$Page.Next + '?q=' + q`):
/// then it does not start the link, and cannot pick its scheme.
fn joined_after(expr: &str, r: &Range<usize>) -> bool {
    let before = expr[..r.start].trim_end();
    (before.ends_with('+') || before.ends_with('&')) && !before[..before.len() - 1].trim().is_empty()
}

const PARAMETERS: &str = "$currentpage.parameters";

fn contains_parameters(text: &str) -> bool {
    memchr::memmem::find_iter(text.as_bytes(), b"$").any(|i| {
        text.as_bytes()
            .get(i..i + PARAMETERS.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(PARAMETERS.as_bytes()))
    })
}

/// `$CurrentPage.parameters.id` (a map read by key is one reference up to `[`).
fn is_parameter(reference: &str) -> bool {
    reference.len() >= PARAMETERS.len()
        && reference.as_bytes()[..PARAMETERS.len()].eq_ignore_ascii_case(PARAMETERS.as_bytes())
        && matches!(reference.as_bytes().get(PARAMETERS.len()), None | Some(b'.'))
}

/// `id` in `$CurrentPage.parameters.id`; `parameters` when read by key.
fn parameter_name(reference: &str) -> &str {
    reference[PARAMETERS.len()..].strip_prefix('.').unwrap_or("parameters")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lints::test_support::{Hit, run};

    fn page(body: &str) -> Vec<Hit> {
        page_of("controller=\"C\"", body)
    }

    fn page_of(root: &str, body: &str) -> Vec<Hit> {
        run(
            ID,
            &[(
                "force-app/main/default/pages/P.page",
                &format!("<apex:page {root}>\n{body}\n</apex:page>"),
            )],
        )
    }

    #[test]
    fn reported() {
        let cases = [
            "<script>var id = '{!$CurrentPage.parameters.id}';</script>",
            "<script>go('{!HTMLENCODE($CurrentPage.parameters.id)}');</script>",
            "<script>var n = '{!IF(ISBLANK($CurrentPage.parameters.n), \"x\", $CurrentPage.parameters.n)}';</script>",
            "<button onclick=\"show('{!$CurrentPage.Parameters.msg}')\">x</button>",
            "<apex:outputText escape=\"false\" value=\"{!$CurrentPage.parameters.msg}\"/>",
            "<a href=\"{!$CurrentPage.parameters.retURL}\">back</a>",
            "<apex:outputLink value=\"{! $CurrentPage.parameters.retURL }\">back</apex:outputLink>",
            "<script>\nvar u = '/x?a=' + '{!LEFT($CurrentPage.parameters.a, 15)}';\n</script>",
        ];
        for case in cases {
            let found = page(case);
            assert_eq!(found.len(), 1, "{case}: {found:?}");
            assert!(found[0].message.starts_with("page parameter `"), "{}", found[0].message);
        }
    }

    #[test]
    fn look_alikes() {
        let cases = [
            // Visualforce encodes text and ordinary attributes for HTML.
            "<p>{!$CurrentPage.parameters.id}</p>",
            "<apex:outputText value=\"{!$CurrentPage.parameters.id}\"/>",
            "<input type=\"hidden\" value=\"{!$CurrentPage.parameters.id}\"/>",
            // Encoded for the place.
            "<script>var id = '{!JSENCODE($CurrentPage.parameters.id)}';</script>",
            "<button onclick=\"show('{!JSINHTMLENCODE($CurrentPage.parameters.msg)}')\">x</button>",
            "<apex:outputText escape=\"false\" value=\"{!HTMLENCODE($CurrentPage.parameters.msg)}\"/>",
            // Tested, not written.
            "<script>var on = {!$CurrentPage.parameters.mode == 'edit'};</script>",
            "<script>var on = {!NOT(ISBLANK($CurrentPage.parameters.id))};</script>",
            "<script>var n = '{!IF($CurrentPage.parameters.x = 'a', 'one', 'two')}';</script>",
            // The link starts with the page's own path.
            "<a href=\"/apex/Next?id={!$CurrentPage.parameters.id}\">next</a>",
            // Comments and styles are not judged; a parameter named like the map is not one.
            "<!-- <script>'{!$CurrentPage.parameters.id}'</script> -->",
            "<script>var x = '{!$CurrentPage.parametersMap}';</script>",
        ];
        for case in cases {
            assert!(page(case).is_empty(), "{case}: {:?}", page(case));
        }
    }

    #[test]
    fn standard_controllers_check_only_id() {
        let script = "<script>var a = '{!$CurrentPage.parameters.id}', b = '{!$CurrentPage.parameters.tab}';</script>";
        let found = page_of("standardController=\"Case\"", script);
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("`tab`"));
        // A list controller takes no record Id.
        assert_eq!(
            page_of("standardController=\"Case\" recordSetVar=\"cs\"", script).len(),
            2
        );
    }

    /// Findings on a page of `Ctl`, whose class declares `members`.
    fn with_controller(body: &str, members: &str) -> Vec<Hit> {
        run(
            ID,
            &[
                (
                    "force-app/main/default/pages/P.page",
                    &format!("<apex:page controller=\"Ctl\">\n{body}\n</apex:page>"),
                ),
                (
                    "force-app/main/default/classes/Ctl.cls",
                    &format!("public with sharing class Ctl {{\n{members}\n}}"),
                ),
            ],
        )
    }

    #[test]
    fn controller_properties_set_from_parameters() {
        let members = "public String q { get; set; }\n\
                       public Id recordId { get; set; }\n\
                       public String clean { get; set; }\n\
                       public String lang { get; set; }\n\
                       public String note { get; set; }\n\
                       public String label { get; set; }\n\
                       public Ctl() {\n\
                       Map<String, String> p = ApexPages.currentPage().getParameters();\n\
                       String raw = p.get('q');\n\
                       q = raw.trim();\n\
                       recordId = p.get('id');\n\
                       clean = p.get('c');\n\
                       if (clean != null) { clean = clean.replaceAll('[^a-zA-Z0-9_]', ''); }\n\
                       lang = System.currentPageReference().getParameters().get('lang');\n\
                       note = String.escapeEcmaScript(p.get('n'));\n\
                       label = 'Search';\n\
                       }";
        let found = with_controller("<script>var q = '{!q}';</script>", members);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0].message,
            "`q` holds a page parameter (`Ctl` sets it from the request) and is written into a script without encoding"
        );
        assert_eq!(
            found[0].labels,
            vec![(
                "the page parameter is read here".to_string(),
                "ApexPages.currentPage().getParameters()".to_string()
            )]
        );
        assert_eq!(with_controller("<a onclick=\"go('{!lang}')\">x</a>", members).len(), 1);
        assert_eq!(with_controller("<a href=\"{!lang}\">x</a>", members).len(), 1);
        let silent = [
            // Encoded on the page, or in Apex; an Id; stripped to an allow-list; the code's own.
            "<script>var q = '{!JSENCODE(q)}';</script>",
            "<script>var n = '{!note}';</script>",
            "<script>var id = '{!recordId}';</script>",
            "<script>var c = '{!clean}';</script>",
            "<script>var l = '{!label}';</script>",
            // Encoded by Visualforce as text; after a path of the page's own in a link.
            "<p>{!q}</p>",
            "<a href=\"{!$Page.Next + '?lang=' + lang}\">next</a>",
        ];
        for body in silent {
            let found = with_controller(body, members);
            assert!(found.is_empty(), "{body}: {found:?}");
        }
    }

    #[test]
    fn a_parameter_joined_after_a_path_does_not_start_the_link() {
        assert!(page("<a href=\"{!$Page.Next + '?r=' + $CurrentPage.parameters.r}\">next</a>").is_empty());
        assert_eq!(
            page("<a href=\"{!$CurrentPage.parameters.r + '?x=1'}\">next</a>").len(),
            1
        );
    }

    #[test]
    fn every_parameter_once_at_its_name() {
        let text = "<script>f('{!$CurrentPage.parameters.a}_{!$CurrentPage.parameters.b}');</script>";
        let found = page(text);
        assert_eq!(found.len(), 2);
        assert!(found[0].message.contains("`a`") && found[1].message.contains("`b`"));
    }
}
