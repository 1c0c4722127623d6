//! OAuth app lints (Connected Apps, External Client Apps, org OAuth settings), over the shared
//! view in [`crate::semantic::oauth`].

use tree_sitter::Node;

use crate::diagnostics::finding::{FileId, Finding};
use crate::lints::Ctx;
use crate::semantic::oauth::{RequestedFlow, requested_flows};
use crate::syntax::apex;
use crate::workspace::project::SourceFile;

// The rule modules, one per `lints/<rule-id>.md` of this family (see `build.rs`).
include!(concat!(env!("OUT_DIR"), "/lints/oauth.rs"));

/// The Apex node kinds that carry flow requests.
pub(crate) const STRING_KINDS: &[&str] = &["string_literal"];

/// What a lint reports when an Apex string literal requests its flow.
pub(crate) struct FlowRequest {
    pub rule: &'static str,
    pub flow: RequestedFlow,
    /// The flow's name in the message: "code requests the {what}".
    pub what: &'static str,
    pub help: &'static str,
}

/// Reports each request for the flow inside an Apex string literal (`grant_type=password`...).
/// Whether a literal with this content requests `req`'s flow: [`flow_in_literal`] reports only then.
pub(crate) fn requests_flow(req: &FlowRequest, content: &str) -> bool {
    requested_flows(content).any(|(found, _)| found == req.flow)
}

pub(crate) fn flow_in_literal(
    req: &FlowRequest,
    node: Node<'_>,
    file: FileId,
    src: &SourceFile,
    out: &mut Vec<Finding>,
) {
    let Some((content, base)) = apex::string_content(node, &src.text) else {
        return;
    };
    for (found, range) in requested_flows(content) {
        if found == req.flow {
            let span = base + range.start..base + range.end;
            out.push(Finding::new(req.rule, file, span, format!("code requests the {}", req.what)).help(req.help));
        }
    }
}

/// Reports org OAuth settings (a settings file or a scratch definition) that do not block a flow:
/// `key` missing (the org default lets the flow run) or false.
pub(crate) fn org_flow_not_blocked(rule: &'static str, key: &str, flow: &str, cx: &Ctx<'_>, out: &mut Vec<Finding>) {
    for org in &cx.oauth.orgs {
        let s = org.flag(key, false);
        if s.value {
            continue;
        }
        let message = if s.explicit {
            format!("{} allow the {flow} (`{key}` is false)", org.describe())
        } else {
            format!("{} do not block the {flow}", org.describe())
        };
        out.push(Finding::new(rule, s.file, s.span, message).help(format!("set `{key}` to true")));
    }
}
