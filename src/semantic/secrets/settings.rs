//! Custom settings and custom metadata types, their fields and visibility, in source and
//! metadata-API layouts; and the Apex that reads their fields (and whether it uses a field as a
//! credential).

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;

use crate::syntax::flat::Node;
use rayon::prelude::*;

use crate::diagnostics::finding::FileId;
use crate::syntax::xml::ElemRef;
use crate::workspace::kind::MetaType;
use crate::workspace::project::{FieldRead, Project};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SettingKind {
    CustomSetting,
    MetadataType,
}

impl SettingKind {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            SettingKind::CustomSetting => "custom setting",
            SettingKind::MetadataType => "custom metadata type",
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct SettingObject {
    /// API name: `Acme_Settings__c`, `Acme_Config__mdt`.
    pub name: String,
    pub kind: SettingKind,
    /// `Public`, `Protected`, `PackageProtected`; `None` when absent (public).
    pub visibility: Option<String>,
    pub file: FileId,
    /// The `visibility` element, or the object's start tag.
    pub span: Range<usize>,
    pub fields: Vec<SettingField>,
}

impl SettingObject {
    pub(crate) fn is_protected(&self) -> bool {
        self.visibility
            .as_deref()
            .is_some_and(|v| v.eq_ignore_ascii_case("Protected") || v.eq_ignore_ascii_case("PackageProtected"))
    }
}

#[derive(Clone, Debug)]
pub(crate) struct SettingField {
    pub name: String,
    pub ty: Option<String>,
    pub file: FileId,
    /// The field's `fullName`, or its start tag.
    pub span: Range<usize>,
    /// Why its name, label, description or help text says it holds a credential.
    pub named_credential: Option<String>,
}

impl SettingField {
    /// Only text can hold a secret: checkboxes, numbers, dates, picklists and lookups cannot.
    pub(crate) fn holds_text(&self) -> bool {
        self.ty.as_deref().is_none_or(|t| {
            matches!(
                t.to_ascii_lowercase().as_str(),
                "text" | "textarea" | "longtextarea" | "encryptedtext" | "html" | "url"
            )
        })
    }
}

/// How the project's Apex reads one setting field.
#[derive(Clone, Debug, Default)]
pub(crate) struct FieldUse {
    /// Apex files that read it.
    pub readers: BTreeSet<FileId>,
    /// Where code uses it as a credential, and how.
    pub as_credential: Vec<(FileId, Range<usize>, String)>,
}

#[derive(Default)]
pub(crate) struct Settings {
    pub objects: Vec<SettingObject>,
    /// Keyed by lower-case `(object, field)`.
    pub uses: HashMap<(String, String), FieldUse>,
}

impl Settings {
    pub(crate) fn usage(&self, object: &str, field: &str) -> Option<&FieldUse> {
        self.uses
            .get(&(object.to_ascii_lowercase(), field.to_ascii_lowercase()))
    }

