//! The fixpoint over methods: rounds of method analyses, in parallel, until no summary, field or
//! field URL that an analysis read has changed.
//!
//! # Termination
//! Every round analyzes the methods of its work list, and a method enters a work list only:
//! - once through scheduling (`scheduled` is set the first time and never cleared): as a seed,
//!   a static callee put first, a method a demanded value reaches, or a caller owed a changed
//!   summary;
//! - again through re-analysis, and only while it has run fewer than [`MAX_ROUNDS`] times;
//! - once more from `put_off`, the list a round of callees-first analyses set aside, which holds
//!   only scheduled methods.
//!
//! So no method runs more than [`MAX_ROUNDS`] times plus once from `put_off` and the work list
//! empties. Values only grow (joins), which is why the rounds usually stop long before the bound:
//! the bound cuts off a long chain of summary changes, it does not decide the result of a
//! converging one. `tests.rs` holds a call cycle that changes on every round to the bound.

use std::collections::HashMap;

use rayon::prelude::*;

use super::apex;
use super::model::{self, MethodId, Model};
use super::url::Endpoint;
use super::{
    Analysis, Demand, Flow, MAX_ROUNDS, MethodResult, Origin, Returns, Spec, State, Summaries, Val, hops,
    static_callees_first,
};
use crate::workspace::project::Project;

/// What a method's last analysis found that later rounds read.
#[derive(Default)]
struct Outcome {
    flows: Vec<Flow>,
    /// The URLs it stores in fields (a getter: its return's, in its property).
    field_urls: Vec<(model::FieldId, Endpoint)>,
    /// Whose whole summary it read.
    callees: Vec<MethodId>,
    /// Whose summary's source part it read.
    light_callees: Vec<MethodId>,
    /// Fields it read for taint.
    fields_read: Vec<model::FieldId>,
    /// Fields it read for their URL.
    urls_read: Vec<model::FieldId>,
}

impl Outcome {
    /// Callees, light callees, fields read for taint, fields read for their URL; none for a
    /// method not analyzed yet.
    fn deps(slot: &Option<Box<Outcome>>) -> [&[usize]; 4] {
        match slot {
            Some(o) => [&o.callees, &o.light_callees, &o.fields_read, &o.urls_read],
            None => [&[], &[], &[], &[]],
        }
    }
}

/// What one round changed, as lists; the matching flags of [`Solver`] are set for them and
/// cleared at the end of the round, so that no round costs a pass over every method or field
/// (a chain of 4,000 calls, analyzed one method per round, would take quadratic time).
#[derive(Default)]
struct Changes {
    analyzed: Vec<MethodId>,
    /// Methods whose summary changed.
    methods: Vec<MethodId>,
    /// Fields whose value grew.
    fields: Vec<model::FieldId>,
    /// Fields whose URL class changed.
    urls: Vec<model::FieldId>,
}

/// The whole state of one [`super::analyze`]: the shared [`State`] the method analyses read,
/// and the bookkeeping that decides which methods run in the next round.
struct Solver<'r, 'm> {
    project: &'r Project,
    model: &'r Model<'m>,
    spec: &'r Spec,
    state: State,
    /// Per method, once analyzed: what its last analysis found. Most methods of a large
    /// project never are, so each slot is a box.
    outcomes: Vec<Option<Box<Outcome>>>,
    demand: Option<Demand>,
    /// A reach spec's entries (see [`Spec::reach`]), one per method.
    entries: Vec<super::Entry>,
    /// Per method: whether it is analyzed at all, and how often it was.
    scheduled: Vec<bool>,
    runs: Vec<usize>,
    /// Methods whose returned URLs and URL fields matter to a flow (see [`Demand`]).
    url_demand: Vec<bool>,
    /// Methods whose callers must learn of a changed source summary. They are told once the
    /// method has settled (nothing it depends on is analyzed next), so that callers are not
    /// analyzed against a summary about to change and then all over again.
    owe_callers: Vec<bool>,
    owed: Vec<MethodId>,
    /// Methods put off for one round while the static callees they name are analyzed first.
    put_off: Vec<MethodId>,
    callees_scanned: Vec<bool>,
    /// Flags for [`Changes`] of the current round.
    changed_methods: Vec<bool>,
    changed_source: Vec<bool>,
    changed_fields: Vec<bool>,
    changed_urls: Vec<bool>,
    in_next: Vec<bool>,
    /// Who read or wrote what, over every analysis so far: a superset of what each method's
    /// last analysis did, checked against it when something changes.
    method_readers: HashMap<MethodId, Vec<MethodId>>,
    field_readers: HashMap<model::FieldId, Vec<MethodId>>,
    url_writers: HashMap<model::FieldId, Vec<MethodId>>,
}

