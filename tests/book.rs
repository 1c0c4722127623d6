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
