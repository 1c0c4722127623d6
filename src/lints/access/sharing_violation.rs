//! A user's request that runs without sharing: the records it reads and writes are not limited
//! to those the user may see.

use std::collections::{BTreeSet, HashMap};
use std::sync::LazyLock;

use tree_sitter::Node;

use crate::diagnostics::finding::{FileId, Finding};
use crate::lints::access::{no_permissions, queried_object};
use crate::lints::{Ctx, Lint};
use crate::workspace::kind::{FileKind, MetaType};

declare_lint!(SharingViolation = "sharing-violation");
const HELP: &str = "declare the class `with sharing` (or `inherited sharing`), and move the work that must see every \
     record into a `without sharing` helper that does only that";

/// Words a candidate file's text holds (any case): records touched, sharing declared, a way in.
const WORDS: &[&str] = &[
    // 0..9: queries and DML.
    "select",
    "insert",
    "update",
    "upsert",
    "delete",
    "undelete",
    "merge",
    "database.",
    "find",
    // 9..12: sharing declarations.
    "without sharing",
    "with sharing",
    "inherited sharing",
    // 12..: entry points.
    "@auraenabled",
    "@remoteaction",
    "webservice",
    "@restresource",
    "@invocablemethod",
];
const DECLARATIONS: usize = 9;
const ENTRIES: usize = 12;

static MATCHER: LazyLock<Option<aho_corasick::AhoCorasick>> =
    LazyLock::new(|| crate::syntax::apex::words_matcher(WORDS));

/// The API version from which a class without a sharing declaration runs with sharing.
const SHARING_DEFAULT: u32 = 67;

impl Lint for SharingViolation {
    fn check_project(&self, cx: &Ctx<'_>, out: &mut Vec<Finding>) {
        let Some(words) = MATCHER.as_ref() else { return };
        // The classes the project's pages and components name as controllers and extensions.
        let controllers: BTreeSet<String> = cx
            .project
            .files
            .iter()
            .filter(|f| f.kind == FileKind::Visualforce)
            .flat_map(|f| crate::syntax::vf::controllers(&f.text))
            .collect();
        let versions: HashMap<&str, u32> = cx
            .project
            .xml_of(MetaType::ApexClass)
            .filter_map(|(_, f, doc)| {
                let v = doc
                    .root()?
                    .child_text("apiVersion")?
                    .trim()
                    .split('.')
                    .next()?
                    .parse()
                    .ok()?;
                Some((f.rel.strip_suffix("-meta.xml")?, v))
            })
            .collect();
        for (id, file) in cx.project.files.iter().enumerate() {
            if file.kind != FileKind::Apex || !file.rel.ends_with(".cls") {
                continue;
            }
            let mut seen = [false; WORDS.len()];
            for m in words.find_iter(file.text.as_bytes()) {
                seen[m.pattern().as_usize()] = true;
            }
            let page = controllers.contains(&file.component_name().to_ascii_lowercase());
            let records = seen[..DECLARATIONS].iter().any(|&s| s);
            let without = seen[DECLARATIONS];
            let declared = seen[DECLARATIONS..ENTRIES].iter().any(|&s| s);
            let entry = page || seen[ENTRIES..].iter().any(|&s| s);
            if !records || !entry || (declared && !without) {
                continue;
            }
            let version = versions.get(file.rel.as_str()).copied().unwrap_or(0);
            check_file(id, &file.text, page, version, out);
        }
    }
}

/// How a class declares its sharing.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sharing {
    With,
    Without,
    Inherited,
    Undeclared,
}

