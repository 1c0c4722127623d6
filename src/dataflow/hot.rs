//! Which method bodies a scan keeps whole when it keeps an Apex file's declarations only (see
//! [`crate::syntax::flat::FlatTree::declarations_keeping`]): those the data flow is likely to analyze,
//! guessed from the text before anything is parsed. Parsing a body again costs about six times
//! what copying it during the first parse does, and the analysis reads most of the bodies it
//! starts from and their direct callers.
//!
//! Test code is left out: the analysis skips it. The controllers of Visualforce pages with a
//! hint, and the classes they call as `Class.method(...)`, are kept whole: the analysis starts
//! at each of the controllers' methods and goes to those calls next.
//!
//! Only speed and memory depend on the guess: a body not kept is parsed again when the
//! analysis reaches it, and a body kept in vain costs its copy.

use std::sync::LazyLock;

use rayon::prelude::*;
use regex::Regex;

use crate::syntax::apex::words_matcher as matcher;
use crate::workspace::kind::FileKind;
use crate::workspace::project::{Project, SourceFile};

/// Text that marks a hot body: the specs' source hints (where analysis starts) and
/// `name(` for every method or constructor declared in an Apex file that contains a hint
/// (their callers are analyzed next when such a method returns a source).
pub(crate) struct HotBodies {
    /// [`TEST_MARKERS`] first, then the annotation hints, then the hot words: one pass over a
    /// file finds all.
    words: Option<aho_corasick::AhoCorasick>,
    /// How many annotation hints follow the test markers.
    annotations: usize,
    /// Classes whose files are kept whole, lower-cased and ascending: the controllers and
    /// extensions of Visualforce pages with a hint (the analysis starts at every method of
    /// theirs) and the classes they call as `Class.method(`, which it analyzes next.
    whole_classes: Vec<String>,
}

/// Text that makes a file test code, which the analysis skips.
const TEST_MARKERS: [&str; 2] = ["@istest", "testmethod"];

