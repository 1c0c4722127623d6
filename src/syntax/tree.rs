//! The tree-sitter grammars sfsec parses (Apex, JavaScript) and the helpers they share: one
//! parser per thread and language, pre-order walks without recursion, and argument lists. The
//! grammars live here, below `apex` and `js`, so that field lookups can tell them apart without
//! this module importing the languages built on it.

use std::cell::RefCell;
use std::sync::LazyLock;

use tree_sitter::{Language, Node, Parser, Tree};

/// The Apex grammar (`tree-sitter-sfapex`).
pub(crate) static APEX: LazyLock<Language> = LazyLock::new(|| tree_sitter_sfapex::apex::LANGUAGE.into());
/// The JavaScript grammar (`tree-sitter-javascript`).
pub(crate) static JAVASCRIPT: LazyLock<Language> = LazyLock::new(|| tree_sitter_javascript::LANGUAGE.into());

/// The field names sfsec looks up. Looking a field up by name makes tree-sitter search the
/// grammar's field table by string on every call (a tenth of a scan's time in profiles); these
/// are resolved to ids once per grammar.
pub(crate) const FIELDS: [&str; 24] = [
    "object",
    "name",
    "value",
    "left",
    "type",
    "right",
    "property",
    "arguments",
    "field",
    "body",
    "parameters",
    "operator",
    "key",
    "function",
    "consequence",
    "alternative",
    "parameter",
    "array",
    "target",
    "source",
    "index",
    "constructor",
    "condition",
    "accessor",
];

#[inline]
fn field_slot(name: &str) -> Option<usize> {
    match name {
        "object" => Some(0),
        "name" => Some(1),
        "value" => Some(2),
        "left" => Some(3),
        "type" => Some(4),
        "right" => Some(5),
        "property" => Some(6),
        "arguments" => Some(7),
        "field" => Some(8),
        "body" => Some(9),
        "parameters" => Some(10),
        "operator" => Some(11),
        "key" => Some(12),
        "function" => Some(13),
        "consequence" => Some(14),
        "alternative" => Some(15),
        "parameter" => Some(16),
        "array" => Some(17),
        "target" => Some(18),
        "source" => Some(19),
        "index" => Some(20),
        "constructor" => Some(21),
        "condition" => Some(22),
        "accessor" => Some(23),
        _ => None,
    }
}

/// Field ids of one grammar, by [`FIELDS`] slot; 0 where the grammar has no such field.
pub(crate) struct FieldIds([u16; FIELDS.len()]);

impl FieldIds {
    pub(crate) fn new(language: &Language) -> Self {
        FieldIds(FIELDS.map(|n| language.field_id_for_name(n).map_or(0, |id| id.get())))
    }
}

static APEX_FIELDS: LazyLock<FieldIds> = LazyLock::new(|| FieldIds::new(&APEX));
static JS_FIELDS: LazyLock<FieldIds> = LazyLock::new(|| FieldIds::new(&JAVASCRIPT));

/// The Apex grammar's id for field `name`.
#[inline]
pub(crate) fn apex_field_id(name: &str) -> Option<u16> {
    match field_slot(name) {
        Some(slot) => Some(APEX_FIELDS.0[slot]).filter(|&id| id != 0),
        None => APEX.field_id_for_name(name).map(|id| id.get()),
    }
}

pub(crate) trait NodeExt<'t> {
    /// `child_by_field_name`, without the string search for the common names.
    fn field(&self, name: &str) -> Option<Node<'t>>;
}

impl<'t> NodeExt<'t> for Node<'t> {
    #[inline]
    fn field(&self, name: &str) -> Option<Node<'t>> {
        let Some(slot) = field_slot(name) else {
            return self.child_by_field_name(name);
        };
        let language = self.language();
        let ids = if *language == *APEX {
            &*APEX_FIELDS
        } else if *language == *JAVASCRIPT {
            &*JS_FIELDS
        } else {
            return self.child_by_field_name(name);
        };
        match ids.0[slot] {
            0 => None,
            id => self.child_by_field_id(id),
        }
    }
}

/// Parses with this thread's parser for `language`, creating it on first use; `None` when the
/// parser gave up or ran past [`PARSE_BUDGET`] (see [`parse_checked`]).
pub(crate) fn parse_with(
    slot: &'static std::thread::LocalKey<RefCell<Option<Parser>>>,
    language: &Language,
    text: &str,
) -> Option<Tree> {
    parse_checked(slot, language, text).ok()
}