    /// Why a field is a credential: its name or words, else how code uses it; `None` for
    /// non-text fields.
    pub(crate) fn credential_reason(&self, object: &SettingObject, field: &SettingField) -> Option<String> {
        if !field.holds_text() {
            return None;
        }
        if let Some(why) = &field.named_credential {
            return Some(why.clone());
        }
        // `'Basic ' + base64(s.Username__c + ':' + s.Password__c)`: the user name travels with
        // the password, but it is not the secret (a public org's `Username__c` was reported).
        if super::names_an_identifier(&field.name) {
            return None;
        }
        let u = self.usage(&object.name, &field.name)?;
        u.as_credential.first().map(|(_, _, how)| how.clone())
    }
}

/// Every custom setting and custom metadata type in the project, with their fields and the
/// Apex that reads them.
pub(crate) fn build(project: &Project) -> Settings {
    let mut objects: Vec<SettingObject> = Vec::new();
    // Source-format field files, by the object folder they sit in.
    let mut loose: HashMap<String, Vec<SettingField>> = HashMap::new();
    for (id, f, doc) in project.xml_of(MetaType::CustomObject) {
        let Some(root) = doc.root() else { continue };
        let name = f.component_name().to_string();
        let Some(kind) = setting_kind(&name, root) else {
            continue;
        };
        let vis = root.child("visibility");
        let fields = root.children_named("fields").map(|el| field(el, id, None)).collect();
        objects.push(SettingObject {
            name,
            kind,
            visibility: vis.and_then(|v| v.text()).map(str::to_string),
            file: id,
            span: vis.map_or_else(|| root.start_tag(), |v| v.value_span()),
            fields,
        });
    }
    for (id, f, doc) in project.xml_of(MetaType::CustomField) {
        let Some(root) = doc.root() else { continue };
        let path = std::path::Path::new(&f.rel);
        let object = path
            .parent()
            .filter(|p| p.file_name().is_some_and(|n| n == "fields"))
            .and_then(|p| p.parent())
            .and_then(|p| p.file_name())
            .and_then(|n| n.to_str());
        if let Some(object) = object {
            loose
                .entry(object.to_ascii_lowercase())
                .or_default()
                .push(field(root, id, Some(f.component_name())));
        }
    }
    for o in &mut objects {
        if let Some(fs) = loose.remove(&o.name.to_ascii_lowercase()) {
            o.fields.extend(fs);
        }
    }
    // Key-value metadata types (`Utils__mdt.Value__c` with a record `ApiKey`, seen in public
    // code): the field's name says nothing, its records do.
    let named_by_records = records_named_like_credentials(project);
    for o in &mut objects {
        for f in &mut o.fields {
            // A record named `AccessToken` says nothing of its `HTTPMethod__c`.
            if f.named_credential.is_none() && !super::names_other_content(&f.name) {
                let key = (o.name.to_ascii_lowercase(), f.name.to_ascii_lowercase());
                f.named_credential = named_by_records.get(&key).cloned();
            }
        }
    }
    let uses = code_uses(project, &objects);
    Settings { objects, uses }
}

/// Whether object `name` (its definition's root element `root`) is a setting, and which kind.
fn setting_kind(name: &str, root: crate::syntax::xml::ElemRef<'_>) -> Option<SettingKind> {
    if root.child("customSettingsType").is_some() {
        Some(SettingKind::CustomSetting)
    } else if name.to_ascii_lowercase().ends_with("__mdt") {
        Some(SettingKind::MetadataType)
    } else {
        None
    }
}

/// Whether a text may name one of a set of settings: only Apex files that do can read one.
/// Custom settings and metadata types are named `X__c` and `X__mdt`, so a file without `__`
/// names none, which a memchr-class search tells at a fraction of the automaton's cost. The
/// automaton (one for every name: a regex set of a hundred names took longer to build than to
/// run over thousands of files) is built on first need: a few hundred names take milliseconds,
/// and a project whose Apex has no `__` never needs it.
struct SettingNames<'n> {
    names: Vec<&'n str>,
    separated: bool,
    matcher: std::sync::OnceLock<Option<aho_corasick::AhoCorasick>>,
}

impl<'n> SettingNames<'n> {
    fn new(names: Vec<&'n str>) -> Self {
        SettingNames {
            separated: names.iter().all(|n| n.contains("__")),
            names,
            matcher: std::sync::OnceLock::new(),
        }
    }

    fn may_name(&self, text: &str) -> bool {
        if self.separated && memchr::memmem::find(text.as_bytes(), b"__").is_none() {
            return false;
        }
        // Without an automaton every file may name one.
        self.matcher
            .get_or_init(|| crate::syntax::apex::words_matcher(&self.names))
            .as_ref()
            .is_none_or(|m| m.is_match(text))
    }
}

/// Per file: whether it is Apex that may name a setting. The per-file pass reads these files'
/// whole trees for the fields they read ([`field_reads`]), whatever a scan keeps of them
/// ([`crate::workspace::project::KeepPolicy::reads_whole`]). Decided from the text before anything is parsed,
/// so it may read a few more whole than [`code_uses`] needs (an object whose text mentions
/// `customSettingsType` anywhere), never fewer.
pub(crate) fn reading_files(project: &Project) -> Vec<bool> {
    let names: Vec<&str> = project
        .files
        .par_iter()
        .filter(|f| f.kind == crate::workspace::kind::FileKind::Metadata(MetaType::CustomObject))
        .map(|f| (f, f.component_name()))
        .filter(|(f, name)| f.text.contains("customSettingsType") || name.to_ascii_lowercase().ends_with("__mdt"))
        .map(|(_, name)| name)
        .collect();
    let mut out = vec![false; project.files.len()];
    if names.is_empty() {
        return out;
    }
    let names = SettingNames::new(names);
    out.par_iter_mut().zip(&project.files).for_each(|(whole, f)| {
        *whole = f.kind == crate::workspace::kind::FileKind::Apex && names.may_name(&f.text);
    });
    out
}

/// `(type, field)` (lower case) of custom metadata fields that a committed record named like a
/// credential (`Utils.ApiKey`) gives a value, with the reason.
fn records_named_like_credentials(project: &Project) -> HashMap<(String, String), String> {
    let mut out = HashMap::new();
    for (_, f, doc) in project.xml_of(MetaType::CustomMetadata) {
        let Some(root) = doc.root() else { continue };
        let Some((ty, record)) = f.component_name().split_once('.') else {
            continue;
        };
        let Some(word) =
            super::credential_name(record).or_else(|| root.child_text("label").and_then(super::credential_name))
        else {
            continue;
        };
        for v in root.children_named("values") {
            // A value that spells the word is a name, not the secret: a page-name type's record
            // `AAAP_CheckCredentials` holds `AAAP-CheckCredentials` (a public org).
            let has_value = v
                .child("value")
                .and_then(|e| e.text())
                .is_some_and(|t| !t.trim().is_empty() && !super::words(t).join(" ").contains(word.as_str()));
            if let (Some(field), true) = (v.child_text("field"), has_value) {
                out.entry((format!("{ty}__mdt").to_ascii_lowercase(), field.to_ascii_lowercase()))
                    .or_insert_with(|| format!("its record `{record}` is named like {}", article(&word)));
            }
        }
    }
    out
}

