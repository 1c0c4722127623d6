//! The lint registry. One lint, one file, `src/lints/<family>/<rule_id>.rs`, documented by
//! `lints/<rule-id>.md`: the file declares its lint with [`declare_lint!`] (id and options,
//! written once) and implements the hooks of [`Lint`] it needs; the build lists it in [`LINTS`]
//! (see `build.rs`), and the engine dispatches to it.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use tree_sitter::Node;

use crate::dataflow::{Analysis, Flow, Spec};
use crate::diagnostics::finding::{FileId, Finding};
use crate::diagnostics::rules::RuleOption;
use crate::semantic::oauth::OauthIndex;
use crate::syntax::js_lex::Token;
use crate::syntax::xml::XmlDoc;
use crate::workspace::config::Options;
use crate::workspace::kind::MetaType;
use crate::workspace::project::{Project, SourceFile};

/// Declares the lint of a rule file: a unit struct, the rule's `ID` and its `LINT` for the
/// registry, with the options it reads from `[rules.<id>]` (each a [`RuleOption`] const in the
/// same file). The id must match the file and its doc (tests check both).
///
/// ```ignore
/// declare_lint!(DeviceFlow = "oauth-device-flow");
/// declare_lint!(JwtCertificate = "oauth-jwt-certificate", options: [EXPIRY_WINDOW_DAYS]);
/// ```
macro_rules! declare_lint {
    ($name:ident = $id:literal $(, options: [$($option:ident),* $(,)?])?) => {
        pub(crate) struct $name;

        /// This rule's id, as its doc `lints/<id>.md` is named.
        pub(crate) const ID: &str = $id;

        /// What the registry lists.
        pub(crate) const LINT: &dyn $crate::lints::Lint = &$name;

        impl $crate::lints::Declaration for $name {
            fn id(&self) -> &'static str {
                ID
            }
            fn options(&self) -> &'static [&'static $crate::diagnostics::rules::RuleOption] {
                &[$($(&$option),*)?]
            }
        }
    };
}

pub(crate) mod access;
pub(crate) mod flow;
pub(crate) mod injection;
pub(crate) mod oauth;
pub(crate) mod org;
pub(crate) mod secrets;
pub(crate) mod session;
pub(crate) mod transport;
pub(crate) mod web;

/// What every hook sees: the project, the indexes built once for it, options and the clock.
pub(crate) struct Ctx<'p> {
    pub project: &'p Project,
    pub oauth: &'p OauthIndex<'p>,
    /// The data-flow results of every spec an enabled lint declared, computed once per scan.
    pub flows: &'p [(&'static Spec, Analysis)],
    /// Results that several lints derive the same way (computed by whichever asks first).
    pub memo: &'p Memo,
    pub options: &'p Options,
    /// Today, injected so that tests do not depend on the date; lints ask it questions so that
    /// a cached result knows how long it holds.
    pub clock: &'p crate::workspace::clock::Clock,
}

/// What [`declare_lint!`] writes: the rule's id and options.
pub(crate) trait Declaration {
    fn id(&self) -> &'static str;
    /// The options the rule reads from `[rules.<id>]`, with their defaults.
    fn options(&self) -> &'static [&'static RuleOption];
}