/// The deepest syntax tree analysed. The analyses that recurse do so once per level or less,
/// so this bounds their stack: a repository's 3,000 nested classes, `if`s or parentheses
/// overflowed it. Real code stays under 200.
pub(crate) const MAX_DEPTH: usize = 2_000;

/// The longest a file's parse may take. tree-sitter is linear on ordinary code but some
/// inputs of a few kilobytes take it seconds; a scan must end whatever the repository holds.
pub(crate) const PARSE_BUDGET: std::time::Duration = std::time::Duration::from_secs(5);

/// Why a file has no tree to analyse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParseFailure {
    /// The parser returned nothing.
    GaveUp,
    /// The parse ran past [`PARSE_BUDGET`] and was stopped.
    TooSlow,
}

/// The `analysis-limit` message for a file nesting past [`MAX_DEPTH`].
pub(crate) fn too_deep_message(language: &str) -> String {
    format!("this {language} nests deeper than {MAX_DEPTH} levels; the file is not analysed")
}

/// The `analysis-limit` message for a parse stopped at [`PARSE_BUDGET`].
pub(crate) fn too_slow_message(language: &str) -> String {
    format!(
        "parsing this {language} took over {} seconds and was stopped; the file is not analysed",
        PARSE_BUDGET.as_secs()
    )
}

/// [`parse_with`], saying why there is no tree.
pub(crate) fn parse_checked(
    slot: &'static std::thread::LocalKey<RefCell<Option<Parser>>>,
    language: &Language,
    text: &str,
) -> Result<Tree, ParseFailure> {
    parse_within(slot, language, text, PARSE_BUDGET)
}

/// [`parse_checked`] with another time budget, for tests.
pub(crate) fn parse_within(
    slot: &'static std::thread::LocalKey<RefCell<Option<Parser>>>,
    language: &Language,
    text: &str,
    budget: std::time::Duration,
) -> Result<Tree, ParseFailure> {
    slot.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            let mut parser = Parser::new();
            parser.set_language(language).map_err(|_| ParseFailure::GaveUp)?;
            *slot = Some(parser);
        }
        let parser = slot.as_mut().ok_or(ParseFailure::GaveUp)?;
        let start = std::time::Instant::now();
        let mut calls = 0u32;
        let mut slow = false;
        // tree-sitter calls this every hundred or so steps; the clock is read every 256th call
        // so that the budget costs nothing measurable (bench/NOTES.md#parse-budget).
        let mut progress = |_: &tree_sitter::ParseState| {
            calls = calls.wrapping_add(1);
            if calls.is_multiple_of(256) && start.elapsed() > budget {
                slow = true;
                return std::ops::ControlFlow::Break(());
            }
            std::ops::ControlFlow::Continue(())
        };
        let bytes = text.as_bytes();
        let tree = parser.parse_with_options(
            &mut |i, _| bytes.get(i..).unwrap_or_default(),
            None,
            Some(tree_sitter::ParseOptions::new().progress_callback(&mut progress)),
        );
        tree.ok_or_else(|| {
            // A stopped parse resumes on the next call unless reset.
            parser.reset();
            if slow {
                ParseFailure::TooSlow
            } else {
                ParseFailure::GaveUp
            }
        })
    })
}

/// Where `root`'s tree first nests past `max` levels (the start of the first node that does),
/// found without recursion. A walk of the whole tree: for trees not copied (the copy counts
/// depth as it goes, see [`crate::syntax::flat::FlatTree`]).
pub(crate) fn deeper_than(root: Node<'_>, max: usize) -> Option<usize> {
    let mut cursor = root.walk();
    let mut depth = 0usize;
    loop {
        if cursor.goto_first_child() {
            depth += 1;
            if depth > max {
                return Some(cursor.node().start_byte());
            }
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if depth == 0 || !cursor.goto_parent() {
                return None;
            }
            depth -= 1;
        }
    }
}

/// Visits `root` and its descendants in source order, without recursion. `visit` returns
/// whether to descend into the node's children.
pub(crate) fn preorder<'t>(root: Node<'t>, mut visit: impl FnMut(Node<'t>) -> bool) {
    let mut cursor = root.walk();
    loop {
        let descend = visit(cursor.node());
        if descend && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.node() == root {
                return;
            }
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
        }
    }
}

