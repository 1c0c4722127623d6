//! Records read or changed, on a user's request, without enforcing the user's access to them.

use crate::dataflow::Spec;
use crate::diagnostics::finding::Finding;
use crate::lints::access::{self, ACCESS, READ, class_api_versions, no_permissions, queried_object};
use crate::lints::flow::flow_finding;
use crate::lints::{Ctx, Lint};

declare_lint!(CrudViolation = "crud-violation");
const READ_HELP: &str = "run the query in user mode (`WITH USER_MODE`, or `AccessLevel.USER_MODE` for `Database` methods), \
     or check the object's and fields' describe (`isAccessible()`) or `Security.stripInaccessible` before the data leaves";
const WRITE_HELP: &str = "write in user mode (`insert as user records;`, `Database.insert(records, AccessLevel.USER_MODE)`), \
     or check `isCreateable()`/`isUpdateable()`/`isDeletable()` or `Security.stripInaccessible` first";

impl Lint for CrudViolation {
    fn specs(&self) -> &'static [&'static Spec] {
        access::SPECS
    }

    fn check_project(&self, cx: &Ctx<'_>, out: &mut Vec<Finding>) {
        let versions = class_api_versions(cx);
        // One finding per query or write: the first entry (by path length, then order) that
        // reaches it shows the way.
        let mut flows: Vec<&crate::dataflow::Flow> = cx.flows_of(&ACCESS).iter().collect();
        flows.sort_by_key(|f| (f.file, f.span.start, f.span.end, f.path.len()));
        flows.dedup_by_key(|f| (f.file, f.span.clone()));
        for flow in flows {
            let file = &cx.project.files[flow.file];
            let text = file.text.get(flow.span.clone()).unwrap_or("");
            let sink = &ACCESS.sinks[flow.sink];
            let read = sink.category == READ;
            // A query run from a string (`Database.query(q)`) is written before it, in its
            // method: its mode and object are read there.
            let built = if read && !text.trim_start().starts_with('[') {
                built_before(&file.text, flow.span.start)
            } else {
                ""
            };
            let object = if read {
                queried_object(text).or_else(|| built_object(built))
            } else {
                None
            };
            let user_mode = versions.get(file.rel.as_str()).is_some_and(|&v| v >= USER_MODE_DEFAULT);
            if user_mode || mode_given(text) || builds_with_mode(built) || object.as_deref().is_some_and(no_permissions)
            {
                continue;
            }
            let (message, help) = if read {
                let query = object.map_or_else(|| "a query".to_string(), |o| format!("a query of `{o}`"));
                (
                    format!(
                        "{query} runs in system mode on a user's request: it reads records and fields the user may not be allowed to see"
                    ),
                    READ_HELP,
                )
            } else {
                (
                    "records are written in system mode on a user's request: the user may not be allowed to create, edit or delete them"
                        .to_string(),
                    WRITE_HELP,
                )
            };
            out.push(flow_finding(ID, flow.file, flow.span.clone(), &flow.path, None, sink.note, message).help(help));
        }
    }
}

/// The API version from which a class's queries and DML run in user mode unless they say
/// otherwise (Summer '26; triggers stay in system mode whatever their version).
const USER_MODE_DEFAULT: u32 = 67;

/// Whether the query or write says how it runs: in the user's mode (`WITH USER_MODE`,
/// `WITH SECURITY_ENFORCED`, `AccessLevel.USER_MODE`, `insert as user`), or explicitly in the
/// system's (`AccessLevel.SYSTEM_MODE`, `as system`), a decision the code made in writing.
fn mode_given(text: &str) -> bool {
    let words: Vec<String> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let pair = |a: &str, b: &[&str]| words.windows(2).any(|w| w[0] == a && b.contains(&w[1].as_str()));
    pair("with", &["user_mode", "security_enforced", "system_mode"])
        || pair("as", &["user", "system"])
        || words
            .iter()
            .any(|w| w.ends_with("accesslevel.user_mode") || w.ends_with("accesslevel.system_mode"))
}

