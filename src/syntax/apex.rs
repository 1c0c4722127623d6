//! Apex through tree-sitter (`tree-sitter-sfapex`): one parser per thread, kind names resolved
//! to ids once.

use std::cell::RefCell;
use std::ops::Range;
use std::sync::LazyLock;

use tree_sitter::{Node, Parser, Tree};

pub(crate) use crate::syntax::tree::APEX as LANGUAGE;

thread_local! {
    pub(crate) static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

/// Parses Apex source. `None` only if tree-sitter gives up (cancellation, which sfsec never
/// requests); syntax errors are ERROR nodes inside the tree.
pub(crate) fn parse(text: &str) -> Option<Tree> {
    crate::syntax::tree::parse_with(&PARSER, &LANGUAGE, text)
}

/// [`parse`], saying why there is no tree (a parse past the time budget).
pub(crate) fn parse_checked(text: &str) -> Result<Tree, crate::syntax::tree::ParseFailure> {
    crate::syntax::tree::parse_checked(&PARSER, &LANGUAGE, text)
}

/// An automaton that finds any of `words` in Apex text in any ASCII case, as Apex names are
/// compared. A DFA: the automatic choice for over a hundred words, a contiguous NFA, ran at a
/// quarter of its speed over a generated project's Apex, and the DFA of a few hundred names
/// takes well under a megabyte.
pub(crate) fn words_matcher<I, P>(words: I) -> Option<aho_corasick::AhoCorasick>
where
    I: IntoIterator<Item = P>,
    P: AsRef<[u8]>,
{
    let words: Vec<P> = words.into_iter().collect();
    // Building the DFA follows failure links per state and byte class: quadratic in a long
    // word (a repository's 32 KB identifier took seconds). Past a few kilobytes of words, the
    // contiguous NFA, whose build is linear.
    let total: usize = words.iter().map(|w| w.as_ref().len()).sum();
    let kind = if total <= MAX_DFA_BYTES {
        aho_corasick::AhoCorasickKind::DFA
    } else {
        aho_corasick::AhoCorasickKind::ContiguousNFA
    };
    aho_corasick::AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .kind(Some(kind))
        .build(words)
        .ok()
}

/// Whether `b` can be part of an Apex name (ASCII letters, digits, `_`): the edges of a word
/// that [`words_matcher`] found.
pub(crate) fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The byte ranges, sorted and disjoint, of the class and method declarations marked `@IsTest`
/// or `testMethod` in the tree that holds `node`. Found from the words in the text, so that a
/// file without them costs one search and a file with them a few descents.
pub(crate) fn test_ranges(node: Node<'_>, text: &str) -> Vec<Range<usize>> {
    static WORDS: LazyLock<Option<aho_corasick::AhoCorasick>> =
        LazyLock::new(|| words_matcher(["@istest", "testmethod"]));
    let Some(words) = WORDS.as_ref() else {
        return Vec::new();
    };
    let mut hits = words.find_iter(text).peekable();
    if hits.peek().is_none() {
        return Vec::new();
    }
    let mut root = node;
    while let Some(p) = root.parent() {
        root = p;
    }
    let mut ranges: Vec<Range<usize>> = hits
        .filter_map(|hit| {
            // The word's token, then up to the modifiers it is one of (none in a comment,
            // string or name), whose parent is the declaration.
            let mut n = root.descendant_for_byte_range(hit.start(), hit.end())?;
            while n.kind() != "modifiers" {
                n = n.parent()?;
                if n.kind().ends_with("_declaration") || n.kind() == "block" {
                    return None;
                }
            }
            let decl = n.parent()?;
            matches!(decl.kind(), "class_declaration" | "method_declaration").then(|| decl.byte_range())
        })
        .collect();
    ranges.sort_by_key(|r| r.start);
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match merged.last_mut() {
            Some(last) if r.start < last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

/// For rules that read a few calls in the files a text search points to: `text` parsed again
/// whole (the per-file pass keeps no bodies, see [`crate::syntax::flat`]) and each
/// `method_invocation` outside test classes and methods given to `f` with its name in lower
/// case. Nothing when tree-sitter gives up.
pub(crate) fn for_each_call(text: &str, mut f: impl FnMut(Node<'_>, &str)) {
    let Some(tree) = parse(&neutralize_tokens(text)) else {
        return;
    };
    let root = tree.root_node();
    let tests = test_ranges(root, text);
    let mut cursor = root.walk();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if tests.iter().any(|t| t.contains(&node.start_byte())) {
            continue;
        }
        if node.kind() == "method_invocation"
            && let Some(name) = node.child_by_field_name("name").and_then(|n| text.get(n.byte_range()))
        {
            f(node, &name.to_ascii_lowercase());
        }
        stack.extend(node.named_children(&mut cursor));
    }
}

/// The call's qualifier as written (`Crypto` in `Crypto.encrypt(...)`, `System` in
/// `System.debug(...)`), empty when it has none.
pub(crate) fn qualifier<'s>(call: Node<'_>, text: &'s str) -> &'s str {
    call.child_by_field_name("object")
        .and_then(|o| text.get(o.byte_range()))
        .unwrap_or("")
}

/// The most bytes of words [`words_matcher`] builds a DFA for.
const MAX_DFA_BYTES: usize = 8 * 1024;

/// Source with CumulusCI namespace tokens (`%%%NAMESPACE%%%`, `%%%NAMESPACE_DOT%%%`, ...)
/// replaced by as many `x`s, so the parser sees identifiers and every offset stays where it is.
/// Borrowed when there is no token, which is the common case.
///
/// Also `Trigger.` (any case) becomes `Trixger.`: the grammar takes `trigger` for the keyword
/// of a trigger's declaration and gives up on a statement that starts with it
/// (`Trigger.new[0].addError(...)`, `Trigger.oldMap.get(id).x = y`); the name is read from
/// the original text.
pub(crate) fn neutralize_tokens(text: &str) -> std::borrow::Cow<'_, str> {
    let triggers = trigger_objects(text);
    if !text.contains("%%%") && triggers.is_empty() {
        return std::borrow::Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = bytes.to_vec();
    for at in triggers {
        out[at + 3] = b'x';
    }
    let mut i = 0;
    while i + 3 <= bytes.len() {
        if &bytes[i..i + 3] == b"%%%" {
            let name_len = bytes[i + 3..]
                .iter()
                .take_while(|b| b.is_ascii_uppercase() || **b == b'_')
                .count();
            let end = i + 3 + name_len;
            if name_len > 0 && bytes.get(end..end + 3) == Some(b"%%%") {
                out[i..end + 3].fill(b'x');
                i = end + 3;
                continue;
            }
        }
        i += 1;
    }
    // Only ASCII was replaced by ASCII.
    std::borrow::Cow::Owned(String::from_utf8(out).unwrap_or_else(|_| text.to_string()))
}

/// Where the word `trigger` (any case) is followed by a `.`, blanks between.
fn trigger_objects(text: &str) -> Vec<usize> {
    let b = text.as_bytes();
    memchr::memchr_iter(b'.', b)
        .filter_map(|dot| {
            let end = dot - b[..dot].iter().rev().take_while(|c| c.is_ascii_whitespace()).count();
            let at = end.checked_sub(7)?;
            let word = b[at..end].eq_ignore_ascii_case(b"trigger");
            let starts = at == 0 || !is_word_byte(b[at - 1]);
            (word && starts).then_some(at)
        })
        .collect()
}

/// The id of a named node kind, or `None` if the grammar has no such kind.
pub(crate) fn kind_id(name: &str) -> Option<u16> {
    match LANGUAGE.id_for_node_kind(name, true) {
        0 => None,
        id => Some(id),
    }
}

/// The first syntax error in the tree (an ERROR or MISSING node), if any.
pub(crate) fn first_error(tree: &Tree) -> Option<Node<'_>> {
    let root = tree.root_node();
    if !root.has_error() {
        return None;
    }
    let mut found = None;
    crate::syntax::tree::preorder(root, |node| {
        if found.is_some() {
            return false;
        }
        if node.is_error() || node.is_missing() {
            found = Some(node);
            return false;
        }
        // Descend only into subtrees that contain the error.
        node.has_error()
    });
    found
}

/// Where each string literal and comment is, by a lexical scan of the source: quotes (with
/// backslash escapes), `//` and `/* */`; a literal starts with `'`. It does not parse;
/// [`crate::syntax::tree::nodes_at`] checks each start against the tree, so that a string or comment
/// is found without walking every node. Trees with syntax errors are walked instead (the scan
/// and the parser's recovery could disagree there).
pub(crate) fn literals_and_comments(text: &str) -> Vec<Range<usize>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    // Jumps from quote or slash to the next: everything else is skipped by memchr.
    while let Some(n) = memchr::memchr2(b'\'', b'/', &b[i..]) {
        i += n;
        let start = i;
        match (b[i], b.get(i + 1)) {
            (b'\'', _) => {
                i += 1;
                // To the closing quote, past escapes; an unterminated literal ends at the line.
                loop {
                    let Some(n) = b.get(i..).and_then(|rest| memchr::memchr3(b'\\', b'\'', b'\n', rest)) else {
                        i = b.len();
                        break;
                    };
                    i += n;
                    match b[i] {
                        b'\\' => i += 2,
                        b'\'' => {
                            i += 1;
                            break;
                        }
                        _ => break,
                    }
                }
            }
            (b'/', Some(b'/')) => {
                i = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |n| i + n);
            }
            (b'/', Some(b'*')) => {
                i = text[i + 2..].find("*/").map_or(b.len(), |n| i + 2 + n + 2);
            }
            _ => {
                i += 1;
                continue;
            }
        }
        // An escape at the very end steps past it.
        i = i.min(b.len());
        out.push(start..i);
    }
    out
}

