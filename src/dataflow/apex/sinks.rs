//! Sinks: recording a flow where a tainted value reaches one, with its endpoint.

use crate::syntax::flat::Node;

use super::{Frame, first_element};
use crate::dataflow::url::Endpoint;
use crate::dataflow::{EndpointOf, Flow, Origin, ParamSink, Path, SinkAt, Val, hops};
use crate::diagnostics::finding::FileId;

impl<'a, 't> Frame<'a, 't> {
    pub(super) fn sink_endpoint(&mut self, of: EndpointOf, v: &Val, arg_nodes: &[Node<'a>]) -> Option<Endpoint> {
        match of {
            EndpointOf::None => None,
            EndpointOf::Value => v.endpoint.clone(),
            EndpointOf::Arg(i) => arg_nodes.get(i).map(|&a| self.endpoint_of(a)),
            EndpointOf::ArgListFirst(i) => {
                let list = arg_nodes.get(i)?;
                let first = first_element(*list).unwrap_or(*list);
                Some(self.endpoint_of(first))
            }
        }
    }

    pub(super) fn sink(&mut self, sink: usize, at: Node<'a>, v: &Val, endpoint: Option<Endpoint>) {
        if self.spec.reach.is_some() {
            if !self.settled {
                self.record(Origin::Always, sink, self.file, at.byte_range(), None, endpoint);
            }
            return;
        }
        for (o, p) in v.taint.clone() {
            self.record(o, sink, self.file, at.byte_range(), p, endpoint.clone());
        }
    }

    pub(super) fn record(
        &mut self,
        origin: Origin,
        sink: usize,
        file: FileId,
        span: std::ops::Range<usize>,
        path: Path,
        endpoint: Option<Endpoint>,
    ) {
        match origin {
            Origin::Source => {
                if let Some(e) = &endpoint
                    && let Some(param) = e.param
                {
                    let known = self
                        .out
                        .summary
                        .deferred
                        .iter()
                        .any(|d| d.sink == sink && d.file == file && d.span == span && d.param == param);
                    if !known {
                        self.out.summary.deferred.push(super::Deferred {
                            param,
                            sink,
                            file,
                            span,
                            path,
                            endpoint: e.clone(),
                        });
                        self.changed = true;
                    }
                    return;
                }
                let rank = |e: &Option<Endpoint>| e.as_ref().map_or(1, |e| e.class.rank());
                match self
                    .out
                    .flows
                    .iter_mut()
                    .find(|f| f.sink == sink && f.file == file && f.span == span)
                {
                    // Keep the least trusted destination seen for this sink.
                    Some(f) if rank(&endpoint) > rank(&f.endpoint) => f.endpoint = endpoint,
                    Some(_) => {}
                    None => self.out.flows.push(Flow {
                        sink,
                        file,
                        span,
                        path: hops(&path),
                        endpoint,
                    }),
                }
            }
            _ => {
                let known = self
                    .out
                    .summary
                    .sinks
                    .iter_mut()
                    .find(|s| s.origin == origin && s.sink == sink && s.file == file && s.span == span);
                if let Some(known) = known {
                    // What a method reaches is told the shortest way seen: a way around a
                    // cycle of calls would otherwise come back one turn longer every round.
                    if origin == Origin::Always
                        && crate::dataflow::path_len(&path) < crate::dataflow::path_len(&known.path)
                    {
                        known.path = path;
                    }
                } else {
                    self.out.summary.sinks.push(ParamSink {
                        origin,
                        sink,
                        file,
                        span,
                        path,
                        endpoint,
                    });
                    self.changed = true;
                }
            }
        }
    }

    pub(super) fn return_sinks(&mut self, node: Node<'a>, v: &Val) {
        let m = self.method;
        let class_rest = self.model.classes[self.class]
            .annotations
            .iter()
            .any(|a| a == "restresource");
        for (i, sink) in self.spec.sinks.iter().enumerate() {
            if let SinkAt::Return {
                annotations,
                webservice,
            } = &sink.at
            {
                let annotated = m
                    .annotations
                    .iter()
                    .any(|a| annotations.contains(&&**a) && (!a.starts_with("http") || class_rest));
                if annotated || (*webservice && m.webservice) {
                    self.sink(i, node, v, None);
                }
            }
        }
    }

    pub(super) fn assign_sinks(&mut self, left: Node<'a>, v: &Val) {
        if !v.is_tainted() {
            return;
        }
        let target: String = self
            .t(left)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        for (i, sink) in self.spec.sinks.iter().enumerate() {
            if let SinkAt::Assign { target: want } = &sink.at
                && target.starts_with(want)
            {
                self.sink(i, left, v, None);
            }
        }
    }

    // ---- URLs -------------------------------------------------------------------------------
}