/// The text of the method around `at`, from its start to `at`: from the last line before `at`
/// that opens a method or constructor (a declaration that ends in `{`), at most 20,000 bytes back.
fn built_before(text: &str, at: usize) -> &str {
    let at = crate::diagnostics::finding::floor_char_boundary(text, at.min(text.len()));
    let from = crate::diagnostics::finding::floor_char_boundary(text, at.saturating_sub(20_000));
    let window = &text[from..at];
    let mut start = 0;
    let mut offset = 0;
    for line in window.split_inclusive('\n') {
        if opens_method(line.trim()) {
            start = offset;
        }
        offset += line.len();
    }
    &window[start..]
}

/// Whether a line opens a method or constructor: `[modifiers] [type] name(...) {`, not a
/// control statement or a call.
fn opens_method(t: &str) -> bool {
    let Some((head, _)) = t.split_once('(') else {
        return false;
    };
    let words: Vec<&str> = head.split_whitespace().collect();
    let first = words.first().map(|w| w.to_ascii_lowercase()).unwrap_or_default();
    let control = matches!(
        first.as_str(),
        "if" | "for" | "while" | "else" | "catch" | "switch" | "when" | "return" | "do" | "try" | "new" | "}"
    );
    let name = words
        .last()
        .is_some_and(|w| w.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
    let modifier = matches!(
        first.as_str(),
        "public" | "private" | "protected" | "global" | "static" | "override" | "webservice" | "virtual"
    );
    t.ends_with('{') && !control && name && !head.contains('=') && (modifier || words.len() >= 2)
}

/// Whether the method that builds a dynamic query states its mode: `WITH USER_MODE` or `WITH
/// SECURITY_ENFORCED` in its text, `AccessLevel.USER_MODE`, or a query builder's call that adds
/// it (`withSecurityEnforced()`, `withUserMode()`).
fn builds_with_mode(built: &str) -> bool {
    if built.is_empty() {
        return false;
    }
    let lower = built.to_ascii_lowercase();
    let squeezed: String = lower.split_whitespace().collect::<Vec<_>>().join(" ");
    [
        "with user_mode",
        "with security_enforced",
        "accesslevel.user_mode",
        ".withsecurityenforced(",
        ".withusermode(",
    ]
    .iter()
    .any(|w| squeezed.contains(w))
}

/// The object a dynamic query's method names: the `FROM` in the statement of the first
/// `SELECT` it writes in a string (`'SELECT ' + fields + ' FROM Task'`); an inline
/// `[SELECT ...]` is another query, and a `FROM` added by a later statement is not read.
fn built_object(built: &str) -> Option<String> {
    let lower = built.to_ascii_lowercase();
    let at = lower
        .match_indices("select ")
        .map(|(i, _)| i)
        .find(|&i| lower[..i].trim_end().ends_with('\''))?;
    let statement = &built[at..];
    let end = statement.find(';').unwrap_or(statement.len());
    queried_object(&statement[..end])
}

#[cfg(test)]
mod tests {
    use crate::lints::test_support::{CLASS, auth_class, cases, run_case as run};

    fn aura(body: &str) -> Vec<(&'static str, String)> {
        auth_class(&format!(
            "  @AuraEnabled public static Object go(Id recordId) {{\n{body}\n  }}"
        ))
    }

    /// A page named `Panel` with `controller="Auth"` whose expressions mention `names`.
    fn page(class: &str, names: &str) -> Vec<(&'static str, String)> {
        vec![
            (CLASS, format!("public with sharing class Auth {{\n{class}\n}}\n")),
            (
                "force-app/main/default/pages/Panel.page",
                format!("<apex:page controller=\"Auth\">{names}</apex:page>\n"),
            ),
        ]
    }

    #[test]
    fn table() {
        cases(
            "crud-violation",
            &[
                // The query or write says its mode.
                aura("    return [SELECT Id, Name FROM Contact WHERE Id = :recordId WITH USER_MODE];"),
                aura("    return [SELECT Id FROM Contact WITH SECURITY_ENFORCED];"),
                aura("    return Database.query('SELECT Id FROM Contact', AccessLevel.USER_MODE);"),
                aura("    insert as user new Contact(LastName = 'x');\n    return null;"),
                aura("    Database.update(new Contact(Id = recordId), AccessLevel.USER_MODE);\n    return null;"),
                aura("    return [SELECT Id FROM Contact WITH SYSTEM_MODE];"),
                // A check in the method, or in the entry before it calls the query.
                aura(
                    "    if (!Schema.sObjectType.Contact.isAccessible()) { return null; }\n    return [SELECT Id FROM Contact];",
                ),
                aura(
                    "    List<Contact> rows = [SELECT Id, Phone FROM Contact];\n    return Security.stripInaccessible(AccessType.READABLE, rows).getRecords();",
                ),
                auth_class(
                    "  @AuraEnabled public static Object go() {\n    if (!Contact.SObjectType.getDescribe().isCreateable()) { return null; }\n    return save();\n  }\n  private static Object save() { insert new Contact(LastName = 'x'); return null; }",
                ),
                // An administrator gate kept in a property, through a helper that tests Modify
                // All Data.
                page(
                    "  public Boolean isRunningUserIsAdmin { get { return runningUserIsAdmin(); } }\n  static Boolean runningUserIsAdmin() { return [SELECT COUNT() FROM PermissionSetAssignment WHERE PermissionSet.PermissionsModifyAllData = true AND AssigneeId = :UserInfo.getUserId()] > 0; }\n  public PageReference runCheck() { if (!isRunningUserIsAdmin) { return null; } delete [SELECT Id FROM Task LIMIT 1]; return null; }",
                    "{!runCheck}",
                ),
                // Nothing to check: custom metadata and setup objects.
                aura("    return [SELECT Label FROM Routing_Rule__mdt];"),
                aura("    return [SELECT Id FROM RecordType WHERE SobjectType = 'Contact'];"),
                aura("    return [SELECT Id, (SELECT Id FROM Users) FROM Profile];"),
                // No request reaches it: no annotation, no page, a method the page does not name.
                auth_class("  public static Object go() { return [SELECT Id FROM Contact]; }"),
                page("  public Object getRows() { return [SELECT Id FROM Contact]; }", "{!other}"),
                // Test code.
                vec![(
                    CLASS,
                    "@IsTest\nprivate class Auth {\n  @IsTest static void t() { insert new Contact(LastName = 'x'); }\n}\n".to_string(),
                )],
            ],
            &[
                aura("    return [SELECT Id, Name FROM Contact WHERE Id = :recordId];"),
                aura("    return Database.query('SELECT Id FROM Contact');"),
                aura("    update new Contact(Id = recordId);\n    return null;"),
                aura("    Database.delete(recordId);\n    return null;"),
                // Through a helper of the same class.
                auth_class(
                    "  @AuraEnabled public static Object go() { return save(); }\n  private static Object save() { insert new Contact(LastName = 'x'); return null; }",
                ),
                auth_class("  @RemoteAction public static Object go() { return [FIND 'x' IN ALL FIELDS RETURNING Contact(Id)]; }"),
                // A page's controller: what its constructor and the properties and actions it names do.
                page("  public List<Contact> rows { get { return [SELECT Id FROM Contact]; } }", "{!rows}"),
                page("  public Object getRows() { return [SELECT Id FROM Contact]; }", "{!rows}"),
                page("  public PageReference save() { delete [SELECT Id FROM Task LIMIT 1]; return null; }", "{!save}"),
                page("  public Auth() { insert new Task(Subject = 'seen'); }", ""),
                // A method named after administrators that checks nothing.
                page(
                    "  static void notifyAdmins() { insert new Task(Subject = 'admin'); }\n  public PageReference save() { notifyAdmins(); delete [SELECT Id FROM Task LIMIT 1]; return null; }",
                    "{!save}",
                ),
            ],
        );
    }

    #[test]
    fn a_dynamic_query_is_judged_by_the_method_that_builds_it() {
        let hits = |body: &str| run("crud-violation", &auth_class(body));
        let q = |tail: &str| {
            format!(
                "  @AuraEnabled\n  public static List<SObject> rows(String name) {{\n    String q = 'SELECT Id FROM Account WHERE Name = :name'{tail};\n    return Database.query(q);\n  }}"
            )
        };
        assert_eq!(hits(&q("")).len(), 1);
        assert!(hits(&q(" + ' WITH USER_MODE'")).is_empty());
        assert!(hits(&q(" + ' WITH  SECURITY_ENFORCED'")).is_empty());
        // A query builder that adds the clause.
        assert!(hits(
            "  @AuraEnabled\n  public static List<SObject> rows() {\n    String q = new QueryBuilder().withFrom('Account').withSecurityEnforced().build();\n    return Database.query(q);\n  }"
        )
        .is_empty());
        // A setup object's query built in a string.
        assert!(hits(
            "  @AuraEnabled\n  public static List<SObject> rows() {\n    String q = 'SELECT Id, Name FROM Report';\n    return Database.query(q);\n  }"
        )
        .is_empty());
        // An inline query of a setup object after the string's start is another query.
        assert_eq!(
            hits(
                "  @AuraEnabled\n  public static List<SObject> rows() {\n    String q = 'SELECT Id';\n    Id p = [SELECT Id FROM Profile LIMIT 1].Id;\n    q += ' FROM Case WHERE OwnerId = :p';\n    return Database.query(q);\n  }"
            )
            .len(),
            1
        );
        // An inline query of a setup object before it is another query.
        assert_eq!(
            hits(
                "  @AuraEnabled\n  public static List<SObject> rows() {\n    List<RecordType> types = [SELECT Id FROM RecordType];\n    String q = 'SELECT Id FROM Task WHERE RecordTypeId IN :types';\n    return Database.query(q);\n  }"
            )
            .len(),
            1
        );
        // Another method's clause does not count, with or without modifiers.
        let bare = "  @AuraEnabled\n  public static List<SObject> rows(String name) {\n    return new Auth().load(name);\n  }\n  public static List<SObject> safe() {\n    return Database.query('SELECT Id FROM Account WITH USER_MODE');\n  }\n  List<SObject> load(String name) {\n    String q = 'SELECT Id FROM Account WHERE Name = :name';\n    return Database.query(q);\n  }";
        assert_eq!(hits(bare).len(), 1);
        let two = format!(
            "  public static List<SObject> safe() {{\n    return Database.query('SELECT Id FROM Account WITH USER_MODE');\n  }}\n{}",
            q("")
        );
        assert_eq!(hits(&two).len(), 1);
    }

    #[test]
    fn a_class_saved_at_api_67_runs_in_user_mode_by_default() {
        let meta = |v: &str| {
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ApexClass xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <apiVersion>{v}</apiVersion>\n    <status>Active</status>\n</ApexClass>\n"
            )
        };
        let files = |v: &str| {
            let mut f = aura("    return [SELECT Id FROM Contact];");
            f.push(("force-app/main/default/classes/Auth.cls-meta.xml", meta(v)));
            f
        };
        assert_eq!(run("crud-violation", &files("66.0")).len(), 1);
        assert!(run("crud-violation", &files("67.0")).is_empty());
    }

    #[test]
    fn pmd_suppressions_silence_it() {
        for suppressed in [
            "  @SuppressWarnings('PMD.ApexCRUDViolation')\n  @AuraEnabled public static Object go() { return [SELECT Id FROM Contact]; }",
            "  @AuraEnabled public static Object go() { return [SELECT Id FROM Contact]; } // NOPMD",
        ] {
            let hits = run("crud-violation", &auth_class(suppressed));
            assert_eq!(hits.len(), 1, "{hits:#?}");
            assert!(hits[0].suppressed, "{suppressed}");
        }
    }

    #[test]
    fn the_path_from_the_entry_is_shown_and_each_query_is_reported_once() {
        let files = vec![
            (
                CLASS,
                "public with sharing class Auth {\n  @AuraEnabled public static Object a() { return Repo.rows(); }\n  @AuraEnabled public static Object b() { return Repo.rows(); }\n}\n".to_string(),
            ),
            (
                "force-app/main/default/classes/Repo.cls",
                "public with sharing class Repo {\n  public static List<Contact> rows() {\n    return [SELECT Id, Email FROM Contact];\n  }\n}\n".to_string(),
            ),
        ];
        let hits = run("crud-violation", &files);
        assert_eq!(hits.len(), 1, "{hits:#?}");
        assert_eq!(hits[0].path, "force-app/main/default/classes/Repo.cls");
        assert_eq!(hits[0].text, "[SELECT Id, Email FROM Contact]");
        assert_eq!(
            hits[0].message,
            "a query of `Contact` runs in system mode on a user's request: it reads records and fields the user may not be allowed to see"
        );
        hits[0].assert_labels(&[
            "`Auth.a` is called by a Lightning component (`@AuraEnabled`)",
            "calls `Repo.rows`",
        ]);
    }
}