/// Records that `m` used `key`, once per run of equal entries.
fn note(map: &mut HashMap<usize, Vec<MethodId>>, key: usize, m: MethodId) {
    let v = map.entry(key).or_default();
    if v.last() != Some(&m) {
        v.push(m);
    }
}

/// Runs `spec` over the project's methods to a fixpoint (see the module documentation).
pub(super) fn analyze(project: &Project, model: &Model<'_>, spec: &Spec) -> Analysis {
    let mut solver = Solver::new(project, model, spec);
    let mut work = solver.seeds();
    while !work.is_empty() {
        work = solver.callees_first(work);
        let changes = solver.run_round(&work);
        work = solver.next_round(&changes);
    }
    solver.finish()
}

impl<'r, 'm> Solver<'r, 'm> {
    fn new(project: &'r Project, model: &'r Model<'m>, spec: &'r Spec) -> Self {
        let n = model.methods.len();
        let nf = model.fields.len();
        let mut entries = spec.reach.map_or_else(Vec::new, |r| (r.entries)(project, model));
        entries.retain(|e| !model.methods[e.method].is_test);
        // A method both named by a page and guessed from its shape keeps the page's reason.
        entries.sort_by_key(|e| (e.method, e.own_body));
        entries.dedup_by_key(|e| e.method);
        let ids: Vec<MethodId> = entries.iter().map(|e| e.method).collect();
        let demand = Demand::build(project, model, spec, &ids);
        let mut url_demand = vec![false; n];
        for &m in demand.iter().flat_map(|d| &d.url_seeds) {
            url_demand[m] = true;
        }
        Solver {
            project,
            model,
            spec,
            state: State {
                summaries: Summaries::new(n),
                fields: vec![Val::default(); nf],
                field_urls: vec![None; nf],
                settled: spec
                    .reach
                    .and_then(|r| r.settles)
                    .map_or_else(Vec::new, |settles| settles(project, model)),
            },
            outcomes: std::iter::repeat_with(|| None).take(n).collect(),
            scheduled: vec![demand.is_none(); n],
            demand,
            entries,
            runs: vec![0; n],
            url_demand,
            owe_callers: vec![false; n],
            owed: Vec::new(),
            put_off: Vec::new(),
            callees_scanned: vec![false; n],
            changed_methods: vec![false; n],
            changed_source: vec![false; n],
            changed_fields: vec![false; nf],
            changed_urls: vec![false; nf],
            in_next: vec![false; n],
            method_readers: HashMap::new(),
            field_readers: HashMap::new(),
            url_writers: HashMap::new(),
        }
    }

    /// The first round: the demand's seeds, or every method without one; never test code.
    fn seeds(&mut self) -> Vec<MethodId> {
        let mut work: Vec<MethodId> = match &self.demand {
            Some(d) => d.seeds.clone(),
            None => (0..self.model.methods.len()).collect(),
        };
        if let Some(fields) = self.spec.field_sources {
            for (f, hop) in fields(self.project, self.model) {
                self.state.fields[f].join(&Val::source(super::extend(&None, hop)));
                if let Some(d) = &self.demand {
                    work.extend(d.around_field(self.project, self.model, f));
                }
            }
            work.sort_unstable();
            work.dedup();
        }
        work.retain(|&m| !self.model.methods[m].is_test);
        for &m in &work {
            self.scheduled[m] = true;
        }
        work
    }

    /// Before methods run for the first time, the never-analyzed static callees they name run,
    /// one round earlier; the methods wait in `put_off`.
    fn callees_first(&mut self, work: Vec<MethodId>) -> Vec<MethodId> {
        if !self.put_off.is_empty() || self.demand.is_none() {
            return work;
        }
        let first = static_callees_first(
            self.project,
            self.model,
            &work,
            &self.runs,
            &self.scheduled,
            &mut self.callees_scanned,
        );
        if first.is_empty() {
            return work;
        }
        for &m in &first {
            self.scheduled[m] = true;
        }
        self.put_off = work;
        first
    }

