//! Helpers shared by the tree-sitter languages (Apex, JavaScript): one parser per thread and
//! language, pre-order walks without recursion, and argument lists.

use std::cell::RefCell;

use tree_sitter::{Language, Node, Parser, Tree};

/// Parses with this thread's parser for `language`, creating it on first use.
pub fn parse_with(
    slot: &'static std::thread::LocalKey<RefCell<Option<Parser>>>,
    language: &Language,
    text: &str,
) -> Option<Tree> {
    slot.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            let mut parser = Parser::new();
            parser.set_language(language).ok()?;
            *slot = Some(parser);
        }
        slot.as_mut()?.parse(text, None)
    })
}

/// Visits `root` and its descendants in source order, without recursion. `visit` returns
/// whether to descend into the node's children.
pub fn preorder<'t>(root: Node<'t>, mut visit: impl FnMut(Node<'t>) -> bool) {
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

/// The named children of a node's `arguments` field (a call's or constructor's arguments).
pub fn arguments(node: Node<'_>) -> Vec<Node<'_>> {
    node.child_by_field_name("arguments")
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
        let tree = crate::js::parse("f(a, g(b)); h(c);").expect("tree");
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
}