/// The content of a literal that [`literals_and_comments`] found, without its quotes; `None`
/// for a comment or an unterminated literal.
pub(crate) fn lexed_literal(text: &str, range: Range<usize>) -> Option<&str> {
    text.get(range)?.strip_prefix('\'')?.strip_suffix('\'')
}

/// The content of a string literal without its quotes, with the offset of that content.
pub(crate) fn string_content<'s>(node: Node<'_>, src: &'s str) -> Option<(&'s str, usize)> {
    let text = src.get(node.byte_range())?;
    let inner = text.strip_prefix('\'')?.strip_suffix('\'')?;
    Some((inner, node.start_byte() + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_on_trigger_context_parse() {
        let text = "class C { void f(String m) {\n    Trigger.new[0].addError(m, false);\n    \
                    trigger . oldMap.get(m).Name = m;\n    System.Trigger.newMap.get(m).addError(m);\n} }";
        let neutral = neutralize_tokens(text);
        assert_eq!(neutral.len(), text.len());
        assert_eq!(neutral.matches("Trixger.").count(), 2);
        assert!(neutral.contains("trixger . oldMap"));
        let tree = parse(&neutral).expect("tree");
        assert!(first_error(&tree).is_none(), "{}", tree.root_node().to_sexp());
        // The declaration keeps its keyword; a name that ends in `trigger` is another word.
        let decl = "trigger OrderTrigger on Order (before insert) { myTrigger.run(); }";
        assert!(matches!(neutralize_tokens(decl), std::borrow::Cow::Borrowed(_)));
    }

    /// A word of 200 KB (a repository's identifier) builds in linear time and still matches
    /// in any case; a DFA for it took seconds per 32 KB.
    #[test]
    fn a_long_word_builds_a_matcher_in_linear_time() {
        let word = "x".repeat(200_000);
        let m = words_matcher([word.as_str(), "getSessionId"]).expect("matcher");
        let text = format!("a {} b GETSESSIONID", word.to_uppercase());
        let found: Vec<usize> = m.find_iter(&text).map(|f| f.pattern().as_usize()).collect();
        assert_eq!(found, [0, 1]);
    }

    /// Test classes and methods in either spelling; the words in a comment, a string or a
    /// name are not a declaration's marker.
    #[test]
    fn finds_test_declarations() {
        let src = "public class A {\n  // @isTest later\n  void testMethodHelper() { String s = '@IsTest'; }\n  \
                   static testMethod void t() { }\n  @IsTest(SeeAllData=false) static void u() { }\n}\n\
                   @ISTEST private class B { @IsTest static void v() { } }\n";
        let tree = parse(src).expect("tree");
        let got: Vec<&str> = test_ranges(tree.root_node(), src)
            .into_iter()
            .map(|r| &src[r])
            .collect();
        assert_eq!(
            got,
            [
                "static testMethod void t() { }",
                "@IsTest(SeeAllData=false) static void u() { }",
                "@ISTEST private class B { @IsTest static void v() { } }",
            ]
        );
        assert!(test_ranges(tree.root_node(), "class C { }").is_empty());
    }

    #[test]
    fn parses_modern_apex() {
        let src = "public with sharing class A {\n  void m(Account a) {\n    String s = a?.Name ?? 'x';\n    switch on s { when 'x' { System.debug(s); } when else {} }\n    List<Account> l = [SELECT Id FROM Account WITH USER_MODE];\n    Assert.areEqual(1, 1);\n  }\n}";
        let tree = parse(src).expect("tree");
        assert!(first_error(&tree).is_none(), "{}", tree.root_node().to_sexp());
    }

    #[test]
    fn reports_the_first_error() {
        let tree = parse("public class { void }").expect("tree");
        assert!(first_error(&tree).is_some());
    }

    #[test]
    fn cumulusci_tokens_parse_and_keep_offsets() {
        let src = "public class A {\n  void m() {\n    %%%NAMESPACE_DOT%%%Util.run('%%%NAMESPACE%%%Field__c');\n    %%%NAMESPACE%%%Obj__c o = new %%%NAMESPACE%%%Obj__c();\n  }\n}";
        assert!(
            parse(src).is_some_and(|t| first_error(&t).is_some()),
            "tokens break the parser"
        );
        let clean = neutralize_tokens(src);
        assert_eq!(clean.len(), src.len());
        let tree = parse(&clean).expect("tree");
        assert!(first_error(&tree).is_none(), "{}", tree.root_node().to_sexp());
        // The same spans read the original text.
        let call = src.find("%%%NAMESPACE_DOT%%%Util").unwrap_or(0);
        assert!(clean[call..].starts_with("xxxxxxxxxxxxxxxxxxxUtil"));
        assert_eq!(neutralize_tokens("a % b %%% c"), "a % b %%% c");
    }

    /// The string literals and comments of `src` found by the lexical scan and [`nodes_at`]
    /// must be exactly those a walk of every node finds.
    fn lexical_lookup_matches_walk(src: &str) -> Result<usize, String> {
        let tree = parse(&neutralize_tokens(src)).ok_or("no tree")?;
        let root = tree.root_node();
        if root.has_error() {
            return Ok(0);
        }
        let kinds: Vec<u16> = ["string_literal", "line_comment", "block_comment"]
            .iter()
            .filter_map(|k| kind_id(k))
            .collect();
        let mut walked = Vec::new();
        crate::syntax::tree::preorder(root, |n| {
            if kinds.contains(&n.kind_id()) {
                walked.push((n.kind_id(), n.byte_range()));
            }
            true
        });
        let mut looked_up = Vec::new();
        let lexed = literals_and_comments(src);
        let starts: Vec<usize> = lexed.iter().map(|r| r.start).collect();
        crate::syntax::tree::nodes_at(root, &starts, &kinds, |n| looked_up.push((n.kind_id(), n.byte_range())));
        // The scan's ranges are the nodes' too: a literal's content is judged from its range.
        let ranges: Vec<Range<usize>> = walked.iter().map(|(_, r)| r.clone()).collect();
        if lexed != ranges {
            return Err(format!("walk {walked:?}\nlexed {lexed:?}"));
        }
        let literal = kind_id("string_literal");
        for (kind, range) in &walked {
            let content = lexed_literal(src, range.clone());
            if (Some(*kind) == literal) != content.is_some() || content.is_some_and(|c| c.len() + 2 != range.len()) {
                return Err(format!("content of {range:?}: {content:?}"));
            }
        }
        if walked == looked_up {
            Ok(walked.len())
        } else {
            Err(format!("walk {walked:?}\nlookup {looked_up:?}"))
        }
    }

    #[test]
    fn lexical_lookup_finds_every_literal_and_comment() {
        let tricky = [
            "public class A { String s = 'it\\'s // not a comment /* nor this */'; }",
            "public class A { /* 'not a string' */ String s = '/*'; // it's a comment\n String t = '*/'; }",
            "public class A {\n  // one\n  /** doc 'x' */\n  void m() { List<Account> a = [SELECT Id FROM Account WHERE Name = 'a\\\\' AND Type = 'b']; }\n}",
            "public class A { String u = 'https://x.example.com/a'; String e = ''; String b = '\\\\'; }",
            "trigger T on Account (before insert) { for (Account a : Trigger.new) { a.Name = 'x' + '//' + 'y'; } }",
            "public class A { void m() { switch on s { when 'a', 'b' { x(); } } Map<String, String> m = new Map<String, String>{ 'k' => 'v' }; } }",
            "public class A { String s = '%%%NAMESPACE%%%Field__c'; %%%NAMESPACE%%%Obj__c o; }",
        ];
        for src in tricky {
            let n = lexical_lookup_matches_walk(src).unwrap_or_else(|e| panic!("{src}\n{e}"));
            assert!(n > 0, "{src}: nothing to compare");
        }
        // Every Apex file of the corpus and of a generated project.
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        let generated = tempfile::tempdir().expect("tmp");
        crate::generate::project(generated.path(), 150, 7).expect("generate");
        let mut compared = 0;
        for dir in [corpus.as_path(), generated.path()] {
            for entry in walkdir::WalkDir::new(dir).into_iter().flatten() {
                let p = entry.path();
                if p.extension().is_some_and(|e| e == "cls" || e == "trigger") {
                    let src = std::fs::read_to_string(p).expect("read");
                    compared += lexical_lookup_matches_walk(&src).unwrap_or_else(|e| panic!("{}\n{e}", p.display()));
                }
            }
        }
        assert!(compared > 500, "only {compared} literals and comments compared");
    }

    /// The scan byte by byte, as it was before it jumped with memchr: the reference.
    fn lex_bytewise(text: &str) -> Vec<Range<usize>> {
        let b = text.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            let start = i;
            match (b[i], b.get(i + 1)) {
                (b'\'', _) => {
                    i += 1;
                    while i < b.len() {
                        match b[i] {
                            b'\\' => i += 2,
                            b'\'' => {
                                i += 1;
                                break;
                            }
                            b'\n' => break,
                            _ => i += 1,
                        }
                    }
                }
                (b'/', Some(b'/')) => i = b[i..].iter().position(|&c| c == b'\n').map_or(b.len(), |n| i + n),
                (b'/', Some(b'*')) => i = text[i + 2..].find("*/").map_or(b.len(), |n| i + 2 + n + 2),
                _ => {
                    i += 1;
                    continue;
                }
            }
            i = i.min(b.len());
            out.push(start..i);
        }
        out
    }

    #[test]
    fn the_scan_jumps_to_the_same_ranges_as_a_bytewise_one() {
        let edges = [
            "",
            "'",
            "'a",
            "'a\\",
            "'a\\'",
            "'a\\'b",
            "'a\nb'",
            "x / y",
            "/",
            "//",
            "/*",
            "/* a",
            "a/",
            "'it\\'s'",
            "'\\\\'",
            "s = '/*'; // c\n t = '*/'",
            "/* ' */ 'x' // '\n'y'",
            "'é' /* ü */ 'ß'",
        ];
        for text in edges {
            assert_eq!(literals_and_comments(text), lex_bytewise(text), "{text:?}");
        }
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        let generated = tempfile::tempdir().expect("tmp");
        crate::generate::project(generated.path(), 60, 5).expect("generate");
        let mut files = 0;
        for dir in [corpus.as_path(), generated.path()] {
            for entry in walkdir::WalkDir::new(dir).into_iter().flatten() {
                if entry
                    .path()
                    .extension()
                    .is_some_and(|e| e == "cls" || e == "trigger" || e == "page" || e == "js")
                {
                    let text = std::fs::read_to_string(entry.path()).expect("read");
                    assert_eq!(
                        literals_and_comments(&text),
                        lex_bytewise(&text),
                        "{}",
                        entry.path().display()
                    );
                    files += 1;
                }
            }
        }
        assert!(files > 50, "{files}");
    }

    #[test]
    fn kinds_resolve() {
        assert!(kind_id("string_literal").is_some());
        assert!(kind_id("no_such_kind").is_none());
    }
}
