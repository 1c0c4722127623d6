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

/// Source with CumulusCI namespace tokens (`%%%NAMESPACE%%%`, `%%%NAMESPACE_DOT%%%`, ...)
/// replaced by as many `x`s, so the parser sees identifiers and every offset stays where it is.
/// Borrowed when there is no token, which is the common case.
pub fn neutralize_tokens(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("%%%") {
        return std::borrow::Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = bytes.to_vec();
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
pub fn string_content<'s>(node: crate::flat::Node<'_>, src: &'s str) -> Option<(&'s str, usize)> {
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

    #[test]
    fn kinds_resolve() {
        assert!(kind_id("string_literal").is_some());
        assert!(kind_id("no_such_kind").is_none());
    }
}
