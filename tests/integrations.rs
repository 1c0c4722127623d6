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
                .map(|w| w.trim_end_matches([',', '.', ';', '"', '\'']).to_string())
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
    let commands = ["check", "baseline", "inventory", "report", "rules", "explain"];
    let mut checked = 0;
    for file in [
        "action.yml",
        "book/src/github.md",
        "book/src/pre-commit.md",
        "book/src/migrating-from-pmd.md",
        "book/src/baselines.md",
        "book/src/output-formats.md",
        "book/src/security-review.md",
        "book/src/inventory.md",
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
    assert!(text.contains("github/codeql-action/upload-sarif@v4"));
    // It installs the release (checksum checked) rather than compiling, and scans once.
    assert!(text.contains("action/install.sh"));
    assert_eq!(text.matches("sfsec \"${args[@]}\"").count(), 1, "one scan");
    assert!(text.contains("--also github=- --also \"summary=$GITHUB_STEP_SUMMARY\""));
}

/// Copies a folder (the corpus project) so that commands writing files never touch the repository.
fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("walk");
        let rel = entry.path().strip_prefix(from).expect("inside");
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &dest).expect("copy");
        }
    }
}

/// A command line's words as a POSIX shell splits them: blanks separate, double quotes group.
fn shell_words(line: &str) -> Vec<String> {
    let (mut words, mut word, mut quoted, mut any) = (Vec::new(), String::new(), false, false);
    for c in line.chars() {
        match c {
            '"' => (quoted, any) = (!quoted, true),
            c if c.is_whitespace() && !quoted => {
                if any {
                    words.push(std::mem::take(&mut word));
                }
                any = false;
            }
            c => {
                word.push(c);
                any = true;
            }
        }
    }
    if any {
        words.push(word);
    }
    words
}

#[test]
fn the_security_review_page_commands_write_the_reports_it_describes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let page = std::fs::read_to_string(root.join("book/src/security-review.md")).expect("page");
    let dir = tempfile::tempdir().expect("tmp");
    copy_dir(&root.join("corpus/partner-app"), dir.path());
    // What the page's `sf code-analyzer run` writes: Code Analyzer's real output on the corpus.
    std::fs::copy(
        root.join("tests/data/code-analyzer/code-analyzer.json"),
        dir.path().join("code-analyzer.json"),
    )
    .expect("copy");
    let mut ran = 0;
    for line in page.lines().map(str::trim) {
        // Shell lines and the workflow's `- run:` lines alike.
        let Some(cmd) = line
            .strip_prefix("- run: ")
            .or(Some(line))
            .and_then(|l| l.strip_prefix("sfsec report"))
        else {
            continue;
        };
        let cmd = cmd.split(" #").next().unwrap_or("");
        let owned = shell_words(cmd);
        let args: Vec<&str> = owned.iter().map(String::as_str).collect();
        let o = Command::new(BIN)
            .arg("report")
            .args(&args)
            .current_dir(dir.path())
            .output()
            .expect("run sfsec");
        assert!(
            o.status.success(),
            "sfsec report{cmd}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let out = args
            .windows(2)
            .find(|w| w[0] == "-o")
            .map(|w| w[1])
            .expect("the page's commands write a file");
        let text = std::fs::read_to_string(dir.path().join(out)).expect("report written");
        let heading = if out.ends_with(".md") {
            "## Documented false positives"
        } else {
            "<section id=\"false-positives\">"
        };
        assert!(text.contains(heading), "{out}");
        ran += 1;
    }
    assert!(ran >= 5, "only {ran} report commands found on the page");
}

/// The npm package and the pre-commit hook that runs it are at the crate's version, so that a
/// release tag's hooks run that release.
#[test]
fn the_npm_package_and_the_hooks_name_this_version() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let version = env!("CARGO_PKG_VERSION");
    let package: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("npm/sfsec/package.json")).expect("package.json"))
            .expect("json");
    assert_eq!(package["version"], version);
    let optional = package["optionalDependencies"]
        .as_object()
        .expect("optionalDependencies");
    assert_eq!(optional.len(), 5);
    assert!(optional.values().all(|v| v == version), "{optional:?}");
    let hooks = std::fs::read_to_string(root.join(".pre-commit-hooks.yaml")).expect("hooks");
    assert!(hooks.contains(&format!("npx --yes sfsec@{version} check")), "{hooks}");
    assert_eq!(hooks.matches("minimum_pre_commit_version").count(), 3);
    // The book pins a release, not a branch.
    let book = std::fs::read_to_string(root.join("book/src/pre-commit.md")).expect("book");
    assert!(book.contains(&format!("rev: v{version}")), "pin a tag in the book");
    assert!(!book.contains("rev: main"));
}