    /// Analyzes `work` in parallel and folds the results into the state.
    fn run_round(&mut self, work: &[MethodId]) -> Changes {
        for &m in work {
            self.runs[m] += 1;
        }
        let (project, model, spec, state) = (self.project, self.model, self.spec, &self.state);
        let results: Vec<(MethodId, MethodResult)> = work
            .par_iter()
            .map(|&m| (m, apex::analyze_method(project, model, spec, state, m)))
            .collect();
        let mut changes = Changes::default();
        // Fields whose URL contributions may have changed: old and new ones of each method.
        let mut url_fields: Vec<model::FieldId> = Vec::new();
        for (m, r) in results {
            self.record(m, r, &mut changes, &mut url_fields);
        }
        self.join_field_urls(url_fields, &mut changes);
        changes
    }

    /// One method's result: its summary, the fields it wrote, its URL contributions and what it
    /// read, noted for re-analysis.
    fn record(&mut self, m: MethodId, r: MethodResult, changes: &mut Changes, url_fields: &mut Vec<model::FieldId>) {
        changes.analyzed.push(m);
        if r.summary.key() != self.state.summaries[m].key() {
            self.changed_methods[m] = true;
            self.changed_source[m] = r.summary.source_key() != self.state.summaries[m].source_key();
            changes.methods.push(m);
        }
        self.state.summaries.set(m, r.summary);
        for (f, v) in r.field_writes {
            self.grow_field(f, &v, changes);
        }
        // A method's URL contributions replace its previous ones: an early "unknown" (the
        // field it read was not classified yet) must not stick.
        let mut field_urls = r.field_urls;
        // Getters: the property's value is whatever its getter returns.
        if let model::MethodKind::Getter(f) = self.model.methods[m].kind {
            if let Some(e) = &self.state.summaries[m].ret_url {
                field_urls.push((f, e.clone()));
            }
            let ret = self.state.summaries[m].ret.clone();
            let concrete = Val {
                taint: ret.taint.into_iter().filter(|(o, _)| *o == Origin::Source).collect(),
                endpoint: None,
                keys: None,
            };
            self.grow_field(f, &concrete, changes);
        }
        // By field, each field's own in the order written: found by binary search later.
        field_urls.sort_by_key(|(f, _)| *f);
        let old_urls = self.outcomes[m].as_ref().map_or(&[][..], |o| o.field_urls.as_slice());
        url_fields.extend(old_urls.iter().chain(&field_urls).map(|(f, _)| *f));
        for &(f, _) in &field_urls {
            note(&mut self.url_writers, f, m);
        }
        for &c in r.callees.iter().chain(&r.light_callees) {
            note(&mut self.method_readers, c, m);
        }
        for &f in r.fields_read.iter().chain(&r.urls_read) {
            note(&mut self.field_readers, f, m);
        }
        self.outcomes[m] = Some(Box::new(Outcome {
            flows: r.flows,
            field_urls,
            callees: r.callees,
            light_callees: r.light_callees,
            fields_read: r.fields_read,
            urls_read: r.urls_read,
        }));
    }

    fn grow_field(&mut self, f: model::FieldId, v: &Val, changes: &mut Changes) {
        if self.state.fields[f].join(v) && !std::mem::replace(&mut self.changed_fields[f], true) {
            changes.fields.push(f);
        }
    }

    /// A field's URL is the join of its writers' contributions, in method order.
    fn join_field_urls(&mut self, mut url_fields: Vec<model::FieldId>, changes: &mut Changes) {
        url_fields.sort_unstable();
        url_fields.dedup();
        for &f in &url_fields {
            let writers = self.url_writers.entry(f).or_default();
            writers.sort_unstable();
            writers.dedup();
            let mut url: Option<Endpoint> = None;
            let outcomes = &self.outcomes;
            writers.retain(|&w| {
                let own = outcomes[w].as_ref().map_or(&[][..], |o| {
                    let all = o.field_urls.as_slice();
                    let first = all.partition_point(|(g, _)| *g < f);
                    let len = all[first..].partition_point(|(g, _)| *g == f);
                    &all[first..first + len]
                });
                for (_, e) in own {
                    url = Endpoint::join(url.take(), Some(e.clone()));
                }
                !own.is_empty()
            });
            let old = &self.state.field_urls[f];
            if url.as_ref().map(|e| e.class.rank()) != old.as_ref().map(|e| e.class.rank()) {
                self.changed_urls[f] = true;
                changes.urls.push(f);
            }
            self.state.field_urls[f] = url;
        }
    }

    /// The next round's work: what the demand reaches from this round's results, the readers of
    /// what changed, the callers owed a settled summary, and the methods put off.
    fn next_round(&mut self, changes: &Changes) -> Vec<MethodId> {
        let mut next = self.demanded(changes);
        next.extend(self.dependents(changes));
        self.pay_owed_callers(&mut next);
        self.clear(changes);
        next.append(&mut self.put_off);
        next.sort_unstable();
        next.dedup();
        next
    }

