//! Findings from data flows: the sink is the finding's span, and every hop is both a label and
//! a step of the flow (SARIF `codeFlows`, the terminal's labels, the report's path).

use std::ops::Range;

use crate::dataflow::Hop;
use crate::dataflow::url::Endpoint;
use crate::diagnostics::finding::{FileId, Finding};

/// The annotations of methods a client calls: their parameters are what the client sends, and
/// their return values what it receives.
pub(crate) const CLIENT_ANNOTATIONS: &[&str] = &[
    "auraenabled",
    "remoteaction",
    "invocablemethod",
    "httpget",
    "httppost",
    "httpput",
    "httppatch",
    "httpdelete",
];

/// A flow as a finding: primary span at the sink, every hop a label and a flow step.
pub(crate) fn flow_finding(
    rule: &'static str,
    file: FileId,
    span: Range<usize>,
    path: &[Hop],
    endpoint: Option<&Endpoint>,
    sink_note: &str,
    message: String,
) -> Finding {
    let mut f = with_path(Finding::new(rule, file, span.clone(), message), path);
    let inside_sink = |e: &Endpoint| e.file == file && e.span.start >= span.start && e.span.end <= span.end;
    if let Some(e) = endpoint
        && !e.span.is_empty()
        && !inside_sink(e)
    {
        f = f.label(e.file, e.span.clone(), "endpoint set here");
    }
    f.step(file, span, sink_note)
}

/// `f` with every hop of `path` as a label and a flow step.
pub(crate) fn with_path(mut f: Finding, path: &[Hop]) -> Finding {
    for hop in path {
        f = f
            .label(hop.file, hop.span.clone(), hop.note.as_str())
            .step(hop.file, hop.span.clone(), hop.note.as_str());
    }
    f
}
