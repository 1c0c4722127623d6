//! The book's rule pages are generated from `lints/`; this test fails when they are stale.
//! Regenerate with `SFSEC_UPDATE_BOOK=1 cargo test --test book`.

use std::path::Path;

#[test]
fn book_is_fresh() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("book/src");
    let update = std::env::var_os("SFSEC_UPDATE_BOOK").is_some();
    let options = sfsec::rule_options();
    let mut expected: Vec<(std::path::PathBuf, String)> = sfsec::diagnostics::rules::all()
        .iter()
        .map(|d| {
            (
                src.join(format!("rules/{}.md", d.id)),
                sfsec::diagnostics::book::rule_page(d, &options),
            )
        })
        .collect();
    expected.push((src.join("rules/index.md"), sfsec::diagnostics::book::rules_index()));

    let summary_path = src.join("SUMMARY.md");
    let summary = std::fs::read_to_string(&summary_path).expect("SUMMARY.md");
    // The rule pages are nested under the last chapter, so everything after it is generated (an
    // HTML comment as a marker would end the list and un-nest them).
    const RULES_CHAPTER: &str = "- [Rules](rules/index.md)\n";
    let (head, _) = summary
        .split_once(RULES_CHAPTER)
        .expect("the Rules chapter is in SUMMARY.md");
    let fresh_summary = format!("{head}{RULES_CHAPTER}{}", sfsec::diagnostics::book::summary_entries());
    expected.push((summary_path, fresh_summary));

    let mut stale = Vec::new();
    for (path, text) in &expected {
        if std::fs::read_to_string(path).ok().as_deref() != Some(text.as_str()) {
            if update {
                std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
                std::fs::write(path, text).expect("write");
            } else {
                stale.push(path.display().to_string());
            }
        }
    }
    // No page for a rule that no longer exists.
    for entry in std::fs::read_dir(src.join("rules")).expect("rules/") {
        let p = entry.expect("entry").path();
        let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        if stem != "index" && sfsec::diagnostics::rules::get(stem).is_none() {
            stale.push(format!("{} (no such rule)", p.display()));
        }
    }
    assert!(
        stale.is_empty(),
        "stale book pages; run `SFSEC_UPDATE_BOOK=1 cargo test --test book`:\n{}",
        stale.join("\n")
    );
}

#[test]
fn the_configuration_chapter_shows_a_valid_config() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("book/src/configuration.md");
    let text = std::fs::read_to_string(&path).expect("configuration.md");
    let start = text.find("```toml\n").expect("a toml example") + "```toml\n".len();
    let end = start + text[start..].find("```").expect("closing fence");
    let config =
        sfsec::workspace::config::Config::parse(Path::new("sfsec.toml"), &text[start..end], &sfsec::rule_options())
            .expect("the example is valid");
    let window = sfsec::rule_options()
        .into_iter()
        .find(|o| o.name == "expiry-window-days")
        .expect("declared by oauth-jwt-certificate");
    assert_eq!(config.options.int(window), 60);
    assert_eq!(config.options.native_apps, vec!["Field_Desktop"]);
}

