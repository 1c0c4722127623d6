//! Repository chores, run as `cargo xtask <command>` (an alias in `.cargo/config.toml`).
//!
//! - `new-lint <family> <rule-id>` scaffolds a rule: its code, its doc and a corpus project,
//!   each failing its tests until the rule is written. Nothing else needs editing: `build.rs`
//!   registers the rule from its file and its doc.
//! - `bless` regenerates what is derived from the rule set and committed: the book's rule pages
//!   and the output snapshots (which list every rule). Review the diff before committing.
//! - `fmt [--check]` formats the crate and the rule files, which `cargo fmt` does not reach
//!   (the build declares them, so no `mod` line leads rustfmt there).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `cargo run` says where this package is at run time; the path compiled in may be another
    // checkout's when two share a target directory.
    let manifest_dir =
        std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    let root = manifest_dir
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["new-lint", family, id] => new_lint(&root, family, id),
        ["bless"] => bless(&root),
        ["fmt"] => fmt(&root, false),
        ["fmt", "--check"] => fmt(&root, true),
        _ => Err(
            "usage: cargo xtask new-lint <family> <rule-id> | cargo xtask bless | cargo xtask fmt [--check]"
                .to_string(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// The book's rule pages and the insta snapshots, rewritten by their own tests.
fn bless(root: &Path) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    run(Command::new(&cargo)
        .current_dir(root)
        .args(["test", "--test", "book"])
        .env("SFSEC_UPDATE_BOOK", "1"))?;
    run(Command::new(&cargo)
        .current_dir(root)
        .args(["test", "--test", "cli"])
        .env("INSTA_UPDATE", "always"))
}

/// `cargo fmt`, then rustfmt on `src/lints/<family>/*.rs`.
fn fmt(root: &Path, check: bool) -> Result<(), String> {
    let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cargo.current_dir(root).args(["fmt", "--all"]);
    if check {
        cargo.args(["--", "--check"]);
    }
    run(&mut cargo)?;
    let mut files = Vec::new();
    for family in families(root)? {
        let dir = root.join("src/lints").join(family);
        for entry in fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))? {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut rustfmt = Command::new("rustfmt");
    rustfmt.current_dir(root).args(["--edition", "2024"]);
    if check {
        rustfmt.arg("--check");
    }
    run(rustfmt.args(&files))
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let status = cmd.status().map_err(|e| format!("{cmd:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{cmd:?} failed ({status})"))
    }
}

/// The lint families: the directories of `src/lints/`.
fn families(root: &Path) -> Result<Vec<String>, String> {
    let dir = root.join("src/lints");
    let mut out: Vec<String> = fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    out.sort();
    Ok(out)
}

fn new_lint(root: &Path, family: &str, id: &str) -> Result<(), String> {
    let kebab = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-')
            && !s.contains("--")
    };
    if !kebab(id) {
        return Err(format!(
            "`{id}` is not a kebab-case rule id (like `apex-soql-injection`)"
        ));
    }
    let known = families(root)?;
    if !known.iter().any(|f| f == family) {
        return Err(format!(
            "no family `{family}`; the families are {} (a new family is a new directory with its mod.rs and a `pub mod` in src/lints/mod.rs)",
            known.join(", ")
        ));
    }
    let module = id.replace('-', "_");
    let name: String = id
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    let version = package_version(root)?;
    let files = [
        (format!("src/lints/{family}/{module}.rs"), rule_file(family, id, &name)),
        (format!("lints/{id}.md"), doc_file(family, id, &version)),
        (format!("corpus/{id}/sfdx-project.json"), SFDX_PROJECT.to_string()),
        (
            format!("corpus/{id}/force-app/main/default/classes/{name}Example.cls"),
            corpus_class(id, &name),
        ),
    ];
    for (rel, _) in &files {
        if root.join(rel).exists() {
            return Err(format!("{rel} exists already"));
        }
    }
    for (rel, text) in &files {
        let path = root.join(rel);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("created {rel}");
    }
    println!(
        "next: write the check in src/lints/{family}/{module}.rs until `cargo test` passes \
         (its unit test, the doc's examples and corpus/{id}/ fail until the rule reports); \
         `cargo xtask bless` then refreshes the book pages and snapshots that list every rule"
    );
    Ok(())
}

fn package_version(root: &Path) -> Result<String, String> {
    let manifest = fs::read_to_string(root.join("Cargo.toml")).map_err(|e| format!("Cargo.toml: {e}"))?;
    manifest
        .lines()
        .find_map(|l| l.strip_prefix("version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .map(str::to_string)
        .ok_or_else(|| "Cargo.toml: no `version = \"...\"`".to_string())
}

fn rule_file(family: &str, id: &str, name: &str) -> String {
    format!(
        r#"//! `{id}`: what it finds, in one line.

use crate::diagnostics::finding::Finding;
use crate::lints::{{Ctx, Lint}};

declare_lint!({name} = "{id}");

impl Lint for {name} {{
    // Pick the hooks this rule needs (see `crate::lints::Lint`): `xml_types` + `check_xml` for
    // metadata, `specs` for data flow, `check_project` to look across files.
    fn check_project(&self, _cx: &Ctx<'_>, _out: &mut Vec<Finding>) {{}}
}}

#[cfg(test)]
mod tests {{
    use crate::lints::test_support::*;

    #[test]
    fn reports_the_pattern_and_not_its_look_alike() {{
        cases(
            "{id}",
            // Must not fire: the closest code that is safe.
            &[vec![(CLASS, "public class Auth {{ }}".into())]],
            // Must fire: the pattern, as real code writes it.
            &[vec![(CLASS, "public class Auth {{ /* the {family} pattern */ }}".into())]],
        );
    }}
}}
"#
    )
}

fn doc_file(family: &str, id: &str, version: &str) -> String {
    format!(
        r#"---
id: {id}
family: {family}
severity: warning
confidence: medium
security-severity: 5.0
tags: [security, {family}]
since: {version}
summary: what it finds, lower-case, no period
---
# {id}

## What it finds
The pattern, exactly: which files, which elements or calls, and what is not reported.

## Why it matters
What an attacker gains, and which Salesforce requirement it breaks.

## Example
```apex bad path=force-app/main/default/classes/Example.cls
public class Example {{ /* the pattern */ }}
```

## Use instead
```apex good path=force-app/main/default/classes/Example.cls
public class Example {{ }}
```

## How to fix
The change that removes the finding, and how to verify it.

## Known limitations
What the rule cannot see statically, and the false positives it accepts.

## References
- The Salesforce documentation this rule is based on.
"#
    )
}

const SFDX_PROJECT: &str = r#"{
  "packageDirectories": [{ "path": "force-app", "default": true }],
  "sourceApiVersion": "64.0"
}
"#;

fn corpus_class(id: &str, name: &str) -> String {
    format!(
        r#"// A small, realistic use of the pattern `{id}` finds, with a look-alike beside it.
public with sharing class {name}Example {{
    public void risky() {{
        // expect: {id}
    }}

    public void lookAlike() {{
        // ok: {id}
    }}
}}
"#
    )
}