/// A lint implements only the hooks it needs.
pub(crate) trait Lint: Declaration + Sync + Send {
    /// Metadata types whose files [`Lint::check_xml`] receives.
    fn xml_types(&self) -> &'static [MetaType] {
        &[]
    }
    fn check_xml(&self, _file: FileId, _src: &SourceFile, _doc: &XmlDoc, _cx: &Ctx<'_>, _out: &mut Vec<Finding>) {}

    /// Apex node kinds (grammar names) whose nodes [`Lint::check_apex`] receives. While every
    /// lint asks only for `string_literal`, the engine finds those by a lexical scan instead of
    /// walking every node; asking for any other kind brings back the full walk for all files
    /// (about a quarter of a scan's time after parsing), so prefer a project check that looks
    /// only where a text search points. The check sees its own file only: it runs while Apex
    /// is being parsed, each tree freed after it (see [`crate::syntax::flat`]).
    fn apex_kinds(&self) -> &'static [&'static str] {
        &[]
    }
    fn check_apex(&self, _node: Node<'_>, _file: FileId, _src: &SourceFile, _out: &mut Vec<Finding>) {}

    /// For a lint that asks for `string_literal`: false when [`Lint::check_apex`] reports
    /// nothing on a literal with this content (without its quotes), whatever its place. The
    /// lexical scan then skips the literal unless another lint wants it: most literals matter
    /// to no lint, and finding a literal's node cost more than the checks.
    fn literal_may_matter(&self, _content: &str) -> bool {
        true
    }

    /// A JavaScript file's tree (Aura, LWC, static resources), in the per-file pass: the
    /// check sees its own file only, and the tree is freed after it unless the data flow through
    /// scripts needs it.
    fn check_js(&self, _file: FileId, _src: &SourceFile, _root: Node<'_>, _out: &mut Vec<Finding>) {}

    /// A library script's tokens (see [`crate::syntax::js_lex`]), in the per-file pass: such a
    /// script is lexed once, for every lint and its suppressions, and never parsed.
    fn check_js_tokens(&self, _file: FileId, _src: &SourceFile, _tokens: &[Token], _out: &mut Vec<Finding>) {}

    /// Once per scan, for lints that look across files.
    fn check_project(&self, _cx: &Ctx<'_>, _out: &mut Vec<Finding>) {}

    /// Data-flow specs whose results [`Ctx::flows_of`] should hold.
    fn specs(&self) -> &'static [&'static Spec] {
        &[]
    }
}

/// Per-scan results shared between lints, by key; each is computed once even when lints ask
/// from several threads at the same time.
#[derive(Default)]
pub(crate) struct Memo {
    slots: Mutex<HashMap<&'static str, Arc<OnceLock<Shared>>>>,
}

type Shared = Arc<dyn Any + Send + Sync>;

impl Memo {
    /// The value under `key`, computing it with `f` the first time. `f` must not use rayon:
    /// other lints may be blocked on it meanwhile. `None` only if `key` was used with another
    /// type, which is a bug in the caller.
    pub(crate) fn get<T: Any + Send + Sync>(&self, key: &'static str, f: impl FnOnce() -> T) -> Option<Arc<T>> {
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
            slots.entry(key).or_default().clone()
        };
        let value: &Shared = slot.get_or_init(|| Arc::new(f()));
        value.clone().downcast::<T>().ok()
    }
}

impl Ctx<'_> {
    /// The flows found for `spec`; empty unless a lint declared it in [`Lint::specs`].
    pub(crate) fn flows_of(&self, spec: &'static Spec) -> &[Flow] {
        self.analysis_of(spec).map_or(&[], |a| a.flows.as_slice())
    }

    /// The flows through the project's scripts of `spec`'s sources; empty unless a lint
    /// declared `spec` and it says what its sources are in script ([`Spec::script`]).
    pub(crate) fn script_flows_of(&self, spec: &'static Spec) -> &[crate::dataflow::js::ScriptFlow] {
        match (self.analysis_of(spec), spec.script) {
            (Some(analysis), Some(script)) => analysis.script_flows(self.project, script),
            _ => &[],
        }
    }

    pub(crate) fn analysis_of(&self, spec: &'static Spec) -> Option<&Analysis> {
        self.flows.iter().find(|(s, _)| std::ptr::eq(*s, spec)).map(|(_, a)| a)
    }
}

include!(concat!(env!("OUT_DIR"), "/lints/registry.rs"));

/// Every option of every rule, for validating `sfsec.toml`.
pub(crate) fn options() -> Vec<&'static RuleOption> {
    LINTS.iter().flat_map(|l| l.options().iter().copied()).collect()
}