    /// With a demand: the methods this round's results reach (callees, the writers and readers
    /// of fields that changed), scheduled once each, and the URL demand passed on.
    fn demanded(&mut self, changes: &Changes) -> Vec<MethodId> {
        let mut next = Vec::new();
        let Some(d) = &self.demand else { return next };
        let (project, model) = (self.project, self.model);
        // (method, whether the URLs it builds matter)
        let mut pending: Vec<(MethodId, bool)> = Vec::new();
        for &m in &changes.analyzed {
            let s = &self.state.summaries[m];
            // Where a value reaches a sink, where the endpoint points matters: everything the
            // method calls or reads a URL from is analyzed for it.
            // Only sinks that send somewhere care where a URL points: a spec's query sinks do
            // not, even if its redirect sinks do.
            let sends = |k: usize| self.spec.sinks[k].endpoint != super::EndpointOf::None;
            let has_flows = self.outcomes[m]
                .as_ref()
                .is_some_and(|o| o.flows.iter().any(|f| sends(f.sink)));
            let sinks = has_flows || s.sinks.iter().any(|p| sends(p.sink)) || !s.deferred.is_empty();
            let [callees, light, _, read] = Outcome::deps(&self.outcomes[m]);
            if self.url_demand[m] || sinks {
                self.url_demand[m] = true;
                pending.extend(callees.iter().chain(light).map(|&c| (c, true)));
                for &f in read {
                    pending.extend(d.around_field(project, model, f).map(|w| (w, true)));
                }
            } else {
                pending.extend(callees.iter().map(|&c| (c, false)));
            }
            let returns_source = s.ret.taint.iter().any(|(o, _)| *o == Origin::Source);
            // A parameter that reaches a sink is reported only if nothing calls the method:
            // its callers decide, so they are analyzed too.
            let opens = self.spec.open_params.is_some()
                && self.changed_methods[m]
                && s.sinks.iter().any(|p| matches!(p.origin, Origin::Param(_)));
            if (opens || self.changed_source[m] && (returns_source || !s.deferred.is_empty()))
                && !std::mem::replace(&mut self.owe_callers[m], true)
            {
                self.owed.push(m);
            }
        }
        let mut fields_changed = changes.fields.clone();
        fields_changed.sort_unstable();
        for &f in &fields_changed {
            pending.extend(d.around_field(project, model, f).map(|r| (r, false)));
        }
        while let Some((m, urls)) = pending.pop() {
            if model.methods[m].is_test {
                continue;
            }
            if !self.scheduled[m] {
                self.scheduled[m] = true;
                next.push(m);
            }
            if urls && !self.url_demand[m] {
                self.url_demand[m] = true;
                // Already analyzed: pass the demand on now; otherwise after its analysis.
                if self.runs[m] > 0 {
                    let [callees, light, _, read] = Outcome::deps(&self.outcomes[m]);
                    pending.extend(callees.iter().chain(light).map(|&c| (c, true)));
                    for &f in read {
                        pending.extend(d.around_field(project, model, f).map(|w| (w, true)));
                    }
                }
            }
        }
        next
    }

    /// The methods that read what changed and must run again, each at most [`MAX_ROUNDS`] times.
    fn dependents(&self, changes: &Changes) -> Vec<MethodId> {
        let mut readers: Vec<MethodId> = Vec::new();
        for &c in &changes.methods {
            readers.extend(self.method_readers.get(&c).into_iter().flatten());
        }
        let mut fields = changes.fields.clone();
        fields.sort_unstable();
        for &f in fields.iter().chain(&changes.urls) {
            readers.extend(self.field_readers.get(&f).into_iter().flatten());
        }
        readers.sort_unstable();
        readers.dedup();
        readers
            .into_iter()
            .filter(|&m| self.scheduled[m] && self.runs[m] > 0 && self.runs[m] < MAX_ROUNDS)
            .filter(|&m| {
                let [callees, light, fields, urls] = Outcome::deps(&self.outcomes[m]);
                callees.iter().any(|&c| self.changed_methods[c])
                    || light.iter().any(|&c| self.changed_source[c])
                    || fields.iter().any(|&f| self.changed_fields[f])
                    || urls.iter().any(|&f| self.changed_urls[f])
            })
            .collect()
    }