/// A declaration's name: an identifier, its parameter list, then its body's `{`. Calls are
/// followed by `;`, `.` or an operator, not `{`.
static DECLARED: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?i)\b([a-z_][a-z0-9_]*)\s*\([^(){};]*\)\s*\{").ok());

/// Statements that look like a declaration to [`DECLARED`].
const NOT_NAMES: &[&str] = &["if", "for", "while", "catch", "switch", "when", "on"];

impl HotBodies {
    /// `hints`: lower-case source hints of the specs that run; none keeps no body. A hint
    /// written as an annotation (`@auraenabled`: the method's parameters are the source) marks
    /// the body of the method it annotates, not the callers of its file's methods.
    pub(crate) fn find(project: &Project, hints: &[&str]) -> Self {
        let (annotations, hints): (Vec<&str>, Vec<&str>) = hints.iter().copied().partition(|h| h.starts_with('@'));
        let none = |annotations: Vec<&str>| HotBodies {
            words: matcher(TEST_MARKERS.iter().chain(&annotations)).filter(|_| !annotations.is_empty()),
            annotations: annotations.len(),
            whole_classes: Vec::new(),
        };
        let (false, Some(hinted), Some(tests)) = (hints.is_empty(), matcher(&hints), matcher(TEST_MARKERS)) else {
            return none(annotations);
        };
        let mut controllers: Vec<String> = project
            .files
            .par_iter()
            .filter(|f| f.kind == FileKind::Visualforce && hinted.is_match(&f.text))
            .flat_map_iter(|f| crate::syntax::vf::controllers(&f.text))
            .map(|c| c.to_ascii_lowercase())
            .collect();
        controllers.sort_unstable();
        controllers.dedup();
        // The classes whose methods the controllers call as `Class.method(...)` are analyzed
        // right after them.
        let callees: Vec<String> = project
            .files
            .par_iter()
            .filter(|f| f.kind == FileKind::Apex && is_listed(&controllers, f))
            .flat_map_iter(|f| static_call_classes(&f.text))
            .collect();
        controllers.extend(callees);
        controllers.sort_unstable();
        controllers.dedup();
        let mut names: Vec<String> = project
            .files
            .par_iter()
            .filter(|f| f.kind == FileKind::Apex && hinted.is_match(&f.text) && !tests.is_match(&f.text))
            .flat_map_iter(|f| declared_names(&f.text))
            .collect();
        names.sort_unstable();
        names.dedup();
        let words = TEST_MARKERS
            .iter()
            .chain(&annotations)
            .chain(&hints)
            .map(|w| w.to_string())
            .chain(names.into_iter().map(|n| n + "("));
        HotBodies {
            words: matcher(words),
            annotations: annotations.len(),
            whole_classes: controllers,
        }
    }

    /// Whether every body of `file` is hot: it holds a class named like a hinted page's
    /// controller or a class such a controller calls (a class's file is named after it).
    pub(crate) fn keeps_whole(&self, file: &SourceFile) -> bool {
        file.kind == FileKind::Apex && is_listed(&self.whole_classes, file)
    }

    /// Offsets in `text` where a hot word starts, ascending. None in test code.
    pub(crate) fn marks(&self, text: &str) -> Vec<u32> {
        let Some(words) = &self.words else { return Vec::new() };
        let mut marks = Vec::new();
        for m in words.find_iter(text) {
            let p = m.pattern().as_usize();
            if p < TEST_MARKERS.len() {
                return Vec::new();
            }
            if p < TEST_MARKERS.len() + self.annotations {
                // The annotated method's body starts at the first brace after its signature.
                if let Some(brace) = text[m.end()..].find('{') {
                    marks.push((m.end() + brace + 1) as u32);
                }
                continue;
            }
            marks.push(m.start() as u32);
        }
        marks.sort_unstable();
        marks
    }
}

/// Whether `file` is named like one of `names` (lower-case, ascending).
fn is_listed(names: &[String], file: &SourceFile) -> bool {
    !names.is_empty() && names.binary_search(&file.component_name().to_ascii_lowercase()).is_ok()
}

/// Lower-cased `Class` of each `Class.method(` in `text`.
fn static_call_classes(text: &str) -> Vec<String> {
    let Some(call) = super::STATIC_CALL.as_ref() else {
        return Vec::new();
    };
    call.captures_iter(text.as_bytes())
        .filter_map(|c| c.get(1))
        .filter_map(|m| std::str::from_utf8(m.as_bytes()).ok())
        .map(str::to_ascii_lowercase)
        .collect()
}

fn declared_names(text: &str) -> Vec<String> {
    let Some(re) = DECLARED.as_ref() else { return Vec::new() };
    re.captures_iter(text)
        .filter_map(|c| c.get(1))
        .map(|m| m.as_str().to_ascii_lowercase())
        .filter(|n| !NOT_NAMES.contains(&n.as_str()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_names_skip_calls_and_statements() {
        let text = "public class Org {\n public static String session() { return UserInfo.getSessionId(); }\n \
                    Org(Integer a, String b) {\n if (a > 0) { for (Integer i = 0; i < a; i++) {} }\n } \
                    void run() { helper(); while (true) {} }\n}";
        assert_eq!(declared_names(text), ["session", "org", "run"]);
    }

    /// A project of Apex classes, `(name, source)`.
    fn classes(sources: &[(&str, &str)]) -> Project {
        let files: Vec<(String, &str)> = sources
            .iter()
            .map(|(name, text)| (format!("force-app/main/default/classes/{name}.cls"), *text))
            .collect();
        let refs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), *t)).collect();
        crate::testing::in_memory(&refs)
    }

    /// The text from each mark on.
    fn marked<'t>(hot: &HotBodies, text: &'t str) -> Vec<&'t str> {
        hot.marks(text).iter().map(|&m| &text[m as usize..]).collect()
    }

    #[test]
    fn an_annotation_hint_marks_the_body_it_annotates() {
        let project = classes(&[(
            "Ctl",
            "public class Ctl {\n  @AuraEnabled(cacheable=true)\n  public static String find(String q) { return q; }\n  void other() {}\n}",
        )]);
        for hints in [&["@auraenabled"][..], &["@auraenabled", "getsessionid"]] {
            let hot = HotBodies::find(&project, hints);
            let at: Vec<&str> = marked(&hot, &project.files[0].text).iter().map(|m| &m[..10]).collect();
            assert_eq!(at, [" return q;"], "{hints:?}");
        }
    }

    #[test]
    fn marks_callers_of_methods_declared_next_to_a_hint() {
        let project = classes(&[
            (
                "Org",
                "public class Org { public static String session() { return UserInfo.getSessionId(); } }",
            ),
            (
                "Svc",
                "public class Svc { void a() { String s = Org.SESSION(); } void b() { sessions(); } }",
            ),
        ]);
        let hot = HotBodies::find(&project, &["getsessionid"]);
        let svc = &project.files[1].text;
        let at: Vec<&str> = marked(&hot, svc).iter().map(|m| &m[..8]).collect();
        assert_eq!(at, ["SESSION("]);
        let at: Vec<&str> = marked(&hot, &project.files[0].text).iter().map(|m| &m[..8]).collect();
        assert_eq!(at, ["session(", "getSessi"]);
        assert!(HotBodies::find(&project, &[]).marks(svc).is_empty());
    }

    #[test]
    fn test_code_is_left_out() {
        let project = classes(&[
            (
                "OrgTest",
                "@isTest class OrgTest { static void counts() { UserInfo.getSessionId(); } }",
            ),
            (
                "Svc",
                "public class Svc { void a() { counts(); UserInfo.getSessionId(); } }",
            ),
        ]);
        let hot = HotBodies::find(&project, &["getsessionid"]);
        assert!(hot.marks(&project.files[0].text).is_empty());
        // `counts` is declared in test code only: its callers are not marked.
        let marked = marked(&hot, &project.files[1].text);
        assert!(marked.iter().all(|m| !m.starts_with("counts")), "{marked:?}");
        assert!(marked.iter().any(|m| m.starts_with("getSessionId")), "{marked:?}");
    }

    #[test]
    fn controllers_of_hinted_pages_and_the_classes_they_call_are_kept_whole() {
        let page = |name: &str, controller: &str, body: &str| {
            (
                format!("force-app/main/default/pages/{name}.page"),
                format!("<apex:page controller=\"{controller}\">{body}</apex:page>"),
            )
        };
        let class = |name: &str, body: &str| (format!("force-app/main/default/classes/{name}.cls"), body.to_string());
        let files = [
            page("P", "Ctl", "<script>var s = '{!$Api.Session_ID}';</script>"),
            page("Q", "Quiet", "<p>{!name}</p>"),
            class(
                "Ctl",
                "public class Ctl { public String url { get { return Sel.query(1) + System.now(); } } }",
            ),
            class(
                "Sel",
                "public class Sel { public static String query(Integer i) { return 'x'; } }",
            ),
            class(
                "Quiet",
                "public class Quiet { public String name { get { return Other.name(); } } }",
            ),
            class(
                "Other",
                "public class Other { public static String name() { return 'n'; } }",
            ),
        ];
        let refs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
        let project = crate::testing::in_memory(&refs);
        let hot = HotBodies::find(&project, &["$api.session_id"]);
        let whole: Vec<&str> = project
            .files
            .iter()
            .filter(|f| hot.keeps_whole(f))
            .map(|f| f.component_name())
            .collect();
        assert_eq!(whole, ["Ctl", "Sel"]);
        assert!(!HotBodies::find(&project, &[]).keeps_whole(&project.files[2]));
    }
}