fn check_file(file: FileId, text: &str, page: bool, version: u32, out: &mut Vec<Finding>) {
    let Some(tree) = crate::syntax::apex::parse(&crate::syntax::apex::neutralize_tokens(text)) else {
        return;
    };
    let root = tree.root_node();
    let mut cursor = root.walk();
    for class in root
        .named_children(&mut cursor)
        .filter(|n| n.kind() == "class_declaration")
    {
        let t = |n: Node<'_>| text.get(n.byte_range()).unwrap_or("");
        let modifiers = class
            .named_children(&mut class.walk())
            .find(|n| n.kind() == "modifiers");
        let (mut sharing, mut sharing_node, mut test, mut rest) = (Sharing::Undeclared, None, false, false);
        if let Some(m) = modifiers {
            for c in m.named_children(&mut m.walk()) {
                let inner = c.named_child(0).map_or("", |k| k.kind());
                match (c.kind(), inner) {
                    ("modifier", "with_sharing") => sharing = Sharing::With,
                    ("modifier", "inherited_sharing") => sharing = Sharing::Inherited,
                    ("modifier", "without_sharing") => {
                        sharing = Sharing::Without;
                        sharing_node = Some(c);
                    }
                    ("annotation", _) => {
                        let name = c.child_by_field_name("name").map_or("", t).to_ascii_lowercase();
                        test |= name == "istest";
                        rest |= name == "restresource";
                    }
                    _ => {}
                }
            }
        }
        if test || matches!(sharing, Sharing::With | Sharing::Inherited) {
            continue;
        }
        let Some(body) = class.child_by_field_name("body") else {
            continue;
        };
        let Some(name) = class.child_by_field_name("name") else {
            continue;
        };
        let ways = ways_in(body, text, page, rest);
        // An Aura controller without a declaration runs with sharing; so does any class saved
        // at API 67.0 or later.
        let open = match sharing {
            Sharing::Without => ways.first(),
            _ if version >= SHARING_DEFAULT => None,
            _ => ways.iter().find(|w| !w.1.contains("@AuraEnabled")),
        };
        let Some(&(ref way, why)) = open else { continue };
        let Some(touch) = first_record_access(body, text) else {
            continue;
        };
        let class_name = t(name);
        let (at, message) = match (sharing, sharing_node) {
            (Sharing::Without, Some(n)) => (
                n.byte_range(),
                format!(
                    "`{class_name}` runs a user's request `without sharing`: its queries and DML reach records the user may not see"
                ),
            ),
            _ => (
                name.byte_range(),
                format!(
                    "`{class_name}` declares no sharing: as {why} it runs without sharing, and its queries and DML reach records the user may not see"
                ),
            ),
        };
        out.push(
            Finding::new(ID, file, at, message)
                .label(file, way.clone(), format!("a user's request comes in here ({why})"))
                .label(file, touch, "records read or written here")
                .help(HELP),
        );
    }
}

/// How a user's request enters a class: its methods a client calls, or the page that names it
/// (at the class's first constructor or method), with what says so.
fn ways_in(body: Node<'_>, text: &str, page: bool, rest: bool) -> Vec<(std::ops::Range<usize>, &'static str)> {
    let mut out = Vec::new();
    let mut first_member = None;
    for member in body.named_children(&mut body.walk()) {
        if !matches!(member.kind(), "method_declaration" | "constructor_declaration") {
            continue;
        }
        let name = member
            .child_by_field_name("name")
            .map_or(member.byte_range(), |n| n.byte_range());
        first_member.get_or_insert(name.clone());
        let Some(m) = member
            .named_children(&mut member.walk())
            .find(|n| n.kind() == "modifiers")
        else {
            continue;
        };
        for c in m.named_children(&mut m.walk()) {
            let why = match c.kind() {
                "annotation" => {
                    let n = c
                        .child_by_field_name("name")
                        .and_then(|n| text.get(n.byte_range()))
                        .unwrap_or("")
                        .to_ascii_lowercase();
                    match n.as_str() {
                        "auraenabled" => "a Lightning component's `@AuraEnabled` controller",
                        "remoteaction" => "a page's `@RemoteAction` controller",
                        "invocablemethod" => "a flow's `@InvocableMethod`",
                        "httpget" | "httppost" | "httpput" | "httppatch" | "httpdelete" if rest => "a REST resource",
                        _ => continue,
                    }
                }
                "modifier" if c.named_child(0).is_some_and(|k| k.kind() == "webservice") => "a SOAP `webservice`",
                _ => continue,
            };
            out.push((name.clone(), why));
        }
    }
    if page && let Some(first) = first_member {
        out.insert(0, (first, "a page's controller"));
    }
    out
}

/// The `Database` and `Search` methods that read or write records.
const RECORD_METHODS: &[&str] = &[
    "query",
    "querywithbinds",
    "countquery",
    "countquerywithbinds",
    "getquerylocator",
    "getquerylocatorwithbinds",
    "find",
    "insert",
    "update",
    "upsert",
    "delete",
    "undelete",
    "merge",
];

