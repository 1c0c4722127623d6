//! Apex through tree-sitter (`tree-sitter-sfapex`): one parser per thread, kind names resolved
//! to ids once.

use std::cell::RefCell;
use std::sync::LazyLock;

use tree_sitter::{Language, Node, Parser, Tree};

pub static LANGUAGE: LazyLock<Language> = LazyLock::new(|| tree_sitter_sfapex::apex::LANGUAGE.into());

thread_local! {
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

/// Parses Apex source. `None` only if tree-sitter gives up (cancellation, which sfsec never
/// requests); syntax errors are ERROR nodes inside the tree.
pub fn parse(text: &str) -> Option<Tree> {
    crate::tree::parse_with(&PARSER, &LANGUAGE, text)
}

/// The id of a named node kind, or `None` if the grammar has no such kind.
pub fn kind_id(name: &str) -> Option<u16> {
    match LANGUAGE.id_for_node_kind(name, true) {
        0 => None,
        id => Some(id),
    }
}

/// The first syntax error in the tree (an ERROR or MISSING node), if any.
pub fn first_error(tree: &Tree) -> Option<Node<'_>> {
    let root = tree.root_node();
    if !root.has_error() {
        return None;
    }
    let mut found = None;
    crate::tree::preorder(root, |node| {
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

/// The content of a string literal without its quotes, with the offset of that content.
pub fn string_content<'s>(node: Node<'_>, src: &'s str) -> Option<(&'s str, usize)> {
    let text = src.get(node.byte_range())?;
    let inner = text.strip_prefix('\'')?.strip_suffix('\'')?;
    Some((inner, node.start_byte() + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn kinds_resolve() {
        assert!(kind_id("string_literal").is_some());
        assert!(kind_id("no_such_kind").is_none());
    }
}
