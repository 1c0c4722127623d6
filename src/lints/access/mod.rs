//! What code does with the records a user's request reaches: whether it enforces the user's
//! access (CRUD and field-level security) before it reads or changes them.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use crate::dataflow::model::{ClassId, MethodId, MethodKind, Model};
use crate::dataflow::{Call, EndpointOf, Entry, On, Reach, Sink, SinkAt, Spec};
use crate::workspace::kind::FileKind;
use crate::workspace::project::Project;

// The rule modules, one per `lints/<rule-id>.md` of this family (see `build.rs`).
include!(concat!(env!("OUT_DIR"), "/lints/access.rs"));

/// Sink categories.
pub(crate) const READ: &str = "read";
pub(crate) const WRITE: &str = "write";

const DATABASE: &[&str] = &["database", "system.database"];
const SEARCH: &[&str] = &["search", "system.search"];

const fn sink(category: &'static str, at: SinkAt, note: &'static str) -> Sink {
    Sink {
        category,
        at,
        note,
        endpoint: EndpointOf::None,
        ignore_types: &[],
    }
}

const fn call(category: &'static str, on: On, method: &'static str, note: &'static str) -> Sink {
    sink(
        category,
        SinkAt::Call {
            call: Call { on, method },
            arg: None,
        },
        note,
    )
}

const READS: &str = "reads records";
const WRITES: &str = "changes records";

/// Every way Apex reads or writes records.
static SINKS: &[Sink] = &[
    sink(READ, SinkAt::Query, READS),
    call(READ, On::Class(DATABASE), "query", READS),
    call(READ, On::Class(DATABASE), "querywithbinds", READS),
    call(READ, On::Class(DATABASE), "countquery", READS),
    call(READ, On::Class(DATABASE), "countquerywithbinds", READS),
    call(READ, On::Class(DATABASE), "getquerylocator", READS),
    call(READ, On::Class(DATABASE), "getquerylocatorwithbinds", READS),
    call(READ, On::Class(SEARCH), "query", READS),
    call(READ, On::Class(SEARCH), "find", READS),
    sink(WRITE, SinkAt::Dml, WRITES),
    call(WRITE, On::Class(DATABASE), "insert", WRITES),
    call(WRITE, On::Class(DATABASE), "update", WRITES),
    call(WRITE, On::Class(DATABASE), "upsert", WRITES),
    call(WRITE, On::Class(DATABASE), "delete", WRITES),
    call(WRITE, On::Class(DATABASE), "undelete", WRITES),
    call(WRITE, On::Class(DATABASE), "merge", WRITES),
];

static REACH: Reach = Reach {
    entries,
    // A class that queries or writes is judged by the entry points that reach it: a pre-commit
    // run of it reads its callers, as it does a page's controllers.
    hints: &[
        "apex:page",
        "apex:component",
        "select",
        "insert",
        "update",
        "upsert",
        "delete",
        "merge",
        "database.",
        "search.",
    ],
    settles: Some(checks_access),
};

/// What a user's request reaches, from the methods it calls, to the records it reads and writes.
pub(crate) static ACCESS: Spec = Spec {
    sinks: SINKS,
    reach: Some(&REACH),
    ..Spec::PLAIN
};

pub(crate) static SPECS: &[&Spec] = &[&ACCESS];

/// What a method calls that checks the user's access, in any case: the describe checks, the
/// platform's stripping of what the user cannot see, and the checks of the common libraries
/// (fflib's `SecurityUtils`, ESAPI's `AccessController`) and of hand-written utility classes,
/// whose names say what they check.
const CHECKS: &[&str] = &[
    "stripinaccessible",
    "isaccessible",
    "iscreateable",
    "isupdateable",
    "isdeletable",
    "isundeletable",
    "ismergeable",
    "checkobjectis",
    "checkfieldis",
    "checkcrud",
    "checkfls",
    "enforcecrud",
    "enforcefls",
    "assertisaccessible",
    "accesscontroller",
    // An administrator gate: Modify All Data reaches every object.
    "permissionsmodifyalldata",
];

static CHECK_WORDS: LazyLock<Option<aho_corasick::AhoCorasick>> =
    LazyLock::new(|| crate::syntax::apex::words_matcher(CHECKS));

/// How many levels of the project's own check methods are followed (`hasFeatureAccess` calls
/// `hasReadAccessTo`, which calls `UTIL_Permissions.canRead`, which checks the describe).
const CHECK_DEPTH: usize = 8;