/// The first query or write in the class's own code (not its inner classes').
fn first_record_access(body: Node<'_>, text: &str) -> Option<std::ops::Range<usize>> {
    let mut found: Option<std::ops::Range<usize>> = None;
    let mut stack = vec![body];
    while let Some(n) = stack.pop() {
        if n != body
            && matches!(
                n.kind(),
                "class_declaration" | "interface_declaration" | "enum_declaration"
            )
        {
            continue;
        }
        let hit = match n.kind() {
            // Custom metadata and setup objects have no sharing to enforce.
            "query_expression" => {
                !queried_object(text.get(n.byte_range()).unwrap_or("")).is_some_and(|o| no_permissions(&o))
            }
            "dml_expression" => true,
            "method_invocation" => {
                let object = n
                    .child_by_field_name("object")
                    .and_then(|o| text.get(o.byte_range()))
                    .unwrap_or("")
                    .to_ascii_lowercase();
                let name = n
                    .child_by_field_name("name")
                    .and_then(|o| text.get(o.byte_range()))
                    .unwrap_or("")
                    .to_ascii_lowercase();
                matches!(
                    object.as_str(),
                    "database" | "system.database" | "search" | "system.search"
                ) && RECORD_METHODS.contains(&name.as_str())
            }
            _ => false,
        };
        if hit && found.as_ref().is_none_or(|f| n.start_byte() < f.start) {
            found = Some(n.byte_range());
        }
        stack.extend(n.named_children(&mut n.walk()));
    }
    found
}

#[cfg(test)]
mod tests {
    use crate::lints::test_support::{CLASS, cases, run_case as run};

    fn class(decl: &str, body: &str) -> Vec<(&'static str, String)> {
        vec![(CLASS, format!("public {decl}class Auth {{\n{body}\n}}\n"))]
    }

    fn meta(version: &str) -> (&'static str, String) {
        (
            "force-app/main/default/classes/Auth.cls-meta.xml",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ApexClass xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <apiVersion>{version}</apiVersion>\n    <status>Active</status>\n</ApexClass>\n"
            ),
        )
    }

    const QUERY: &str = "    return [SELECT Id FROM Case];";

    fn with(mut files: Vec<(&'static str, String)>, more: (&'static str, String)) -> Vec<(&'static str, String)> {
        files.push(more);
        files
    }

    #[test]
    fn table() {
        let aura = format!("  @AuraEnabled public static Object go() {{\n{QUERY}\n  }}");
        let remote = format!("  @RemoteAction public static Object go() {{\n{QUERY}\n  }}");
        let page = (
            "force-app/main/default/pages/Panel.page",
            "<apex:page controller=\"Auth\">{!rows}</apex:page>\n".to_string(),
        );
        let getter = format!("  public Object getRows() {{\n{QUERY}\n  }}");
        cases(
            "sharing-violation",
            &[
                class("with sharing ", &aura),
                class("inherited sharing ", &remote),
                // An undeclared Aura controller runs with sharing.
                class("", &aura),
                // At API 67.0 an undeclared class runs with sharing.
                with(class("", &remote), meta("67.0")),
                // No way in: its callers decide.
                class(
                    "without sharing ",
                    &format!("  public static Object go() {{\n{QUERY}\n  }}"),
                ),
                class("", &format!("  public static Object go() {{\n{QUERY}\n  }}")),
                // Nothing read or written; setup objects and custom metadata have no sharing.
                class(
                    "without sharing ",
                    "  @AuraEnabled public static Object go() { return null; }",
                ),
                class(
                    "without sharing ",
                    "  @AuraEnabled public static Object go() { return [SELECT Name FROM Profile WHERE Id = :UserInfo.getProfileId()]; }",
                ),
                // Test code.
                vec![(
                    CLASS,
                    format!("@IsTest\nprivate without sharing class Auth {{\n{remote}\n}}\n"),
                )],
            ],
            &[
                class("without sharing ", &aura),
                class("", &remote),
                with(class("", &remote), meta("66.0")),
                class("", &format!("  webservice static Object go() {{\n{QUERY}\n  }}")),
                with(class("", &getter), page.clone()),
                with(class("without sharing ", &getter), page),
                vec![(
                    CLASS,
                    format!(
                        "@RestResource(urlMapping='/x')\nglobal class Auth {{\n  @HttpGet global static Object go() {{\n{QUERY}\n  }}\n}}\n"
                    ),
                )],
            ],
        );
    }

    #[test]
    fn the_finding_shows_the_way_in_and_the_query() {
        let hits = run(
            "sharing-violation",
            &class(
                "without sharing ",
                &format!("  @AuraEnabled public static Object go() {{\n{QUERY}\n  }}"),
            ),
        );
        assert_eq!(hits.len(), 1, "{hits:#?}");
        assert_eq!(hits[0].text, "without sharing");
        hits[0].assert_labels(&[
            "a user's request comes in here (a Lightning component's `@AuraEnabled` controller)",
            "records read or written here",
        ]);
    }
}
