//! Compiles `lints/*.md` into a table of rule docs, so a malformed doc fails the build
//! instead of a user's run, and registers every lint: a doc of family `f` and id `a-b` is
//! implemented by `src/lints/f/a_b.rs`, which this script declares as a module and lists in
//! the registry. Adding a rule is adding its file and its doc; no list is edited by hand.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

const KEYS: &[&str] = &[
    "id",
    "family",
    "severity",
    "confidence",
    "security-severity",
    "tags",
    "since",
    "summary",
];

fn main() {
    println!("cargo:rerun-if-changed=lints");
    println!("cargo:rerun-if-changed=src/lints");
    // mimalloc's header, for the test that checks the option number `main` sets.
    if let Ok(dir) = env::var("DEP_MIMALLOC_INCLUDE_DIR") {
        println!("cargo:rustc-env=SFSEC_MIMALLOC_H={dir}/mimalloc.h");
    }
    let dir = Path::new("lints");
    let mut entries: Vec<_> = fs::read_dir(dir)
        .expect("lints/ exists")
        .map(|e| e.expect("readable lints/ entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    entries.sort();

    let mut out = String::from("pub static RULE_DOCS: &[RuleDoc] = &[\n");
    let mut engine_ids = String::new();
    let mut lints: Vec<(String, String)> = Vec::new();
    for path in &entries {
        println!("cargo:rerun-if-changed={}", path.display());
        let text = fs::read_to_string(path).expect("utf-8 doc");
        let (fields, body_start) =
            front_matter(&text).unwrap_or_else(|e| panic!("{}: malformed front matter: {e}", path.display()));
        let get = |k: &str| {
            fields
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
                .unwrap_or_else(|| panic!("{}: missing `{k}` in front matter", path.display()))
        };
        for (k, _) in &fields {
            assert!(
                KEYS.contains(&k.as_str()),
                "{}: unknown front-matter key `{k}`",
                path.display()
            );
        }
        let id = get("id");
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        assert_eq!(id, stem, "{}: id must equal the file name", path.display());
        let severity = match get("severity") {
            "error" => "Error",
            "warning" => "Warning",
            "note" => "Note",
            other => panic!("{}: severity `{other}` is not error|warning|note", path.display()),
        };
        let confidence = get("confidence");
        assert!(
            matches!(confidence, "high" | "medium" | "low"),
            "{}: confidence must be high|medium|low",
            path.display()
        );
        let security_severity: f64 = get("security-severity")
            .parse()
            .unwrap_or_else(|_| panic!("{}: security-severity must be a number", path.display()));
        assert!((0.0..=10.0).contains(&security_severity));
        let tags = get("tags");
        let tags = tags
            .strip_prefix('[')
            .and_then(|t| t.strip_suffix(']'))
            .unwrap_or_else(|| panic!("{}: tags must be a [list]", path.display()));
        let tags: Vec<&str> = tags.split(',').map(str::trim).filter(|t| !t.is_empty()).collect();
        let family = get("family");
        if family == ENGINE_FAMILY {
            writeln!(
                engine_ids,
                "/// Reported by the engine itself; documented in `lints/{id}.md`.\npub const {}: &str = {id:?};",
                id.replace('-', "_").to_uppercase()
            )
            .expect("write to string");
        } else {
            lints.push((family.to_string(), id.to_string()));
        }
        let abs = fs::canonicalize(path).expect("canonical path");
        writeln!(
            out,
            "    RuleDoc {{ id: {id:?}, family: {family:?}, severity: Severity::{severity}, \
             confidence: {confidence:?}, security_severity: {security_severity:?}, tags: &{tags:?}, \
             since: {since:?}, summary: {summary:?}, text: include_str!({abs:?}), body_start: {body_start} }},",
            since = get("since"),
            summary = get("summary"),
            abs = abs.display().to_string(),
        )
        .expect("write to string");
    }
    out.push_str("];\n");
    let out_dir = env::var("OUT_DIR").expect("OUT_DIR");
    let out_dir = Path::new(&out_dir);
    fs::write(out_dir.join("rule_docs.rs"), out).expect("write rule_docs.rs");
    fs::write(out_dir.join("engine_rules.rs"), engine_ids).expect("write engine_rules.rs");
    register_lints(out_dir, &lints);
}

/// Docs of this family are rules the engine reports (parse failures, suppressions); every other
/// doc is a lint's.
const ENGINE_FAMILY: &str = "general";

/// Writes `lints/<family>.rs` (the family's rule modules, included by `src/lints/<family>/mod.rs`)
/// and `lints/registry.rs` (every lint, sorted by id). Each rule file declares its lint with
/// `declare_lint!`, which defines the `LINT` listed here.
fn register_lints(out_dir: &Path, lints: &[(String, String)]) {
    let dir = out_dir.join("lints");
    fs::create_dir_all(&dir).expect("create lints/ in OUT_DIR");
    let mut families: Vec<&str> = lints.iter().map(|(f, _)| f.as_str()).collect();
    families.sort_unstable();
    families.dedup();
    let mut registry: Vec<(&str, String)> = Vec::new();
    for family in families {
        let family_dir = Path::new("src/lints").join(family);
        let mut mods = String::new();
        let mut declared = Vec::new();
        for (_, id) in lints.iter().filter(|(f, _)| f == family) {
            let module = id.replace('-', "_");
            let file = family_dir.join(format!("{module}.rs"));
            assert!(
                file.is_file(),
                "lints/{id}.md (family `{family}`) has no implementation: expected {}",
                file.display()
            );
            let abs = fs::canonicalize(&file).expect("canonical path");
            writeln!(
                mods,
                "#[path = {:?}]\npub(crate) mod {module};",
                abs.display().to_string()
            )
            .expect("write to string");
            registry.push((id, format!("    {family}::{module}::LINT,\n")));
            declared.push(format!("{module}.rs"));
        }
        // A file beside the rules that no doc names is a helper its family's mod.rs declares;
        // anything else is a rule whose doc is missing, which must not vanish from the build.
        let family_mod = fs::read_to_string(family_dir.join("mod.rs"))
            .unwrap_or_else(|e| panic!("{}: {e}", family_dir.join("mod.rs").display()));
        let mut entries: Vec<_> = fs::read_dir(&family_dir)
            .expect("family directory")
            .map(|e| e.expect("readable entry").file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".rs") && n != "mod.rs" && !declared.contains(n))
            .collect();
        entries.sort();
        for helper in entries {
            let module = helper.trim_end_matches(".rs");
            assert!(
                family_mod.contains(&format!("mod {module};")),
                "{}/{helper} is neither a rule (no lints/{}.md) nor declared in its family's mod.rs",
                family_dir.display(),
                module.replace('_', "-")
            );
        }
        fs::write(dir.join(format!("{family}.rs")), mods).expect("write family modules");
    }
    registry.sort_unstable();
    let mut text = String::from("/// Every lint, sorted by id.\npub(crate) static LINTS: &[&dyn Lint] = &[\n");
    text.extend(registry.into_iter().map(|(_, line)| line));
    text.push_str("];\n");
    fs::write(dir.join("registry.rs"), text).expect("write registry.rs");
}

/// `---\nkey: value\n...\n---\n` at the top; returns the fields and where the body starts.
fn front_matter(text: &str) -> Result<(Vec<(String, String)>, usize), String> {
    let rest = text.strip_prefix("---\n").ok_or("the file must start with `---`")?;
    let end = rest.find("\n---\n").ok_or("no closing `---`")?;
    let mut fields = Vec::new();
    for line in rest[..end].lines() {
        let (k, v) = line
            .split_once(':')
            .ok_or_else(|| format!("`{line}` is not `key: value`"))?;
        fields.push((k.trim().to_string(), v.trim().to_string()));
    }
    Ok((fields, 4 + end + 5))
}