/// "an api key", "a token".
fn article(word: &str) -> String {
    let vowel = word.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {word}", if vowel { "an" } else { "a" })
}

fn field(el: ElemRef<'_>, file: FileId, file_name: Option<&str>) -> SettingField {
    let full = el.child("fullName");
    let name = full.and_then(|n| n.text()).or(file_name).unwrap_or("").to_string();
    let label = el.child_text("label");
    let named_credential = super::credential_name(&name)
        .map(|w| format!("its name says {w}"))
        .or_else(|| {
            label
                .and_then(super::credential_name)
                .map(|w| format!("its label says {w}"))
        })
        .or_else(|| {
            // Prose is weak evidence: not against a name that says what the field holds.
            if super::names_other_content(&name) {
                return None;
            }
            ["description", "inlineHelpText"].iter().find_map(|k| {
                el.child_text(k).and_then(super::credential_prose).map(|p| {
                    format!(
                        "its {} mentions {p}",
                        if *k == "description" {
                            "description"
                        } else {
                            "help text"
                        }
                    )
                })
            })
        });
    SettingField {
        name,
        ty: el.child_text("type").map(str::to_string),
        file,
        span: full.map_or_else(|| el.start_tag(), |f| f.value_span()),
        named_credential,
    }
}

/// Calls that read a setting's record: `X.getInstance()`, `X.getOrgDefaults()`, `X.getValues(..)`,
/// `X.getAll()`, `X__mdt.getInstance('Name')`.
const READERS: &[&str] = &["getinstance", "getorgdefaults", "getvalues", "getall"];

fn code_uses(project: &Project, objects: &[SettingObject]) -> HashMap<(String, String), FieldUse> {
    let mut out: HashMap<(String, String), FieldUse> = HashMap::new();
    if objects.is_empty() {
        return out;
    }
    let fields: HashMap<String, Vec<&str>> = {
        let mut m: HashMap<String, Vec<&str>> = HashMap::new();
        for o in objects {
            for f in &o.fields {
                m.entry(f.name.to_ascii_lowercase()).or_default().push(&o.name);
            }
        }
        m
    };
    // The reads were found in the per-file pass, in the files that may name a setting
    // ([`reading_files`], which matches these names and maybe more).
    for (id, file) in project.files.iter().enumerate() {
        for read in &file.field_reads {
            let Some(owners) = fields.get(&read.field) else {
                continue;
            };
            let Some(owner) = owners.iter().find(|o| o.eq_ignore_ascii_case(&read.owner)) else {
                continue;
            };
            let entry = out.entry((owner.to_ascii_lowercase(), read.field.clone())).or_default();
            entry.readers.insert(id);
            if let Some(how) = &read.credential {
                entry.as_credential.push((id, read.span.clone(), how.clone()));
            }
        }
    }
    out
}

/// Every read of a field on a record of a custom setting or custom metadata type's shape in a
/// whole Apex tree: through a reader call on the type (`X__c.getOrgDefaults().F__c`), or a local
/// or loop variable declared with it. Which types are settings is left to [`code_uses`], so that
/// what a file gives depends on its text alone (the per-file cache keeps it).
pub(crate) fn field_reads(root: Node<'_>, src: &str) -> Vec<FieldRead> {
    let mut out = Vec::new();
    // Declared types by enclosing method and variable: a method reads many fields of a few
    // variables, and each search walks the whole method.
    let mut declared: HashMap<(u32, String), Option<String>> = HashMap::new();
    root.preorder(|node| {
        if node.kind() == "field_access"
            && let Some(fld) = node.field("field")
            // A setting's fields are custom fields; most fields read are not.
            && ends_with_ignore_case(text(fld, src), "__c")
            && let Some(obj) = node.field("object")
            && let Some(owner) = receiver_type(obj, src, &mut declared)
        {
            let owner = owner.trim().to_ascii_lowercase();
            // Settings are custom objects (`__c`) and metadata types (`__mdt`).
            if owner.ends_with("__c") || owner.ends_with("__mdt") {
                out.push(FieldRead {
                    owner,
                    field: text(fld, src).to_ascii_lowercase(),
                    span: node.byte_range(),
                    credential: credential_use(node, src),
                });
            }
        }
        true
    });
    out
}