#[cfg(test)]
pub(crate) mod test_support;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::rules;

    #[test]
    fn registry_matches_docs_both_ways() {
        for w in LINTS.windows(2) {
            assert!(w[0].id() < w[1].id(), "LINTS must be sorted and unique: {}", w[1].id());
        }
        let ids: Vec<&str> = LINTS.iter().map(|l| l.id()).collect();
        let docs: Vec<&str> = rules::all()
            .iter()
            .filter(|d| d.family != "general")
            .map(|d| d.id)
            .collect();
        assert_eq!(ids, docs, "every lint has a doc in lints/ and every doc a lint");
        assert_eq!(rules::all().len() - docs.len(), 9, "the engine's own rules");
    }

    /// Each option belongs to the lint that declares it, has a kebab-case name unique among the
    /// rule's keys, and a default inside its own range.
    #[test]
    fn declared_options_are_consistent() {
        use crate::diagnostics::rules::OptionKind;
        let mut declared = 0;
        for lint in LINTS {
            let mut names = vec!["level"];
            for option in lint.options() {
                declared += 1;
                assert_eq!(option.rule, lint.id(), "{}", option.name);
                assert!(
                    option.name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                    "{}",
                    option.name
                );
                assert!(!names.contains(&option.name), "{}: {} twice", lint.id(), option.name);
                names.push(option.name);
                assert!(!option.doc.is_empty(), "{}: {} needs a doc", lint.id(), option.name);
                if let OptionKind::Int { default, min, max } = option.kind {
                    assert!(min <= default && default <= max, "{}: {}", lint.id(), option.name);
                }
            }
        }
        assert_eq!(declared, options().len());
        assert_eq!(declared, 7);
    }

    /// `sfsec.toml` is checked against the rules' own declarations, and a lint reads back what
    /// the file set (or the declared default).
    #[test]
    fn configuration_reads_the_declared_options() {
        use crate::workspace::config::Config;
        let parse = |text: &str| Config::parse(std::path::Path::new("sfsec.toml"), text, &options());
        let config = parse(
            "[rules.weak-session-settings]\nmax-timeout-minutes = 60\n\
             [rules.oauth-insecure-callback]\nallowed-hosts = [\"Intranet.Example.com\"]\n",
        )
        .expect("valid");
        let find = |name: &str| options().into_iter().find(|o| o.name == name).expect(name);
        assert_eq!(config.options.int(find("max-timeout-minutes")), 60);
        assert_eq!(config.options.int(find("min-length")), 8, "the declared default");
        assert_eq!(config.options.hosts(find("allowed-hosts")), ["intranet.example.com"]);
        let err = parse("[rules.weak-session-settings]\nmin-history = 2\n").expect_err("wrong rule");
        assert!(
            err.message
                .contains("belongs to `weak-password-policy`, not `weak-session-settings`"),
            "{err}"
        );
        let err = parse("[rules.weak-session-settings]\nmax-timeout-minutes = 5\n").expect_err("range");
        assert!(err.message.contains("from 15 to 1440"), "{err}");
    }

    #[test]
    fn lint_files_are_named_after_their_ids() {
        let root = env!("CARGO_MANIFEST_DIR");
        for lint in LINTS {
            let doc = rules::get(lint.id()).expect("doc");
            let family = doc.family;
            let file = lint.id().replace('-', "_");
            let path = format!("{root}/src/lints/{family}/{file}.rs");
            assert!(
                std::path::Path::new(&path).is_file(),
                "{} should live in {path}",
                lint.id()
            );
        }
    }

    #[test]
    fn memo_computes_once_per_key_across_threads() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let memo = Memo::default();
        let calls = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    let v = memo.get("k", || {
                        calls.fetch_add(1, Ordering::SeqCst);
                        vec![1, 2, 3]
                    });
                    assert_eq!(v.as_deref(), Some(&vec![1, 2, 3]));
                });
            }
        });
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // The same key asked for as another type is a caller bug, reported as `None`.
        assert!(memo.get("k", || 0u8).is_none());
    }

    /// A scan keeps no document for a companion `-meta.xml` without comments
    /// ([`crate::workspace::project::Parsed::WellFormed`]): no lint may read one, per file or across files.
    #[test]
    fn no_lint_reads_companion_metadata() {
        let companion = crate::workspace::kind::classify(std::path::Path::new("classes/A.cls-meta.xml"));
        for lint in LINTS {
            let mut read = lint
                .xml_types()
                .iter()
                .map(|&t| crate::workspace::kind::FileKind::Metadata(t));
            assert!(!read.any(|k| k == companion), "{}", lint.id());
        }
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut read = 0;
        for entry in walkdir::WalkDir::new(&src).into_iter().flatten() {
            let path = entry.path();
            let inside = |dir: &str| path.starts_with(src.join(dir));
            if path.extension().is_some_and(|e| e == "rs")
                && !inside("workspace/kind.rs")
                && !inside("workspace/project.rs")
            {
                let text = std::fs::read_to_string(path).expect("read");
                assert!(!text.contains(&format!("MetaType::{}", "Other")), "{}", path.display());
                read += 1;
            }
        }
        assert!(read > 50, "{read}");
    }

    #[test]
    fn declared_apex_kinds_exist_in_the_grammar() {
        for lint in LINTS {
            for kind in lint.apex_kinds() {
                assert!(
                    crate::syntax::apex::kind_id(kind).is_some(),
                    "{}: unknown node kind `{kind}`",
                    lint.id()
                );
            }
        }
    }

    /// A literal a lint says does not matter is one it reports nothing on, wherever it stands:
    /// the scan skips those without looking them up.
    #[test]
    fn literals_that_do_not_matter_get_no_finding() {
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        let generated = tempfile::tempdir().expect("tmp");
        crate::generate::project(generated.path(), 150, 7).expect("generate");
        let mut texts: Vec<String> = vec![
            "public class A { void m(HttpRequest r, Pkg p) { r.setBody('grant_type=password&username=u&password=Winter2026!x');\n\
             p.password = 'fred1234'; String k = 'AKIAIOSFODNN7EXAMPLE'; r.setHeader('Authorization', 'Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0');\n\
             r.setBody('grant_type=client_credentials'); r.setEndpoint('/services/oauth2/token?response_type=token&grant_type=device'); } }"
                .to_string(),
        ];
        for dir in [corpus.as_path(), generated.path()] {
            for entry in walkdir::WalkDir::new(dir).sort_by_file_name().into_iter().flatten() {
                if entry.path().extension().is_some_and(|e| e == "cls" || e == "trigger") {
                    texts.push(std::fs::read_to_string(entry.path()).expect("read"));
                }
            }
        }
        let literal_lints: Vec<&dyn Lint> = LINTS
            .iter()
            .copied()
            .filter(|l| l.apex_kinds().contains(&"string_literal"))
            .collect();
        assert!(literal_lints.len() >= 2);
        let (mut skipped, mut kept) = (0, 0);
        for text in &texts {
            let project =
                crate::workspace::project::in_memory_unparsed(&[("force-app/main/default/classes/A.cls", text)])
                    .project;
            let file = &project.files[0];
            let tree = crate::syntax::apex::parse(&crate::syntax::apex::neutralize_tokens(text)).expect("tree");
            crate::syntax::tree::preorder(tree.root_node(), |node| {
                if node.kind() != "string_literal" {
                    return true;
                }
                let Some((content, _)) = crate::syntax::apex::string_content(node, text) else {
                    return true;
                };
                for lint in &literal_lints {
                    if lint.literal_may_matter(content) {
                        kept += 1;
                        continue;
                    }
                    skipped += 1;
                    let mut out = Vec::new();
                    lint.check_apex(node, 0, file, &mut out);
                    assert!(out.is_empty(), "{}: {content:?} matters: {out:?}", lint.id());
                }
                true
            });
        }
        assert!(skipped > 1000 && kept > 20, "skipped {skipped}, kept {kept}");
    }
}