/// Calls `found` with each node of one of `kinds` that starts at one of `offsets` (ascending),
/// in source order. Only the nodes on the way to an offset are visited: the subtrees before,
/// between and after them are skipped whole, so a few targets in a large tree cost little.
/// A found node's own subtree is not searched further. Offsets that start no such node are
/// passed over. Linear in the nodes on the way: from one target to the next the cursor moves
/// right along siblings, and it descends into each node at most once (starting over from a
/// parent's first child for each target made 32,000 comments in one class body quadratic).
pub(crate) fn nodes_at<'t>(root: Node<'t>, offsets: &[usize], kinds: &[u16], mut found: impl FnMut(Node<'t>)) {
    let mut cursor = root.walk();
    let mut depth = 0usize;
    let mut next = 0;
    // Whether the cursor's node has no child left that ends after the current target (so
    // none after a later one): it was reached from its last child, or its children were searched.
    let mut exhausted = false;
    'targets: while let Some(&target) = offsets.get(next) {
        // Right, then up, to the first node on the way that ends after the target.
        while cursor.node().end_byte() <= target {
            if depth == 0 {
                // The tree ends before this target, and before every later one.
                return;
            }
            if cursor.goto_next_sibling() {
                exhausted = false;
            } else {
                cursor.goto_parent();
                depth -= 1;
                exhausted = true;
            }
        }
        // Down the children that hold it, each found by tree-sitter without visiting its
        // earlier siblings one by one.
        loop {
            let node = cursor.node();
            if node.start_byte() > target {
                break;
            }
            if node.start_byte() == target && kinds.contains(&node.kind_id()) {
                found(node);
                while offsets.get(next).is_some_and(|&o| o < node.end_byte()) {
                    next += 1;
                }
                continue 'targets;
            }
            if exhausted || cursor.goto_first_child_for_byte(target).is_none() {
                exhausted = true;
                break;
            }
            depth += 1;
        }
        next += 1;
    }
}