    /// Callers of a method whose source summary changed are scheduled once the method has
    /// settled: neither it nor anything it depends on runs next.
    fn pay_owed_callers(&mut self, next: &mut Vec<MethodId>) {
        let Some(d) = &self.demand else { return };
        for &m in next.iter() {
            self.in_next[m] = true;
        }
        let (project, model, outcomes, in_next) = (self.project, self.model, &self.outcomes, &self.in_next);
        let settled = |m: MethodId| {
            let [callees, light, _, _] = Outcome::deps(&outcomes[m]);
            !in_next[m] && !callees.iter().chain(light).any(|&c| in_next[c])
        };
        // Ascending, so that the order of `next` does not depend on hashing.
        self.owed.sort_unstable();
        let (owe_callers, scheduled) = (&mut self.owe_callers, &mut self.scheduled);
        let mut added = Vec::new();
        self.owed.retain(|&m| {
            if !settled(m) {
                return true;
            }
            owe_callers[m] = false;
            for &c in d.mentioning(project, model, &model.methods[m].name).iter() {
                if !model.methods[c].is_test && !scheduled[c] {
                    scheduled[c] = true;
                    added.push(c);
                }
            }
            false
        });
        for &m in next.iter() {
            self.in_next[m] = false;
        }
        next.extend(added);
    }

    fn clear(&mut self, changes: &Changes) {
        for &m in &changes.methods {
            self.changed_methods[m] = false;
            self.changed_source[m] = false;
        }
        for &f in &changes.fields {
            self.changed_fields[f] = false;
        }
        for &f in &changes.urls {
            self.changed_urls[f] = false;
        }
    }

    /// The flows found (deferred ones of entry points included), the methods that return the
    /// source, and the fields' URLs.
    fn finish(self) -> Analysis {
        let n = self.model.methods.len();
        // Deferred flows of methods nobody in the project calls (entry points) stand as they
        // are; callers resolved the others.
        let mut called = vec![false; n];
        for o in self.outcomes.iter().flatten() {
            for &c in o.callees.iter().chain(&o.light_callees) {
                called[c] = true;
            }
        }
        let mut open = self.open_flows(&called);
        open.extend(self.entry_flows());
        let Solver {
            project,
            model,
            state,
            mut outcomes,
            runs,
            ..
        } = self;
        for (m, s) in state.summaries.iter().enumerate() {
            if called[m] || s.deferred.is_empty() {
                continue;
            }
            let flows = &mut outcomes[m].get_or_insert_with(Default::default).flows;
            for d in &s.deferred {
                flows.push(Flow {
                    sink: d.sink,
                    file: d.file,
                    span: d.span.clone(),
                    path: hops(&d.path),
                    endpoint: Some(d.endpoint.clone()),
                });
            }
        }
        let mut out: Vec<Flow> = outcomes.into_iter().flatten().flat_map(|o| o.flows).collect();
        // Per sink, the least trusted destination wins.
        let rank = |f: &Flow| std::cmp::Reverse(f.endpoint.as_ref().map_or(1, |e| e.class.rank()));
        out.sort_by_key(|f| (f.file, f.span.start, f.sink, rank(f)));
        out.dedup_by(|a, b| a.file == b.file && a.span == b.span && a.sink == b.sink);
        // An open parameter's flow is one more only where no source reaches the same sink.
        let found = |f: &Flow| {
            out.binary_search_by_key(&(f.file, f.span.start, f.sink), |o| (o.file, o.span.start, o.sink))
                .is_ok()
        };
        let open: Vec<Flow> = open.into_iter().filter(|f| !found(f)).collect();
        out.extend(open);
        let first = |f: &Flow| f.path.first().map(|h| h.span.start);
        out.sort_by_key(|f| (f.file, f.span.start, f.sink, first(f)));
        Analysis {
            flows: out,
            returns: returns(project, model, &state.summaries),
            field_urls: field_urls(model, &state),
            analyzed: runs.iter().filter(|&&r| r > 0).count(),
            runs: runs.iter().sum(),
            scripts: std::sync::OnceLock::new(),
        }
    }
}