/// Whether a method's name (lower-case) says it checks something (`canRead`, `hasAccess`,
/// `checkPermissions`, `isUpdateable`, `enforceFls`): only such a method passes its check on to
/// the methods that call it. A `save`, an `execute` or a `createCase` that checks what it
/// writes says nothing of what its callers do.
fn check_like(name: &str) -> bool {
    const PREFIXES: &[&str] = &["can", "has", "is", "check", "assert", "enforce"];
    const WORDS: &[&str] = &[
        "access",
        "permission",
        "crud",
        "fls",
        "secur",
        "readable",
        "createable",
        "creatable",
        "updateable",
        "updatable",
        "deletable",
        "editable",
        "admin",
    ];
    PREFIXES.iter().any(|p| name.len() > p.len() && name.starts_with(p)) || WORDS.iter().any(|w| name.contains(w))
}

/// The methods that check the user's access themselves: a check anywhere in a method's body
/// counts for all it reads and writes and for what the methods it calls do (conditions are not
/// followed, as PMD does not). A check is one of [`CHECKS`], or a call of a method of the
/// project that checks and is named for checking (see [`check_like`]; by its name, through
/// [`CHECK_DEPTH`] levels; a property's name for its getter). An fflib selector's methods enforce access by default.
fn checks_access(project: &Project, model: &Model<'_>) -> Vec<bool> {
    let body = |m: MethodId| crate::dataflow::body_bytes(project, model, m).unwrap_or(&[]);
    let mut checks: Vec<bool> = (0..model.methods.len())
        .map(|m| {
            let method = &model.methods[m];
            !method.is_test
                && (model.classes[method.class]
                    .supertypes
                    .iter()
                    .any(|t| t == "fflib_sobjectselector")
                    || CHECK_WORDS.as_ref().is_some_and(|w| w.is_match(body(m))))
        })
        .collect();
    let mut new: Vec<MethodId> = (0..checks.len()).filter(|&m| checks[m]).collect();
    for _ in 0..CHECK_DEPTH {
        let mut names: Vec<&str> = new
            .iter()
            .map(|&m| {
                let name = &*model.methods[m].name;
                name.strip_prefix("get ").unwrap_or(name)
            })
            .filter(|n| check_like(n))
            .collect();
        names.sort_unstable();
        names.dedup();
        let Some(found) = crate::syntax::apex::words_matcher(&names) else {
            break;
        };
        let word = |b: Option<&u8>| b.is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'_');
        new = (0..checks.len())
            .filter(|&m| {
                let b = body(m);
                !checks[m]
                    && !model.methods[m].is_test
                    && found
                        .find_iter(b)
                        .any(|x| !word(x.start().checked_sub(1).and_then(|i| b.get(i))) && !word(b.get(x.end())))
            })
            .collect();
        if new.is_empty() {
            break;
        }
        for &m in &new {
            checks[m] = true;
        }
    }
    checks
}

/// The methods a user's request runs: those a client calls (`@AuraEnabled`, `@RemoteAction`,
/// `@InvocableMethod`, REST and SOAP methods) and, for each page or component that names a
/// controller or extension, the class's constructors, initializers, property getters and visible
/// methods (the page reads the properties and calls the actions).
fn entries(project: &Project, model: &Model<'_>) -> Vec<Entry> {
    // Per controller class, the first page (by path) that names it, and the names every such
    // page's expressions mention: a page calls only the actions and reads only the properties
    // it names (`{!save}`, `{!rows}` for `getRows()`).
    let mut pages: BTreeMap<ClassId, &str> = BTreeMap::new();
    let mut named: BTreeMap<ClassId, Vec<String>> = BTreeMap::new();
    for file in project.files.iter().filter(|f| f.kind == FileKind::Visualforce) {
        let classes: Vec<ClassId> = crate::syntax::vf::controllers(&file.text)
            .iter()
            .flat_map(|c| model.top_level_classes(c))
            .collect();
        if classes.is_empty() {
            continue;
        }
        let words = page_words(&file.text);
        for class in classes {
            pages.entry(class).or_insert_with(|| file.component_name());
            named.entry(class).or_default().extend(words.iter().cloned());
        }
    }
    for words in named.values_mut() {
        words.sort_unstable();
        words.dedup();
    }
    let mut out = Vec::new();
    for (m, method) in model.methods.iter().enumerate() {
        if method.is_test {
            continue;
        }
        let class = &model.classes[method.class];
        let shown = || method.display(&project.files[method.file].text).to_string();
        let client = method
            .annotations
            .iter()
            .find(|a| crate::lints::flow::CLIENT_ANNOTATIONS.contains(&a.as_ref()));
        let note = if let Some(a) = client {
            let by = match a.as_ref() {
                "auraenabled" => "a Lightning component (`@AuraEnabled`)",
                "remoteaction" => "a page's JavaScript (`@RemoteAction`)",
                "invocablemethod" => "a flow (`@InvocableMethod`)",
                _ => "a REST client (`@RestResource`)",
            };
            format!("`{}.{}` is called by {by}", class.name, shown())
        } else if method.webservice {
            format!("`{}.{}` is called by a SOAP client (`webservice`)", class.name, shown())
        } else if let Some(page) = pages.get(&method.class) {
            let mentioned = |name: &str| {
                let words = named.get(&method.class).map_or(&[][..], Vec::as_slice);
                words.binary_search_by(|w| w.as_str().cmp(name)).is_ok()
            };
            let name = &*method.name;
            let what = match method.kind {
                MethodKind::Constructor => "its constructor runs when the page loads".to_string(),
                MethodKind::Init => "its initializers run when the page loads".to_string(),
                // A property's accessor is named `get <property>`.
                MethodKind::Getter(_) if mentioned(name.strip_prefix("get ").unwrap_or(name)) => {
                    format!("the page shows `{}`", shown())
                }
                MethodKind::Method
                    if method.is_visible && (mentioned(name) || name.strip_prefix("get").is_some_and(mentioned)) =>
                {
                    format!("the page calls `{}`", shown())
                }
                _ => continue,
            };
            format!("`{}` is the controller of page `{page}`: {what}", class.name)
        } else {
            continue;
        };
        out.push(Entry {
            method: m,
            note,
            own_body: false,
        });
    }
    out
}

