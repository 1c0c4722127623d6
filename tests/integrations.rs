//! The integration files (the GitHub action, the book's snippets) only use what sfsec has: every
//! `sfsec <command> --flag` they write is in that command's `--help`.

use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_sfsec");

fn help(command: &str) -> String {
    let o = Command::new(BIN).args([command, "--help"]).output().expect("run sfsec");
    assert!(o.status.success(), "sfsec {command} --help failed");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// `(command, flags)` for each `sfsec <command> ...` in `text`, and in `args=(check ...)`
/// arrays (the action builds its command line in one).
fn invocations(text: &str) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut rest = line;
        while let Some(at) = rest.find("sfsec ").or_else(|| rest.find("args=(")) {
            let after = &rest[at..];
            let after = after
                .strip_prefix("sfsec ")
                .or_else(|| after.strip_prefix("args=("))
                .unwrap_or("");
            let mut words = after.split_whitespace();
            let Some(command) = words.next() else { break };
            let command = command.trim_matches(|c: char| !c.is_ascii_alphanumeric()).to_string();
            let flags: Vec<String> = after
                .split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == '`')
                .filter(|w| w.starts_with("--") && w.len() > 2)
                .map(|w| w.trim_end_matches([',', '.', ';']).to_string())
                .collect();
            out.push((command, flags));
            rest = &after[after.len()..];
        }
    }
    out
}

#[test]
fn the_action_and_the_book_use_only_flags_sfsec_has() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let commands = ["check", "baseline", "inventory", "rules", "explain"];
    let mut checked = 0;
    for file in [
        "action.yml",
        "book/src/github.md",
        "book/src/pre-commit.md",
        "book/src/migrating-from-pmd.md",
        "book/src/baselines.md",
        "book/src/output-formats.md",
        "README.md",
    ] {
        let text = std::fs::read_to_string(root.join(file)).expect(file);
        for (command, flags) in invocations(&text) {
            if !commands.contains(&command.as_str()) {
                continue;
            }
            let h = help(&command);
            for flag in flags {
                assert!(h.contains(&flag), "{file}: `sfsec {command}` has no `{flag}`");
                checked += 1;
            }
        }
    }
    // The action's scan alone passes --format, --output, --fail-on, --category and --baseline.
    assert!(checked >= 10, "only {checked} flags were found to check");
}

#[test]
fn the_action_declares_what_its_steps_read() {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml")).expect("action.yml");
    for input in ["path", "fail-on", "category", "baseline", "sarif-file", "upload"] {
        assert!(
            text.contains(&format!("\n  {input}:\n")),
            "input `{input}` is not declared"
        );
        assert!(
            text.contains(&format!("inputs.{input}")),
            "input `{input}` is never used"
        );
    }
    assert!(text.contains("using: composite"));
    assert!(text.contains("github/codeql-action/upload-sarif@"));
}
