//! Compiles `lints/*.md` into a table of rule docs, so a malformed doc fails the build
//! instead of a user's run.

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
        let abs = fs::canonicalize(path).expect("canonical path");
        writeln!(
            out,
            "    RuleDoc {{ id: {id:?}, family: {family:?}, severity: Severity::{severity}, \
             confidence: {confidence:?}, security_severity: {security_severity:?}, tags: &{tags:?}, \
             since: {since:?}, summary: {summary:?}, text: include_str!({abs:?}), body_start: {body_start} }},",
            family = get("family"),
            since = get("since"),
            summary = get("summary"),
            abs = abs.display().to_string(),
        )
        .expect("write to string");
    }
    out.push_str("];\n");
    let dest = Path::new(&env::var("OUT_DIR").expect("OUT_DIR")).join("rule_docs.rs");
    fs::write(dest, out).expect("write rule_docs.rs");
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
