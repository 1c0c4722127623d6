//! A user's request that runs without sharing: the records it reads and writes are not limited
//! to those the user may see.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use crate::diagnostics::finding::{FileId, Finding};
use crate::lints::access::{class_api_versions, no_permissions, queried_object};
use crate::lints::{Ctx, Lint};
use crate::workspace::kind::FileKind;

declare_lint!(SharingViolation = "sharing-violation");
const HELP: &str = "declare the class `with sharing` (or `inherited sharing`), and move the work that must see every \
     record into a `without sharing` helper that does only that";

/// Words a candidate file's text holds (any case): records touched, sharing declared, a way in.
const WORDS: &[&str] = &[
    // Queries and DML (up to DECLARATIONS).
    "select",
    "insert",
    "update",
    "upsert",
    "delete",
    "undelete",
    "merge",
    "database.",
    "find",
    // Sharing declarations (up to ENTRIES).
    "without sharing",
    "with sharing",
    "inherited sharing",
    // Ways in.
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
        let versions = class_api_versions(cx);
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

/// The top-level class's header (annotations, modifiers, `class Name`), its sharing words and
/// the ways in, read from the text with strings and comments blanked: the tree a scan keeps of
/// a class is reduced to what the data flow reads, without modifiers.
static CLASS: LazyLock<Option<regex::Regex>> =
    LazyLock::new(|| regex::Regex::new(r"(?i)\bclass\s+([a-z_][a-z0-9_]*)").ok());
static SHARING: LazyLock<Option<regex::Regex>> =
    LazyLock::new(|| regex::Regex::new(r"(?i)\b(with|without|inherited)\s+sharing\b").ok());
static WAYS: LazyLock<Option<regex::Regex>> = LazyLock::new(|| {
    regex::Regex::new(r"(?i)@(auraenabled|remoteaction|invocablemethod|httpget|httppost|httpput|httppatch|httpdelete)\b|\bwebservice\b").ok()
});

fn check_file(file: FileId, text: &str, page: bool, version: u32, out: &mut Vec<Finding>) {
    let (Some(class_re), Some(sharing_re), Some(ways_re)) = (CLASS.as_ref(), SHARING.as_ref(), WAYS.as_ref()) else {
        return;
    };
    let code = blank_strings_and_comments(text);
    let Some(class) = class_re.captures(&code) else { return };
    let (Some(whole), Some(name)) = (class.get(0), class.get(1)) else {
        return;
    };
    let header = &code[..whole.start()];
    let lower_header = header.to_ascii_lowercase();
    if lower_header.contains("@istest") {
        return;
    }
    let rest = lower_header.contains("@restresource");
    let declared = sharing_re.captures_iter(header).last();
    let (sharing, sharing_at) = match &declared {
        Some(c) => match c.get(1).map(|m| m.as_str().to_ascii_lowercase()).as_deref() {
            Some("without") => (Sharing::Without, c.get(0).map(|m| m.range())),
            Some("inherited") => (Sharing::Inherited, None),
            _ => (Sharing::With, None),
        },
        None => (Sharing::Undeclared, None),
    };
    if matches!(sharing, Sharing::With | Sharing::Inherited) {
        return;
    }
    let body = whole.end()..text.len();
    // The inner classes' code is theirs: an `@AuraEnabled` property of a wrapper is no way in.
    let inner = inner_classes(&code, body.start, class_re);
    let outside = |at: usize| !inner.iter().any(|r| r.contains(&at));
    let mut ways: Vec<(std::ops::Range<usize>, &'static str)> = Vec::new();
    if page {
        ways.push((name.range(), "a page's controller"));
    }
    for m in ways_re.find_iter(&code[body.clone()]) {
        let at = body.start + m.start()..body.start + m.end();
        if !outside(at.start) || (m.as_str().starts_with('@') && !annotates_method(&code, at.end)) {
            continue;
        }
        let why = match m.as_str().to_ascii_lowercase().as_str() {
            "@auraenabled" => "a Lightning component's `@AuraEnabled` controller",
            "@remoteaction" => "a page's `@RemoteAction` controller",
            "@invocablemethod" => "a flow's `@InvocableMethod`",
            "webservice" => "a SOAP `webservice`",
            _ if rest => "a REST resource",
            _ => continue,
        };
        ways.push((at, why));
    }
    // An Aura controller without a declaration runs with sharing; so does any class saved at
    // API 67.0 or later.
    let open = match sharing {
        Sharing::Without => ways.first(),
        _ if version >= SHARING_DEFAULT => None,
        _ => ways.iter().find(|w| !w.1.contains("@AuraEnabled")),
    };
    let Some(&(ref way, why)) = open else { return };
    // The first query or write outside the inner classes.
    let mut from = body.start;
    let touch = loop {
        let Some(t) = text_record_access(&code, from..body.end) else {
            return;
        };
        if outside(t.start) {
            break t;
        }
        from = t.end;
    };
    let class_name = &text[name.range()];
    let (at, message) = match sharing_at {
        Some(at) => (
            at,
            format!(
                "`{class_name}` runs a user's request `without sharing`: its queries and DML reach records the user may not see"
            ),
        ),
        None => (
            name.range(),
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

/// The ranges of the classes declared inside the top-level one (from `class` to the brace that
/// closes its body), in `code` (strings and comments blanked) after `from`.
fn inner_classes(code: &str, from: usize, class_re: &regex::Regex) -> Vec<std::ops::Range<usize>> {
    let b = code.as_bytes();
    let mut out: Vec<std::ops::Range<usize>> = Vec::new();
    for m in class_re.find_iter(&code[from..]) {
        let start = from + m.start();
        if out.iter().any(|r| r.contains(&start)) {
            continue;
        }
        let Some(open) = code[start..].find('{').map(|i| start + i) else {
            break;
        };
        let mut depth = 0usize;
        let mut end = code.len();
        for (i, &c) in b.iter().enumerate().skip(open) {
            match c {
                b'{' => depth += 1,
                b'}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        end = i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        out.push(start..end);
    }
    out
}

/// Whether the annotation ending at `end` is on a method (its declaration has a parameter list
/// before its body), not a property or a field.
fn annotates_method(code: &str, end: usize) -> bool {
    let mut rest = code[end..].trim_start();
    // The annotation's own arguments: `@AuraEnabled(cacheable=true)`.
    if rest.starts_with('(') {
        match rest.find(')') {
            Some(close) => rest = &rest[close + 1..],
            None => return false,
        }
    }
    let stop = rest.find(['{', ';', '=']).unwrap_or(rest.len());
    rest[..stop].contains('(')
}

/// `text` with its strings and comments blanked (same length; line breaks kept).
fn blank_strings_and_comments(text: &str) -> String {
    let mut code = text.as_bytes().to_vec();
    for r in crate::syntax::apex::literals_and_comments(text) {
        for b in &mut code[r] {
            if *b != b'\n' {
                *b = b' ';
            }
        }
    }
    // The ranges start and end at ASCII quotes, slashes and line ends, so whole characters go;
    // should one not, every byte of the text becomes one character of the same length.
    String::from_utf8(code).unwrap_or_else(|e| {
        let bytes = e.into_bytes();
        bytes
            .iter()
            .map(|&b| if b.is_ascii() { b as char } else { ' ' })
            .collect()
    })
}

/// A query (`[SELECT`, `[FIND`), a DML statement or a `Database`/`Search` call in `range` of
/// the text, outside its strings and comments.
static RECORD_TEXT: LazyLock<Option<regex::Regex>> = LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)\[\s*(?:select|find)\b|\b(?:insert|update|upsert|delete|undelete|merge)\s+(?:as\s+(?:user|system)\s+)?[a-z_(\[]|\b(?:system\s*\.\s*)?(?:database|search)\s*\.\s*(?:query|querywithbinds|countquery|countquerywithbinds|getquerylocator|getquerylocatorwithbinds|find|insert|update|upsert|delete|undelete|merge)\s*\(",
    )
    .ok()
});

/// In `code` (the text with strings and comments blanked, see [`blank_strings_and_comments`]:
/// `// update the case` is not a write), the first query or write inside `range`.
fn text_record_access(code: &str, range: std::ops::Range<usize>) -> Option<std::ops::Range<usize>> {
    let slice = code.get(range.clone())?;
    let starts_ci = |s: &str, w: &str| s.get(..w.len()).is_some_and(|p| p.eq_ignore_ascii_case(w));
    for m in RECORD_TEXT.as_ref()?.find_iter(slice) {
        let at = m.start();
        let rest = &slice[at..];
        if rest.starts_with('[') {
            let end = rest.find(']').map_or(slice.len(), |e| at + e + 1);
            if queried_object(&slice[at..end]).is_some_and(|o| no_permissions(&o)) {
                continue;
            }
            return Some(range.start + at..range.start + end);
        }
        // A DML statement starts a statement: after `;`, a brace, `)` or `else`.
        if !["database", "search", "system"].iter().any(|w| starts_ci(rest, w)) {
            let before = slice[..at].trim_end();
            let starts = before.is_empty()
                || before.ends_with([';', '{', '}', ')'])
                || before
                    .len()
                    .checked_sub(4)
                    .and_then(|i| before.get(i..))
                    .is_some_and(|e| e.eq_ignore_ascii_case("else"));
            if !starts {
                continue;
            }
        }
        return Some(range.start + at..range.start + m.end());
    }
    None
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
                // A wrapper's `@AuraEnabled` property and an inner class's method are no way in.
                class(
                    "without sharing ",
                    &format!(
                        "  @AuraEnabled public String label {{ get; set; }}\n  public static Object go() {{\n{QUERY}\n  }}\n  public class Row {{ @AuraEnabled public static Object x() {{ return null; }} }}"
                    ),
                ),
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
    fn record_access_is_read_from_a_left_out_bodys_text() {
        let found = |body: &str| {
            let code = super::blank_strings_and_comments(body);
            super::text_record_access(&code, 0..body.len()).map(|r| body[r].to_string())
        };
        assert_eq!(found("{ if (ok) insert rows; }").as_deref(), Some("insert r"));
        assert_eq!(
            found("{ x = [SELECT Id FROM Case]; }").as_deref(),
            Some("[SELECT Id FROM Case]")
        );
        assert_eq!(
            found("{ return Database.query(q); }").as_deref(),
            Some("Database.query(")
        );
        for clean in [
            "{ // update the case\n return null; }",
            "{ String s = 'delete all'; }",
            "{ Integer lastUpdate = 1; update(); }",
            "{ x = [SELECT Id FROM RecordType]; }",
            "{ Database.setSavepoint(); }",
        ] {
            assert_eq!(found(clean), None, "{clean}");
        }
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