/// The names (lower-case) a page's expressions mention: actions, properties, members.
fn page_words(text: &str) -> Vec<String> {
    let mut words: Vec<String> = crate::syntax::vf::merge_fields(text)
        .into_iter()
        .flat_map(|r| {
            text[r]
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .filter(|w| w.starts_with(|c: char| c.is_ascii_alphabetic()))
                .map(str::to_ascii_lowercase)
                .collect::<Vec<_>>()
        })
        .collect();
    words.sort_unstable();
    words.dedup();
    words
}

/// Objects with no object permissions to enforce: custom metadata (every user reads it) and
/// setup objects whose access the platform grants by other means (View Setup, folders,
/// membership, the parent record's sharing), not by a profile's read permission.
pub(crate) const NO_PERMISSIONS: &[&str] = &[
    "apexclass",
    "apexcomponent",
    "apexpage",
    "apextrigger",
    "asyncapexjob",
    "businesshours",
    // Files' links and milestones follow the record's or the library's sharing.
    "casemilestone",
    "contentdocumentlink",
    "crontrigger",
    "cronjobdetail",
    "custompermission",
    "dashboard",
    "emailtemplate",
    "entitydefinition",
    "fielddefinition",
    "folder",
    "group",
    "groupmember",
    "holiday",
    "network",
    "organization",
    "orgwideemailaddress",
    "permissionset",
    "permissionsetassignment",
    "profile",
    "queuesobject",
    "recordtype",
    "report",
    "site",
    "staticresource",
    "userrole",
];

/// The object a query's text reads, as written: the word after its outermost `FROM` (not a
/// subquery's relationship, `(SELECT Id FROM Contacts)`), when the text names one.
pub(crate) fn queried_object(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut depth = 0usize;
    // (depth, offset after `from`) of the outermost `FROM` seen so far.
    let mut best: Option<(usize, usize)> = None;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'(' => depth += 1,
            b')' => depth = depth.saturating_sub(1),
            _ if b[i..].len() >= 4
                && b[i..i + 4].eq_ignore_ascii_case(b"from")
                && (i == 0 || !word(b[i - 1]))
                && b.get(i + 4).is_none_or(|&c| !word(c)) =>
            {
                if best.is_none_or(|(d, _)| depth < d) {
                    best = Some((depth, i + 4));
                }
                i += 4;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    let rest = text.get(best?.1..)?.trim_start();
    let end = rest.bytes().position(|c| !word(c)).unwrap_or(rest.len());
    (end > 0).then(|| rest[..end].to_string())
}

/// Whether `object` has no permission to check on (see [`NO_PERMISSIONS`]).
pub(crate) fn no_permissions(object: &str) -> bool {
    let lower = object.to_ascii_lowercase();
    lower.ends_with("__mdt") || NO_PERMISSIONS.contains(&lower.as_str())
}

/// Each Apex class's major API version (`<apiVersion>67.0</apiVersion>` in its `-meta.xml`), by
/// the class file's path: from 67.0 the platform's defaults change (user mode, with sharing).
pub(crate) fn class_api_versions<'p>(cx: &crate::lints::Ctx<'p>) -> HashMap<&'p str, u32> {
    cx.project
        .xml_of(crate::workspace::kind::MetaType::ApexClass)
        .filter_map(|(_, f, doc)| {
            let version = doc
                .root()?
                .child_text("apiVersion")?
                .trim()
                .split('.')
                .next()?
                .parse()
                .ok()?;
            Some((f.rel.strip_suffix("-meta.xml")?, version))
        })
        .collect()
}