fn ends_with_ignore_case(s: &str, suffix: &str) -> bool {
    s.len() >= suffix.len() && s.as_bytes()[s.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
}

fn text<'s>(n: Node<'_>, src: &'s str) -> &'s str {
    src.get(n.byte_range()).unwrap_or("")
}

/// The type whose record the receiver of a field read is, as written: the type a reader call is
/// made on, or the declared type of a local or loop variable.
fn receiver_type(obj: Node<'_>, src: &str, declared: &mut HashMap<(u32, String), Option<String>>) -> Option<String> {
    match obj.kind() {
        "method_invocation" => {
            let mut cur = obj;
            let mut saw_reader = false;
            // Down the chain: `X.getAll().get('k')`, `X.getInstance()`.
            loop {
                let name = cur.field("name").map(|n| text(n, src).to_ascii_lowercase());
                saw_reader |= name.as_deref().is_some_and(|n| READERS.contains(&n));
                match cur.field("object") {
                    Some(o) if o.kind() == "method_invocation" => cur = o,
                    Some(o) if saw_reader => return Some(text(o, src).to_string()),
                    _ => return None,
                }
            }
        }
        "identifier" => {
            let var = text(obj, src);
            let key = (enclosing_method(obj).index(), var.to_ascii_lowercase());
            declared
                .entry(key)
                .or_insert_with(|| declared_type(obj, var, src))
                .clone()
        }
        _ => None,
    }
}

/// The method or constructor around `at` (the root when there is none).
fn enclosing_method(at: Node<'_>) -> Node<'_> {
    let mut scope = at;
    while let Some(p) = scope.parent() {
        scope = p;
        if matches!(scope.kind(), "method_declaration" | "constructor_declaration") {
            break;
        }
    }
    scope
}

/// The declared type of a local or loop variable named `var`, searched in the enclosing
/// method.
fn declared_type(at: Node<'_>, var: &str, src: &str) -> Option<String> {
    let scope = enclosing_method(at);
    let mut found = None;
    scope.preorder(|n| {
        if found.is_some() {
            return false;
        }
        let decl = match n.kind() {
            "local_variable_declaration" => {
                let mut c = n.walk();
                let named = n
                    .children_by_field_name("declarator", &mut c)
                    .any(|d| d.field("name").is_some_and(|x| text(x, src).eq_ignore_ascii_case(var)));
                named.then(|| n.field("type"))
            }
            "enhanced_for_statement" | "formal_parameter" => n
                .field("name")
                .filter(|x| text(*x, src).eq_ignore_ascii_case(var))
                .map(|_| n.field("type")),
            _ => None,
        };
        if let Some(Some(ty)) = decl {
            found = Some(text(ty, src).to_string());
        }
        true
    });
    found
}

/// Headers whose value is a credential: `Authorization`, or a name that says credential by the
/// same words as a field's (`X-Api-Key`, `X-Auth-Token`; not `Security-Token-Type`, seen on a
/// public org, whose value names the kind of token).
pub(crate) fn credential_header(h: &str) -> bool {
    let h = h.trim();
    // (`X-CSRF-Token` is not one: see `credential_words`.)
    h.eq_ignore_ascii_case("authorization")
        || h.eq_ignore_ascii_case("proxy-authorization")
        || h.eq_ignore_ascii_case("x-api")
        || super::credential_name(h).is_some()
}

/// The argument of a `Crypto` method that is its key: `encrypt(alg, key, iv, data)`,
/// `encryptWithManagedIV(alg, key, data)`, `generateMac(alg, input, key)`, `sign(alg, input,
/// key)`. The data a call encrypts or decrypts is not a key.
pub(crate) fn crypto_key_index(method: &str) -> Option<u32> {
    match method {
        "encrypt" | "decrypt" | "encryptwithmanagediv" | "decryptwithmanagediv" => Some(1),
        "generatemac" | "sign" => Some(2),
        _ => None,
    }
}

/// Whether `arg` is the key argument of a `Crypto` call; the method's name as written.
fn crypto_key_of<'s>(arg: Node<'_>, src: &'s str) -> Option<&'s str> {
    let args = arg.parent().filter(|a| a.kind() == "argument_list")?;
    let call = args.parent().filter(|c| c.kind() == "method_invocation")?;
    let qualifier = call.field("object").map_or("", |o| text(o, src));
    let written = text(call.field("name")?, src);
    let at = crypto_key_index(&written.to_ascii_lowercase())?;
    (qualifier.to_ascii_lowercase().ends_with("crypto") && args.named_child(at) == Some(arg)).then_some(written)
}

/// Calls a key passes through on its way to `Crypto`: `EncodingUtil.base64Decode(s.Key__c)`,
/// `Blob.valueOf(s.Key__c)`, `EncodingUtil.convertFromHex(...)`.
fn key_conversion(call: Node<'_>, src: &str) -> bool {
    let name = call
        .field("name")
        .map_or(String::new(), |x| text(x, src).to_ascii_lowercase());
    matches!(name.as_str(), "base64decode" | "valueof" | "convertfromhex")
}

/// Where the local variable `var` is the key of a `Crypto` call in the method around `at`.
fn crypto_key_through(at: Node<'_>, var: &str, src: &str) -> Option<String> {
    let scope = enclosing_method(at);
    let mut found = None;
    scope.preorder(|n| {
        if found.is_none()
            && n.kind() == "identifier"
            && text(n, src).eq_ignore_ascii_case(var)
            && let Some(method) = crypto_key_of(n, src)
        {
            found = Some(format!("code uses it (as `{var}`) as a key for `Crypto.{method}`"));
        }
        found.is_none()
    });
    found
}

/// How the statement around a field read uses it as a credential, if it does: an
/// `Authorization`-like header, a password, a `Crypto` key (also once converted and kept in a
/// local: `Blob key = EncodingUtil.base64Decode(s.Key__c)`), a credential request parameter.
fn credential_use(read: Node<'_>, src: &str) -> Option<String> {
    let mut n = read;
    // Whether `n` is still the value read, or a conversion of it that a key passes through.
    let mut key_value = true;
    while let Some(p) = n.parent() {
        if key_value {
            if let Some(method) = crypto_key_of(n, src) {
                return Some(format!("code uses it as a key for `Crypto.{method}`"));
            }
            let local = match p.kind() {
                "variable_declarator" if p.field("value") == Some(n) => p.field("name"),
                "assignment_expression" if p.field("right") == Some(n) => {
                    p.field("left").filter(|l| l.kind() == "identifier")
                }
                _ => None,
            };
            if let Some(how) = local.and_then(|v| crypto_key_through(p, text(v, src), src)) {
                return Some(how);
            }
            key_value = match p.kind() {
                "argument_list" => true,
                "method_invocation" => key_conversion(p, src),
                "parenthesized_expression" | "cast_expression" => true,
                _ => false,
            };
        }
        if p.kind().ends_with("statement") || p.kind() == "block" {
            break;
        }
        if p.kind() == "method_invocation" {
            let written = p.field("name").map_or("", |x| text(x, src));
            let name = written.to_ascii_lowercase();
            let first_arg = p
                .field("arguments")
                .and_then(|a| a.named_child(0))
                .map(|a| text(a, src).trim_matches('\'').to_string())
                .unwrap_or_default();
            match name.as_str() {
                "setheader" if credential_header(&first_arg) => {
                    return Some(format!("code sends it in the `{first_arg}` header"));
                }
                "setpassword" => return Some("code uses it as a password".into()),
                "put" if super::credential_name(&first_arg).is_some() => {
                    return Some(format!("code sends it as `{first_arg}`"));
                }
                _ => {}
            }
        }
        // Only the literal right before the value names it: in `'?id=' + s.Id__c + '&token='
        // + s.Token__c` the `token=` that follows `Id__c` is another parameter's name.
        if p.kind() == "binary_expression" && p.field("right") == Some(n) {
            // `'client_secret=' + s.Secret__c` in a request body.
            let lit = p
                .field("left")
                .map(|l| text(l, src).to_ascii_lowercase())
                .unwrap_or_default();
            for param in [
                "client_secret=",
                "password=",
                "api_key=",
                "apikey=",
                "access_token=",
                "token=",
            ] {
                if lit.ends_with(&format!("{param}'")) || lit.ends_with(&format!("&{param}'")) {
                    return Some(format!("code sends it as `{}`", param.trim_end_matches('=')));
                }
            }
            if lit.trim_matches('\'').to_ascii_lowercase().starts_with("bearer ")
                || lit.trim_matches('\'').eq_ignore_ascii_case("basic ")
            {
                return Some("code sends it as an `Authorization` value".into());
            }
        }
        n = p;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(files: &[(&str, &str)]) -> Settings {
        build(&crate::testing::in_memory(files))
    }

    const OBJ: &str = "force-app/main/default/objects/Acme_Settings__c/Acme_Settings__c.object-meta.xml";

    fn object(vis: &str) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CustomObject xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <customSettingsType>Hierarchy</customSettingsType>\n    <label>Acme Settings</label>\n    <visibility>{vis}</visibility>\n</CustomObject>\n"
        )
    }

    /// The fields a class reads from a setting are read from its whole tree in the per-file
    /// pass, and only where it names a setting; the scan keeps declarations only, bodies
    /// elided, in both classes, and the usage found through a body is still found.
    #[test]
    fn apex_naming_a_setting_is_read_whole_and_kept_as_declarations() {
        use crate::workspace::project::Parsed;
        let reader = "public class Reader { public static String key() { return Acme_Settings__c.getOrgDefaults().Api_Key__c; } }";
        let other = "public class Other { public static String k() { return 'x'; } }";
        let (fpath, ftext) = field_file("Api_Key__c", "Text", "");
        let obj = object("Protected");
        let files = [
            (OBJ, obj.as_str()),
            (fpath.as_str(), ftext.as_str()),
            ("force-app/main/default/classes/Reader.cls", reader),
            ("force-app/main/default/classes/Other.cls", other),
        ];
        let project = crate::testing::in_memory(&files);
        let elided = |id: usize| match &project.files[id].parsed {
            Parsed::Apex(t) => t.nodes().filter(|n| n.is_elided()).count(),
            _ => usize::MAX,
        };
        assert_eq!((elided(2), elided(3)), (1, 1));
        let reads = |id: usize| project.files[id].field_reads.len();
        assert_eq!((reads(2), reads(3)), (1, 0));
        let s = build(&project);
        let uses = s.uses.get(&("acme_settings__c".to_string(), "api_key__c".to_string()));
        assert!(
            uses.is_some_and(|u| u.readers.contains(&2)),
            "{:?}",
            s.uses.keys().collect::<Vec<_>>()
        );
    }

    /// Only Apex text that names a setting, in any case, is read whole; `__` alone is not enough.
    #[test]
    fn the_files_read_whole_are_the_ones_naming_a_setting() {
        let obj = object("Protected");
        let files = [
            (OBJ, obj.as_str()),
            (
                "force-app/main/default/classes/Upper.cls",
                "class Upper { Object o = ACME_SETTINGS__C.getOrgDefaults(); }",
            ),
            (
                "force-app/main/default/classes/Field.cls",
                "class Field { Object o = Account.Acme__c; }",
            ),
            (
                "force-app/main/default/classes/Plain.cls",
                "class Plain { Object o = Acme_Settings; }",
            ),
        ];
        let project = crate::testing::in_memory(&files);
        assert_eq!(reading_files(&project), [false, true, false, false]);
    }

    fn field_file(name: &str, ty: &str, extra: &str) -> (String, String) {
        (
            format!("force-app/main/default/objects/Acme_Settings__c/fields/{name}.field-meta.xml"),
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CustomField xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <fullName>{name}</fullName>\n    <label>{name}</label>\n    <type>{ty}</type>{extra}\n</CustomField>\n"
            ),
        )
    }

    #[test]
    fn a_key_value_type_is_a_credential_store_when_a_record_is_named_like_one() {
        let ty = "force-app/main/default/objects/Utils__mdt/Utils__mdt.object-meta.xml";
        let field = "force-app/main/default/objects/Utils__mdt/fields/Value__c.field-meta.xml";
        let other = "force-app/main/default/objects/Utils__mdt/fields/Note__c.field-meta.xml";
        let record = |name: &str, label: &str, value: &str| {
            (
                format!("force-app/main/default/customMetadata/Utils.{name}.md-meta.xml"),
                format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CustomMetadata xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <label>{label}</label>\n    <values>\n        <field>Value__c</field>\n        <value>{value}</value>\n    </values>\n    <values>\n        <field>Note__c</field>\n        <value xsi:nil=\"true\"/>\n    </values>\n</CustomMetadata>\n"
                ),
            )
        };
        let text_field = |name: &str| {
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CustomField xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <fullName>{name}</fullName>\n    <label>{name}</label>\n    <type>Text</type>\n</CustomField>\n"
            )
        };
        let obj = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CustomObject xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <label>Utils</label>\n    <visibility>Public</visibility>\n</CustomObject>\n";
        let (v, n) = (text_field("Value__c"), text_field("Note__c"));
        // Look-alike: records named like settings, not credentials.
        let (lat, lat_text) = record("Default_Latitude", "Default Latitude", "37.79");
        let s = settings(&[(ty, obj), (field, &v), (other, &n), (&lat, &lat_text)]);
        let o = &s.objects[0];
        assert!(o.fields.iter().all(|f| s.credential_reason(o, f).is_none()));
        let (key, key_text) = record("ApiKey", "ApiKey", "AAPKe199b426bd974d15");
        let s = settings(&[
            (ty, obj),
            (field, &v),
            (other, &n),
            (&lat, &lat_text),
            (&key, &key_text),
        ]);
        let o = &s.objects[0];
        let value = o.fields.iter().find(|f| f.name == "Value__c").expect("Value__c");
        let note = o.fields.iter().find(|f| f.name == "Note__c").expect("Note__c");
        assert_eq!(
            s.credential_reason(o, value).as_deref(),
            Some("its record `ApiKey` is named like an api key")
        );
        // The record leaves this field empty: nothing says it holds the key.
        assert!(s.credential_reason(o, note).is_none());
    }

    /// A description that mentions a password is evidence only for a field whose name does
    /// not say what else it holds (`AccessUrl__c` was reported on a public org).
    #[test]
    fn prose_does_not_outweigh_a_name_that_says_what_the_field_holds() {
        let prose = "\n    <description>Sent in welcome emails to users who have not set a password yet.</description>";
        let (p1, t1) = field_file("Access_Url__c", "Url", prose);
        let (p2, t2) = field_file("Portal_Notes__c", "Text", prose);
        let obj = object("Public");
        let s = settings(&[(OBJ, &obj), (&p1, &t1), (&p2, &t2)]);
        let o = &s.objects[0];
        let reasons: Vec<Option<String>> = o.fields.iter().map(|f| s.credential_reason(o, f)).collect();
        assert_eq!(reasons, [None, Some("its description mentions password".to_string())]);
    }

    #[test]
    fn source_layout_links_fields_to_their_object() {
        let (p1, t1) = field_file("Api_Key__c", "Text", "");
        let (p2, t2) = field_file("Timeout__c", "Number", "");
        let obj = object("Protected");
        let s = settings(&[(OBJ, &obj), (&p1, &t1), (&p2, &t2)]);
        assert_eq!(s.objects.len(), 1);
        let o = &s.objects[0];
        assert!(o.is_protected());
        assert_eq!(o.kind, SettingKind::CustomSetting);
        let names: Vec<&str> = o.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["Api_Key__c", "Timeout__c"]);
        assert!(s.credential_reason(o, &o.fields[0]).is_some());
        assert!(s.credential_reason(o, &o.fields[1]).is_none());
    }

    /// A setting of the given visibility with two vaguely named text fields, `Value_A__c` and
    /// `Value_B__c`, and a class `Client` that reads them.
    fn vague_fields_read_by(visibility: &str, class: &str) -> Settings {
        let (p1, t1) = field_file("Value_A__c", "Text", "");
        let (p2, t2) = field_file("Value_B__c", "Text", "");
        let obj = object(visibility);
        settings(&[
            (OBJ, &obj),
            (&p1, &t1),
            (&p2, &t2),
            ("force-app/main/default/classes/Client.cls", class),
        ])
    }

    #[test]
    fn code_makes_a_vague_field_a_credential() {
        let class = "public class Client {\n  void m() {\n    HttpRequest r = new HttpRequest();\n    r.setHeader('Authorization', 'Bearer ' + Acme_Settings__c.getOrgDefaults().Value_A__c);\n    Acme_Settings__c s = Acme_Settings__c.getInstance();\n    r.setEndpoint(s.Value_B__c);\n  }\n}";
        let s = vague_fields_read_by("Public", class);
        let o = &s.objects[0];
        let why = s.credential_reason(o, &o.fields[0]).unwrap_or_default();
        assert!(why.contains("Authorization"), "{why}");
        assert!(s.credential_reason(o, &o.fields[1]).is_none());
        assert_eq!(
            s.usage("acme_settings__c", "value_b__c").map(|u| u.readers.len()),
            Some(1)
        );
    }

    /// The shape of a public org's support wizard: the key is decoded into a local and used by
    /// `Crypto` further down; what a call encrypts or decrypts is data, not a key.
    #[test]
    fn a_key_converted_into_a_local_is_still_a_crypto_key() {
        let class = "public class Client {\n  Blob m(Acme_Settings__c s, Blob data) {\n    Blob cryptoKey = null;\n    cryptoKey = EncodingUtil.base64Decode(s.Value_A__c);\n    Blob plain = Crypto.decryptWithManagedIV('AES256', cryptoKey, EncodingUtil.base64Decode(s.Value_B__c));\n    return Crypto.encryptWithManagedIV('AES256', cryptoKey, plain);\n  }\n}";
        let s = vague_fields_read_by("Public", class);
        let o = &s.objects[0];
        assert_eq!(
            s.credential_reason(o, &o.fields[0]).as_deref(),
            Some("code uses it (as `cryptoKey`) as a key for `Crypto.decryptWithManagedIV`")
        );
        assert!(s.credential_reason(o, &o.fields[1]).is_none());

        let direct = "public class Client {\n  Blob m(Acme_Settings__c s, Blob data) {\n    Blob mac = Crypto.generateMac('hmacSHA256', Blob.valueOf(s.Value_B__c), Blob.valueOf(s.Value_A__c));\n    Blob key = Blob.valueOf(s.Value_B__c);\n    return mac;\n  }\n}";
        let s = vague_fields_read_by("Public", direct);
        let o = &s.objects[0];
        assert_eq!(
            s.credential_reason(o, &o.fields[0]).as_deref(),
            Some("code uses it as a key for `Crypto.generateMac`")
        );
        assert!(s.credential_reason(o, &o.fields[1]).is_none());
    }

    #[test]
    fn a_parameter_name_belongs_to_the_value_right_after_it() {
        // The shape of a public address-verification client: an id, then a token.
        let class = "public class Client {\n  String q(Acme_Settings__c s) {\n    return '?auth-id=' + s.Value_A__c + '&auth-token=' + s.Value_B__c;\n  }\n}";
        let s = vague_fields_read_by("Protected", class);
        let o = &s.objects[0];
        assert!(s.credential_reason(o, &o.fields[0]).is_none());
        assert_eq!(
            s.credential_reason(o, &o.fields[1]).as_deref(),
            Some("code sends it as `token`")
        );
    }

    /// Shapes from public orgs: a header that names the kind of token, and the user name that
    /// Basic authentication sends beside the password.
    #[test]
    fn code_evidence_is_about_the_secret_not_what_travels_with_it() {
        let class = "public class Client {\n  void m(Acme_Settings__c s) {\n    HttpRequest r = new HttpRequest();\n    r.setHeader('Security-Token-Type', s.Value_A__c);\n    r.setHeader('X-Auth-Token', s.Value_B__c);\n  }\n}";
        let s = vague_fields_read_by("Public", class);
        let o = &s.objects[0];
        assert!(s.credential_reason(o, &o.fields[0]).is_none());
        assert_eq!(
            s.credential_reason(o, &o.fields[1]).as_deref(),
            Some("code sends it in the `X-Auth-Token` header")
        );

        let (p1, t1) = field_file("Username__c", "Text", "");
        let (p2, t2) = field_file("Value__c", "Text", "");
        let obj = object("Public");
        let basic = "public class Client {\n  void m(Acme_Settings__c s) {\n    HttpRequest r = new HttpRequest();\n    r.setHeader('Authorization', 'Basic ' + EncodingUtil.base64Encode(Blob.valueOf(s.Username__c + ':' + s.Value__c)));\n    String h = 'Basic ' + s.Username__c;\n    String g = 'Basic ' + s.Value__c;\n  }\n}";
        let s = settings(&[
            (OBJ, &obj),
            (&p1, &t1),
            (&p2, &t2),
            ("force-app/main/default/classes/Client.cls", basic),
        ]);
        let o = &s.objects[0];
        assert!(s.credential_reason(o, &o.fields[0]).is_none());
        assert!(s.credential_reason(o, &o.fields[1]).is_some());
    }

    #[test]
    fn a_record_whose_value_spells_its_name_holds_a_name() {
        let ty = "force-app/main/default/objects/Page_Map__mdt/Page_Map__mdt.object-meta.xml";
        let field = "force-app/main/default/objects/Page_Map__mdt/fields/Page__c.field-meta.xml";
        let obj = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CustomObject xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <label>Page Map</label>\n</CustomObject>\n";
        let f = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CustomField xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <fullName>Page__c</fullName>\n    <label>Page</label>\n    <type>Text</type>\n</CustomField>\n";
        let record = |value: &str| {
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CustomMetadata xmlns=\"http://soap.sforce.com/2006/04/metadata\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\">\n    <label>AAAP/CheckCredentials</label>\n    <protected>false</protected>\n    <values>\n        <field>Page__c</field>\n        <value xsi:type=\"xsd:string\">{value}</value>\n    </values>\n</CustomMetadata>\n"
            )
        };
        let path = "force-app/main/default/customMetadata/Page_Map.AAAP_CheckCredentials.md-meta.xml";
        for (value, credential) in [("AAAP-CheckCredentials", false), ("c2VjcmV0OnZhbHVlCg", true)] {
            let r = record(value);
            let s = settings(&[(ty, obj), (field, f), (path, &r)]);
            let o = &s.objects[0];
            assert_eq!(s.credential_reason(o, &o.fields[0]).is_some(), credential, "{value}");
        }
    }

    #[test]
    fn mdapi_objects_and_metadata_types() {
        let mdt = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CustomObject xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <fields>\n        <fullName>Client_Secret__c</fullName>\n        <label>Client Secret</label>\n        <type>Text</type>\n    </fields>\n    <fields>\n        <fullName>Enabled__c</fullName>\n        <label>Secret enabled</label>\n        <type>Checkbox</type>\n    </fields>\n    <label>Acme Config</label>\n</CustomObject>\n";
        let s = settings(&[("src/objects/Acme_Config__mdt.object", mdt)]);
        let o = &s.objects[0];
        assert_eq!(o.kind, SettingKind::MetadataType);
        assert!(!o.is_protected());
        assert!(s.credential_reason(o, &o.fields[0]).is_some());
        assert!(s.credential_reason(o, &o.fields[1]).is_none());
    }
}