/// Every finding links its rule's page (`helpUri` in SARIF, the terminal's header): the page is
/// in the book, and the book is published where the link points. `.ci/run` also builds the book
/// with mdBook and finds each link's HTML page in its output.
#[test]
fn every_help_uri_is_a_page_of_the_published_book() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let book_toml = std::fs::read_to_string(root.join("book/book.toml")).expect("book.toml");
    let summary = std::fs::read_to_string(root.join("book/src/SUMMARY.md")).expect("SUMMARY.md");
    let base = sfsec::diagnostics::rules::DOCS_BASE_URL;
    // https://<owner>.github.io/<repo>/rules/: GitHub Pages of the repository the book names.
    let rest = base.strip_prefix("https://").expect("https");
    let (host, path) = rest.split_once('/').expect("a path");
    let owner = host.strip_suffix(".github.io").expect("GitHub Pages");
    let repo = path.strip_suffix("/rules/").expect("rules/ under the site");
    assert!(
        book_toml.contains(&format!("git-repository-url = \"https://github.com/{owner}/{repo}\"")),
        "{book_toml}"
    );
    assert!(book_toml.contains(&format!("site-url = \"/{repo}/\"")), "{book_toml}");
    let workflow = std::fs::read_to_string(root.join(".github/workflows/book.yml")).expect("the Pages workflow");
    for step in [
        "mdbook build book",
        "actions/upload-pages-artifact",
        "actions/deploy-pages",
    ] {
        assert!(workflow.contains(step), "the Pages workflow lacks `{step}`");
    }
    for d in sfsec::diagnostics::rules::all() {
        let uri = d.help_uri();
        let page = uri
            .strip_prefix(base)
            .and_then(|p| p.strip_suffix(".html"))
            .expect("under the base");
        assert_eq!(page, d.id);
        assert!(
            root.join(format!("book/src/rules/{page}.md")).is_file(),
            "{uri}: no page"
        );
        // mdBook renders only the chapters SUMMARY.md lists, at their path with `.html`.
        assert!(
            summary.contains(&format!("(rules/{page}.md)")),
            "{uri}: not in SUMMARY.md"
        );
    }
}

/// The defaults the configuration chapter states are the code's: each rule option's, and
/// `pmd-suppressions`'s.
#[test]
fn documented_defaults_are_the_codes() {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("book/src/configuration.md"))
        .expect("configuration.md");
    let start = text.find("```toml\n").expect("a toml example") + "```toml\n".len();
    let example = &text[start..start + text[start..].find("```").expect("closing fence")];
    // Each `[rules.<id>]` table of the example, with its comments.
    let tables: Vec<(&str, &str)> = example
        .split("\n[")
        .filter_map(|t| t.strip_prefix("rules."))
        .filter_map(|t| t.split_once("]\n"))
        .collect();
    let mut checked = 0;
    for o in sfsec::rule_options() {
        let sfsec::diagnostics::rules::OptionKind::Int { default, .. } = o.kind else {
            continue;
        };
        let (_, table) = tables
            .iter()
            .find(|(id, _)| *id == o.rule)
            .unwrap_or_else(|| panic!("`[rules.{}]` is not in the example", o.rule));
        let comments: String = table.lines().filter(|l| l.starts_with('#')).collect();
        // One default in the comments ("(default 90)"), or the table's list of them in the order
        // the lint declares its options ("(defaults: Salesforce's own, 8, 10, 90, 3").
        let own: Vec<_> = sfsec::rule_options().into_iter().filter(|p| p.rule == o.rule).collect();
        let stated = if let Some(list) = comments.split("(defaults:").nth(1) {
            let values: Vec<&str> = list
                .split([',', ';', ')'])
                .map(str::trim)
                .filter(|v| v.parse::<i64>().is_ok())
                .collect();
            let at = own.iter().position(|p| p.name == o.name).expect("its own option");
            values.get(at).map(|v| v.to_string())
        } else {
            comments
                .split("(default ")
                .nth(1)
                .and_then(|r| r.split(')').next())
                .map(str::to_string)
        };
        assert_eq!(
            stated.as_deref(),
            Some(default.to_string().as_str()),
            "`{}` of `{}`",
            o.name,
            o.rule
        );
        checked += 1;
    }
    assert!(checked >= 6, "{checked}");
    let empty = sfsec::workspace::config::Config::parse(Path::new("sfsec.toml"), "", &sfsec::rule_options())
        .expect("an empty config");
    assert!(empty.pmd_suppressions);
    let line = example
        .lines()
        .position(|l| l.starts_with("pmd-suppressions"))
        .expect("pmd-suppressions");
    assert!(
        example
            .lines()
            .nth(line - 1)
            .is_some_and(|c| c.contains("(default true)"))
    );
}