impl Solver<'_, '_> {
    /// A reach spec's flows: per entry, every sink it reaches (one way each), from the entry.
    fn entry_flows(&self) -> Vec<Flow> {
        let (project, model) = (self.project, self.model);
        let mut out = Vec::new();
        for entry in &self.entries {
            let m = &entry.method;
            let method = &model.methods[*m];
            let span = if method.name_span.is_empty() {
                // An initializer: its first line.
                model.body(*m).map_or(0..0, |b| {
                    let r = b.byte_range();
                    let text = &project.files[method.file].text;
                    let end = text
                        .get(r.clone())
                        .and_then(|t| t.find('\n'))
                        .map_or(r.end, |i| r.start + i);
                    r.start..end
                })
            } else {
                method.name_span.start as usize..method.name_span.end as usize
            };
            for p in &self.state.summaries[*m].sinks {
                if p.origin != Origin::Always || entry.own_body && p.path.is_some() {
                    continue;
                }
                let first = super::Hop {
                    file: method.file,
                    span: span.clone(),
                    note: entry.note.clone(),
                };
                out.push(flow_from(first, p));
            }
        }
        out
    }

    /// The flows from parameters of methods nothing calls (see [`super::OpenParams`]), one per
    /// parameter and sink. `called`: the methods an analyzed method calls.
    fn open_flows(&self, called: &[bool]) -> Vec<Flow> {
        let Some(open) = self.spec.open_params else {
            return Vec::new();
        };
        let (project, model) = (self.project, self.model);
        let mut out = Vec::new();
        for (m, s) in self.state.summaries.iter().enumerate() {
            let method = &model.methods[m];
            if s.sinks.is_empty()
                || method.is_test
                || !method.is_visible
                || !matches!(method.kind, model::MethodKind::Method | model::MethodKind::Constructor)
                || self.spec.param_sources.is_some_and(|entry| entry(model, m).is_some())
                || !model.classes[method.class].supertypes.is_empty() && open.platform_calls.contains(&&*method.name)
            {
                continue;
            }
            let is_called = match &self.demand {
                Some(d) => d.mentioning(project, model, &method.name).iter().any(|&c| c != m),
                None => called[m],
            };
            if is_called {
                continue;
            }
            let src = project.files[method.file].text.as_str();
            for p in &s.sinks {
                let Origin::Param(i) = p.origin else { continue };
                let Some(param) = method.params.get(usize::from(i)) else {
                    continue;
                };
                let ty = param.ty.as_deref().unwrap_or("");
                if !open.types.contains(&ty.rsplit('.').next().unwrap_or(ty)) {
                    continue;
                }
                let first = super::Hop {
                    file: method.file,
                    span: param.span.start as usize..param.span.end as usize,
                    note: format!("`{}` {}", param.display(src), open.note),
                };
                out.push(flow_from(first, p));
            }
        }
        // One flow per value put into the sink: parameters joined into one local before it
        // are one finding, parameters spliced in side by side are one each.
        let last = |f: &Flow| f.path.last().map(|h| (h.file, h.span.start));
        out.sort_by_key(|f| (f.file, f.span.start, f.sink, last(f)));
        out.dedup_by(|a, b| (a.file, a.span.start, a.sink, last(a)) == (b.file, b.span.start, b.sink, last(b)));
        out
    }
}

/// A summary's sink as a flow that starts at `first` (an entry, an open parameter).
fn flow_from(first: super::Hop, p: &super::ParamSink) -> Flow {
    let mut path = vec![first];
    path.extend(hops(&p.path));
    Flow {
        sink: p.sink,
        file: p.file,
        span: p.span.clone(),
        path,
        endpoint: p.endpoint.clone(),
    }
}

/// The non-test methods that return the source, with the path to their return.
fn returns(project: &Project, model: &Model<'_>, summaries: &Summaries) -> Vec<Returns> {
    model
        .methods
        .iter()
        .zip(summaries.iter())
        .filter(|(m, _)| m.kind == model::MethodKind::Method && !m.is_test)
        .filter_map(|(m, s)| {
            let (_, path) = s.ret.taint.iter().find(|(o, _)| *o == Origin::Source)?;
            Some(Returns {
                class: model.classes[m.class].key.clone(),
                method: m.name.to_string(),
                display: format!(
                    "{}.{}",
                    model.classes[m.class].name,
                    m.display(&project.files[m.file].text)
                ),
                path: hops(path),
            })
        })
        .collect()
}

/// Every field whose URL is known: (class key, field name, where it points).
fn field_urls(model: &Model<'_>, state: &State) -> Vec<(String, String, super::url::UrlClass)> {
    state
        .field_urls
        .iter()
        .enumerate()
        .filter_map(|(f, e)| {
            let e = e.as_ref()?;
            let field = &model.fields[f];
            Some((
                model.classes[field.class].key.clone(),
                field.name.clone(),
                e.class.clone(),
            ))
        })
        .collect()
}