/// The named children of a node's `arguments` field (a call's or constructor's arguments).
pub(crate) fn arguments(node: Node<'_>) -> Vec<Node<'_>> {
    node.field("arguments")
        .map(|a| {
            let mut c = a.walk();
            a.named_children(&mut c).collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preorder_visits_in_source_order_and_can_skip() {
        let tree = crate::syntax::js::parse("f(a, g(b)); h(c);").expect("tree");
        let mut ids = Vec::new();
        preorder(tree.root_node(), |n| {
            if n.kind() == "identifier" {
                ids.push(n.byte_range());
            }
            // Do not look inside `g(...)`.
            !(n.kind() == "call_expression" && n.start_byte() == 5)
        });
        assert_eq!(ids, [0..1, 2..3, 12..13, 14..15]);
        let call = tree
            .root_node()
            .named_child(0)
            .and_then(|s| s.named_child(0))
            .expect("call");
        assert_eq!(arguments(call).len(), 2);
    }

    #[test]
    fn field_lookup_by_id_agrees_with_lookup_by_name() {
        let apex = crate::syntax::apex::parse(
            "public class A { String f = 'x'; void m(Integer i) { if (i > 0) { f = a.b(i)[0]; } else { new B(i).c = i == 1 ? 'y' : 'z'; } for (String s : l) { m.put(k, v); } } String p { get { return f; } } }",
        )
        .expect("apex");
        let js = crate::syntax::js::parse(
            "const o = { k: v }; function f(a) { return a ? o[a] : g(a).p; } class C { m() { x = y; } }",
        )
        .expect("js");
        let mut checked = 0;
        for tree in [&apex, &js] {
            preorder(tree.root_node(), |n| {
                for name in FIELDS {
                    assert_eq!(n.field(name), n.child_by_field_name(name), "{name} of {}", n.kind());
                    checked += usize::from(n.field(name).is_some());
                }
                true
            });
        }
        // Many lookups found something: the ids are real, not all absent.
        assert!(checked > 40, "{checked}");
    }

    /// Against a walk of every node, for every offset and for every third one: the same nodes,
    /// including where offsets fall between a node's last child and its end, and past the end.
    #[test]
    fn nodes_at_agrees_with_a_full_walk() {
        let src = "/* a */ public class A { // b\n String f = 'x'; /* c */ void m(Integer i) { if (i > 0) { f = a.b(i)[0]; } \
                   /* d */ } // e\n  class B { void n() { g('y', 'z'); } // f\n } } // g\n   ";
        let tree = crate::syntax::apex::parse(src).expect("tree");
        let root = tree.root_node();
        let kinds: Vec<u16> = [
            "string_literal",
            "line_comment",
            "block_comment",
            "method_invocation",
            "identifier",
        ]
        .iter()
        .filter_map(|k| crate::syntax::apex::kind_id(k))
        .collect();
        assert_eq!(kinds.len(), 5);
        for step in [1, 3] {
            let offsets: Vec<usize> = (0..src.len() + 3).step_by(step).collect();
            let mut walked = Vec::new();
            preorder(root, |n| {
                let hit = kinds.contains(&n.kind_id()) && offsets.binary_search(&n.start_byte()).is_ok();
                if hit {
                    walked.push(n.byte_range());
                }
                !hit
            });
            let mut got = Vec::new();
            nodes_at(root, &offsets, &kinds, |n| got.push(n.byte_range()));
            assert_eq!(got, walked, "every {step}");
            assert!(walked.len() > 5, "{}", walked.len());
        }
    }

    /// 40,000 comments in one class body are found in linear time: each lookup started over
    /// at the body's first child (32,000 took 1.65 s in a release build, 16,000 0.66 s).
    #[test]
    fn nodes_at_is_linear_in_siblings() {
        let body: String = (0..40_000)
            .map(|i| format!("  // sfsec-ignore hardcoded-secret: {i}\n"))
            .collect();
        let src = format!("public class A {{\n{body}  void m() {{}}\n}}\n");
        let tree = crate::syntax::apex::parse(&src).expect("tree");
        let kinds: Vec<u16> = crate::syntax::apex::kind_id("line_comment").into_iter().collect();
        let offsets: Vec<usize> = src.match_indices("//").map(|(i, _)| i).collect();
        let mut found = 0;
        nodes_at(tree.root_node(), &offsets, &kinds, |_| found += 1);
        assert_eq!(found, 40_000);
    }

    /// Error recovery after one stray character makes tree-sitter-sfapex about 20 times slower
    /// on the rest of the file (370 KB: 1.7 s in a release build, 0.09 s without it): such a
    /// parse is stopped at the budget, and the thread's parser parses the next file afresh.
    #[test]
    fn a_parse_past_its_budget_stops_and_the_parser_recovers() {
        let methods: String = (0..6_400)
            .map(|i| format!("public static String m{i}(String s) {{ return m{}(s); }}\n", i + 1))
            .collect();
        let slow = format!("public class K {{\n void m() {{\n String s = ((((((((((#(s) {{ }}\n{methods}}}\n");
        let budget = std::time::Duration::from_millis(50);
        let lang = &*crate::syntax::apex::LANGUAGE;
        let started = std::time::Instant::now();
        let got = parse_within(&crate::syntax::apex::PARSER, lang, &slow, budget).map(|_| ());
        assert_eq!(got, Err(ParseFailure::TooSlow));
        // Stopped near the budget, not at the end of the parse.
        assert!(
            started.elapsed() < std::time::Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
        let tree = parse_within(&crate::syntax::apex::PARSER, lang, "class A { void m() { } }", budget).expect("tree");
        assert!(!tree.root_node().has_error());
    }

    #[test]
    fn nodes_at_finds_nodes_starting_at_offsets_and_passes_over_the_rest() {
        let src = "class A { void m() { f('a', 'b'); /* 'c' */ } String s = 'd'; }";
        let tree = crate::syntax::apex::parse(src).expect("tree");
        let kinds: Vec<u16> = ["string_literal", "block_comment"]
            .iter()
            .filter_map(|k| crate::syntax::apex::kind_id(k))
            .collect();
        let at = |s: &str| src.find(s).expect("in src");
        let offsets = [
            at("f("),      // starts a call, not a wanted kind
            at("'a'"),     // found
            at("'a'") + 1, // inside a found node
            at(", 'b'"),   // starts nothing
            at("'b'"),     // found
            at("/*"),      // found
            at("'c'"),     // inside a found comment
            at("'d'"),     // found, in another declaration
            src.len() + 5, // past the end
        ];
        let mut got = Vec::new();
        nodes_at(tree.root_node(), &offsets, &kinds, |n| got.push(&src[n.byte_range()]));
        assert_eq!(got, ["'a'", "'b'", "/* 'c' */", "'d'"]);
    }
}
