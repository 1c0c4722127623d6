//! Taint tracking for Apex, reusable by any lint that can say what its sources, sinks and
//! sanitizers are.
//!
//! A lint declares a [`Spec`] (data, no code beyond an optional custom source matcher) and calls
//! [`analyze`]; it gets back every [`Flow`] from a source to a sink, with the path.
//!
//! How it works:
//! - **Within a method** the analysis is flow-insensitive: a local holds the join of every value
//!   assigned to it, and the body is re-walked until nothing changes. Values carry where their
//!   taint came from ([`Origin`]): a source, a parameter, or the receiver (`this`).
//! - **Objects** are field-insensitive: `req.setHeader(.., t)` or `stub.header.sessionId = t`
//!   taints `req` or `stub` as a whole; collections likewise (`add`, `put`, literals).
//! - **Across methods and classes**, every method gets a summary: which origins its return value
//!   carries, which of its parameters reach a sink (with the path inside), and which parameters
//!   it stores into fields. Call sites apply the callee's summary. Fields (static or instance)
//!   hold one value per declaration, shared by all instances.
//! - **Termination**: taint only grows, each value keeps the first path per origin, and each
//!   method is analyzed at most [`MAX_ROUNDS`] times; after its first analysis a method is
//!   re-analyzed only when a callee or a field it read changed. The argument is in [`solve`],
//!   the fixpoint's own module, in phases over one state struct.
//! - **On demand**: with [`Spec::source_hints`], only methods a source's value can reach are
//!   analyzed (see [`Demand`]); a large project whose sources sit in a few classes costs little.
//! - **Callees first**: before methods are analyzed for the first time, the never-analyzed
//!   methods their text calls as `Class.method(...)` are analyzed, one round earlier. A utility
//!   that a thousand callers use (`Org.base()`) would otherwise be found through their analyses
//!   and make every one of them run again (`bench/NOTES.md#callees-first`).
//! - Test code (`@IsTest` classes and methods) is not analyzed.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use rayon::prelude::*;

use crate::diagnostics::finding::FileId;
use crate::workspace::kind::FileKind;
use crate::workspace::project::Project;

pub(crate) mod apex;
pub(crate) mod hot;
pub(crate) mod js;
pub(crate) mod markup;
pub(crate) mod model;
mod solve;
mod spec;
pub(crate) mod url;

pub(crate) use spec::*;

use model::MethodId;
pub(crate) use model::Model;
use url::Endpoint;

/// Analyses of one method; a longer chain of summary changes is cut off.
pub(crate) const MAX_ROUNDS: usize = 12;

/// One step of a path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Hop {
    pub file: FileId,
    pub span: Range<usize>,
    pub note: String,
}

/// A tainted value reaching a sink.
#[derive(Clone, Debug)]
pub(crate) struct Flow {
    /// Index into [`Spec::sinks`].
    pub sink: usize,
    pub file: FileId,
    /// The sink expression.
    pub span: Range<usize>,
    /// From the source to the last step before the sink.
    pub path: Vec<Hop>,
    pub endpoint: Option<Endpoint>,
}

/// Who mentions what, for demand-driven analysis: with [`Spec::source_hints`], analysis starts
/// at the methods that contain a hint and spreads only where a value can travel.
///
/// - **Down**: every method an analyzed method calls is analyzed (its summary says whether an
///   argument reaches a sink and where a returned URL points).
/// - **Up**: a method whose summary starts to return a source (or to leave a flow for its caller
///   to decide) makes every method that mentions its name analyzed; so does a field that starts
///   to hold a source, for the methods that mention the field.
/// - **Sideways**: a field an analyzed method reads makes the methods that mention it, its
///   class's initializers and its getter analyzed (where its value and URL come from).
///
/// "Mentions" is textual (an identifier in the method's body), so it over-approximates calls
/// through any receiver. Visualforce pages that contain a hint make every method of their
/// controllers a start.
struct Demand {
    /// The methods that mention a name, by the names asked so far (see [`Demand::mentioning`]).
    asked: std::cell::RefCell<HashMap<String, std::rc::Rc<[MethodId]>>>,
    /// Built once more than [`DIRECT_SEARCHES`] names are asked: most scans never propagate
    /// upwards or sideways, and most that do ask about a few names.
    index: std::cell::OnceCell<MentionIndex>,
    /// Per class: its initializers (field initializers, static blocks).
    inits: Vec<Vec<MethodId>>,
    /// Per field: its getter.
    getters: Vec<Option<MethodId>>,
    seeds: Vec<MethodId>,
    /// Methods of Visualforce controllers: the page reads their fields' URLs.
    url_seeds: Vec<MethodId>,
}

struct MentionIndex {
    /// Lower-cased method, field and class names to name ids. Looked up once per identifier of
    /// every body: a fast hash (SipHash was most of the tokenizing's cost), never iterated.
    names: HashMap<Vec<u8>, usize, foldhash::fast::FixedState>,
    /// Per name id: the methods whose body mentions it, ascending; test methods left out.
    postings: Vec<Vec<MethodId>>,
}

/// `Class.method(`, with both names captured.
pub(crate) static STATIC_CALL: std::sync::LazyLock<Option<regex::bytes::Regex>> = std::sync::LazyLock::new(|| {
    regex::bytes::Regex::new(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(").ok()
});

/// Methods that the never-analyzed methods of `work` call as `Class.method(...)` and that are
/// not analyzed yet: analyzing them first spares their callers a second analysis. Found by
/// text, so a few more may be named than are called; none is missed that the demand needs
/// later (it would be analyzed then).
fn static_callees_first(
    project: &Project,
    model: &Model<'_>,
    work: &[MethodId],
    runs: &[usize],
    scheduled: &[bool],
    scanned: &mut [bool],
) -> Vec<MethodId> {
    let Some(call) = STATIC_CALL.as_ref() else {
        return Vec::new();
    };
    // A put-off method comes back in the next batch: its text was read already.
    let todo: Vec<MethodId> = work
        .iter()
        .copied()
        .filter(|&m| runs[m] == 0 && !std::mem::replace(&mut scanned[m], true))
        .collect();
    // In parallel: a large batch's texts took milliseconds while the other core waited.
    let mut out: Vec<MethodId> = todo
        .par_iter()
        .flat_map_iter(|&m| {
            let mut found = Vec::new();
            let Some(body) = body_bytes(project, model, m) else {
                return found;
            };
            for c in call.captures_iter(body) {
                let (Some(class), Some(name)) = (c.get(1), c.get(2)) else {
                    continue;
                };
                let (Ok(class), Ok(name)) = (
                    std::str::from_utf8(class.as_bytes()),
                    std::str::from_utf8(name.as_bytes()),
                ) else {
                    continue;
                };
                let Some(cid) = model.resolve_class(class, Some(model.methods[m].class)) else {
                    continue;
                };
                for &t in model.members_named(cid, &name.to_ascii_lowercase()) {
                    if runs[t] == 0 && !scheduled[t] && !model.methods[t].is_test {
                        found.push(t);
                    }
                }
            }
            found
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The body text of method `m`, if it has one.
pub(crate) fn body_bytes<'p>(project: &'p Project, model: &Model<'_>, m: MethodId) -> Option<&'p [u8]> {
    project.files[model.methods[m].file]
        .text
        .as_bytes()
        .get(model.body(m)?.byte_range())
}

/// How many names [`Demand::mentioning`] searches the bodies for before it indexes them all.
/// A search costs about a sixth of the index (4 against 25 instructions per byte of the
/// bodies). A 5,000-class project's scan asks about two names; of 18 public repositories, 13
/// ask about none, two about three, three about 10 to 38.
const DIRECT_SEARCHES: usize = 4;

/// Whether a word-character run of `bytes` makes a token of `start..end`, as
/// [`MentionIndex::build`] splits words: it runs to the end of the run, and it starts at the
/// run's first letter or underscore (`9abc` holds the token `abc`, `x9abc` none but itself).
fn is_token(bytes: &[u8], start: usize, end: usize) -> bool {
    !bytes.get(end).is_some_and(is_word)
        && bytes[..start]
            .iter()
            .rev()
            .take_while(|b| is_word(b))
            .all(u8::is_ascii_digit)
}

/// A byte of an Apex identifier, as the mention index reads them (ASCII only).
fn is_word(b: &u8) -> bool {
    crate::syntax::apex::is_word_byte(*b)
}

/// [`MentionIndex`]'s posting for `name`, found by searching every non-test body for it.
fn search_mentions(project: &Project, model: &Model<'_>, name: &str) -> Vec<MethodId> {
    // No token is `<init>` or `get x` (an initializer's or a getter's name).
    if !name
        .as_bytes()
        .first()
        .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
        || !name.as_bytes().iter().all(is_word)
    {
        return Vec::new();
    }
    let Some(finder) = crate::syntax::apex::words_matcher([name]) else {
        return Vec::new();
    };
    (0..model.methods.len())
        .into_par_iter()
        .filter(|&m| !model.methods[m].is_test)
        .filter(|&m| {
            let bytes = body_bytes(project, model, m).unwrap_or_default();
            finder
                .find_overlapping_iter(bytes)
                .any(|f| is_token(bytes, f.start(), f.end()))
        })
        .collect()
}

impl MentionIndex {
    fn build(project: &Project, model: &Model<'_>) -> Self {
        let mut names: HashMap<Vec<u8>, usize, foldhash::fast::FixedState> = HashMap::default();
        let classes = model.classes.iter().map(|c| c.name.to_ascii_lowercase().into_bytes());
        for name in model
            .methods
            .iter()
            .map(|m| m.name.as_bytes().to_vec())
            .chain(model.fields.iter().map(|f| f.name.as_bytes().to_vec()))
            .chain(classes)
        {
            let next = names.len();
            names.entry(name).or_insert(next);
        }
        // Per method, the name ids its body mentions; tokenized in parallel. Test methods are
        // left out: the analysis never schedules them.
        let mentions: Vec<Vec<usize>> = (0..model.methods.len())
            .into_par_iter()
            .map_init(Vec::new, |word: &mut Vec<u8>, m| {
                let mut seen = Vec::new();
                if model.methods[m].is_test {
                    return seen;
                }
                let bytes = body_bytes(project, model, m).unwrap_or_default();
                let mut i = 0;
                while i < bytes.len() {
                    if bytes[i].is_ascii_alphabetic() || bytes[i] == b'_' {
                        let start = i;
                        while i < bytes.len() && is_word(&bytes[i]) {
                            i += 1;
                        }
                        word.clear();
                        word.extend(bytes[start..i].iter().map(u8::to_ascii_lowercase));
                        if let Some(&n) = names.get(word.as_slice()) {
                            seen.push(n);
                        }
                    } else {
                        i += 1;
                    }
                }
                seen.sort_unstable();
                seen.dedup();
                seen
            })
            .collect();
        let mut postings: Vec<Vec<MethodId>> = vec![Vec::new(); names.len()];
        for (m, seen) in mentions.into_iter().enumerate() {
            for n in seen {
                postings[n].push(m);
            }
        }
        MentionIndex { names, postings }
    }
}

/// Whether a text contains one of `hints`, in any case (Unicode's simple case folding).
fn hint_matcher<'h>(hints: &'h [&'h str]) -> Option<impl Fn(&[u8]) -> bool + Sync + 'h> {
    // `(?i)` also folds `ſ` into `s` and `K` into `k`, which only non-ASCII text can hold:
    // ASCII text gets the same answer from an automaton, several times faster. The regex set
    // is compiled only for a non-ASCII text: its Unicode case classes took a third of a
    // one-file scan's time.
    let ascii = crate::syntax::apex::words_matcher(hints)?;
    let exact = std::sync::OnceLock::new();
    Some(move |text: &[u8]| {
        if text.is_ascii() {
            return ascii.is_match(text);
        }
        exact
            .get_or_init(|| regex::bytes::RegexSet::new(hints.iter().map(|h| format!("(?i){}", regex::escape(h)))).ok())
            .as_ref()
            .is_some_and(|set| set.is_match(text))
    })
}

impl Demand {
    /// `entries`: a reach spec's entries (see [`Spec::reach`]), seeds like the hinted methods.
    fn build(project: &Project, model: &Model<'_>, spec: &Spec, entries: &[MethodId]) -> Option<Self> {
        if spec.source_hints.is_empty() && spec.reach.is_none() {
            return None;
        }
        let hinted_text = match spec.source_hints {
            [] => None,
            hints => Some(hint_matcher(hints)?),
        };
        let hinted_text = |text: &[u8]| hinted_text.as_ref().is_some_and(|h| h(text));
        let sink_text = match spec.open_params {
            Some(open) => Some(hint_matcher(open.sink_hints)?),
            None => None,
        };
        let mut inits: Vec<Vec<MethodId>> = vec![Vec::new(); model.classes.len()];
        let mut getters: Vec<Option<MethodId>> = vec![None; model.fields.len()];
        for (id, m) in model.methods.iter().enumerate() {
            match m.kind {
                model::MethodKind::Init => inits[m.class].push(id),
                model::MethodKind::Getter(f) => getters[f] = Some(id),
                _ => {}
            }
        }
        // Files first: most contain no hint, and one search per file is cheap. Only Apex (the
        // methods') and Visualforce (the controllers') texts are asked about.
        let hinted: Vec<bool> = project
            .files
            .par_iter()
            .map(|f| matches!(f.kind, FileKind::Apex | FileKind::Visualforce) && hinted_text(f.text.as_bytes()))
            .collect();
        let mut seeds: Vec<MethodId> = (0..model.methods.len())
            .into_par_iter()
            .filter(|&m| {
                let body = || body_bytes(project, model, m);
                (hinted[model.methods[m].file] && body().is_some_and(&hinted_text))
                    || spec.param_sources.is_some_and(|entry| entry(model, m).is_some())
                    || sink_text.as_ref().is_some_and(|sinks| body().is_some_and(sinks))
            })
            .collect();
        let mut url_seeds: Vec<MethodId> = Vec::new();
        for (f, file) in project.files.iter().enumerate() {
            if file.kind == FileKind::Visualforce && hinted[f] {
                for c in crate::syntax::vf::controllers(&file.text) {
                    for class in model.top_level_classes(&c) {
                        url_seeds.extend(&model.classes[class].methods);
                    }
                }
            }
        }
        seeds.extend(&url_seeds);
        seeds.extend(entries.iter().filter(|&&m| !model.methods[m].is_test));
        seeds.sort_unstable();
        seeds.dedup();
        Some(Demand {
            asked: std::cell::RefCell::default(),
            index: std::cell::OnceCell::new(),
            inits,
            getters,
            seeds,
            url_seeds,
        })
    }

    /// The non-test methods whose body mentions `name` (lower-cased), ascending. `name` is a
    /// method, field or class name of the model: the index holds those only.
    fn mentioning(&self, project: &Project, model: &Model<'_>, name: &str) -> std::rc::Rc<[MethodId]> {
        if let Some(found) = self.asked.borrow().get(name) {
            return found.clone();
        }
        let found: std::rc::Rc<[MethodId]> = if self.asked.borrow().len() < DIRECT_SEARCHES {
            search_mentions(project, model, name).into()
        } else {
            let index = self.index.get_or_init(|| MentionIndex::build(project, model));
            index
                .names
                .get(name.as_bytes())
                .map_or(&[][..], |&n| &index.postings[n])
                .into()
        };
        self.asked.borrow_mut().insert(name.to_string(), found.clone());
        found
    }

    /// Methods that may read or write field `f`: those that mention its name, in its own file
    /// or next to its class's name; its class's initializers; its getter.
    fn around_field<'a>(
        &'a self,
        project: &Project,
        model: &'a Model<'_>,
        f: model::FieldId,
    ) -> impl Iterator<Item = MethodId> + 'a {
        let field = &model.fields[f];
        let class = &model.classes[field.class];
        let with_class = self.mentioning(project, model, &class.name.to_ascii_lowercase());
        let named = self.mentioning(project, model, &field.name);
        (0..named.len())
            .map(move |i| named[i])
            .filter(move |&m| model.methods[m].file == class.file || with_class.binary_search(&m).is_ok())
            .chain(self.inits[field.class].iter().copied())
            .chain(self.getters[f])
    }
}

/// A project method whose return value carries a source: a source at its call sites in other
/// languages too (LWC `@salesforce/apex/Class.method` imports, Aura `c.method` actions).
#[derive(Clone, Debug)]
pub(crate) struct Returns {
    /// Lower-cased class key (`outer.inner`) and method name.
    pub class: String,
    pub method: String,
    /// As written: `OrgSession.sessionForLwc`.
    pub display: String,
    /// From the source to the method's `return`.
    pub path: Vec<Hop>,
}

#[derive(Default)]
pub(crate) struct Analysis {
    pub flows: Vec<Flow>,
    pub returns: Vec<Returns>,
    /// `(class key, field name, where it points)` for every field assigned a URL-like value
    /// by an analyzed method, both lower-case; Visualforce merge fields resolve through it (on
    /// demand, the controllers of pages that contain a source hint are always analyzed).
    pub field_urls: Vec<(String, String, url::UrlClass)>,
    /// How many methods were analyzed at least once (tests bound the work with it).
    #[cfg_attr(not(test), expect(dead_code, reason = "a measure of the work, read by tests"))]
    pub analyzed: usize,
    /// How many analyses ran in all (a method analyzed again counts again).
    #[cfg_attr(not(test), expect(dead_code, reason = "a measure of the work, read by tests"))]
    pub runs: usize,
    /// The flows through scripts, computed on first use ([`Analysis::script_flows`]).
    scripts: std::sync::OnceLock<Vec<js::ScriptFlow>>,
}

impl Analysis {
    /// The flows through the project's scripts from this analysis's sources (see [`js`]),
    /// computed once, by the first lint that asks: a scan without such a lint skips them.
    pub(crate) fn script_flows(&self, project: &Project, spec: &js::ScriptSpec) -> &[js::ScriptFlow] {
        self.scripts.get_or_init(|| js::analyze(project, self, spec))
    }

    /// The method `class.method` (case-insensitive) if it returns a source.
    pub(crate) fn returning(&self, class: &str, method: &str) -> Option<&Returns> {
        self.returns
            .iter()
            .find(|r| r.class.eq_ignore_ascii_case(class) && r.method.eq_ignore_ascii_case(method))
    }

    /// Where the field (or property) `class.field` points, if anything was assigned to it.
    pub(crate) fn field_url(&self, class: &str, field: &str) -> Option<&url::UrlClass> {
        self.field_urls
            .iter()
            .find(|(c, f, _)| c.eq_ignore_ascii_case(class) && f.eq_ignore_ascii_case(field))
            .map(|(_, _, u)| u)
    }
}

/// Where a value's taint came from, as seen inside one method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Origin {
    Source,
    Param(u16),
    Receiver,
    /// Whenever the method runs: a sink reached whatever the values (see [`Spec::reach`]).
    Always,
}

/// A path as a shared, backwards-linked list: extending it is O(1).
pub(crate) type Path = Option<Arc<Step>>;

#[derive(Debug)]
pub(crate) struct Step {
    hop: Hop,
    prev: Path,
    /// Hops up to and including this one.
    len: u32,
}

pub(crate) fn extend(path: &Path, hop: Hop) -> Path {
    Some(Arc::new(Step {
        hop,
        len: path_len(path).saturating_add(1),
        prev: path.clone(),
    }))
}

/// How many hops `path` has.
pub(crate) fn path_len(path: &Path) -> u32 {
    path.as_ref().map_or(0, |s| s.len)
}

/// The most hops a path joined across calls keeps: its first ones (the source's side) and
/// its last ones (the sink's). Each call a value passes through copies its callee's path, so
/// without a bound a long chain holds paths of every length up to its own
/// (bench/NOTES.md#joined-hops).
pub(crate) const MAX_JOINED_HOPS: u32 = 100;

/// `a` followed by the hops of `b`; past [`MAX_JOINED_HOPS`] the middle of the two is left
/// out.
pub(crate) fn concat(a: &Path, b: &Path) -> Path {
    let (la, lb) = (path_len(a), path_len(b));
    let (keep_a, keep_b) = if la.saturating_add(lb) <= MAX_JOINED_HOPS {
        (la, lb)
    } else {
        // The sink's side keeps at least half, or all that the source's side leaves room for.
        let keep_b = lb.min((MAX_JOINED_HOPS / 2).max(MAX_JOINED_HOPS.saturating_sub(la)));
        (MAX_JOINED_HOPS - keep_b, keep_b)
    };
    let mut tail = Vec::with_capacity(keep_b as usize);
    let mut cur = b.as_ref();
    while let Some(s) = cur.filter(|_| tail.len() < keep_b as usize) {
        tail.push(s.hop.clone());
        cur = s.prev.as_ref();
    }
    let mut out = if keep_a == la {
        a.clone()
    } else {
        hops(a)
            .into_iter()
            .take(keep_a as usize)
            .fold(None, |p, hop| extend(&p, hop))
    };
    for hop in tail.into_iter().rev() {
        out = extend(&out, hop);
    }
    out
}

/// The first hop of a path (the source's), if any.
pub(crate) fn first_hop(path: &Path) -> Option<&Hop> {
    let mut cur = path.as_ref()?;
    while let Some(prev) = cur.prev.as_ref() {
        cur = prev;
    }
    Some(&cur.hop)
}

pub(crate) fn hops(path: &Path) -> Vec<Hop> {
    let mut out = Vec::new();
    let mut cur = path.as_ref();
    while let Some(s) = cur {
        out.push(s.hop.clone());
        cur = s.prev.as_ref();
    }
    out.reverse();
    out
}

/// A value as the analysis sees it: its origins (first path each) and, for requests and
/// stubs, the endpoint recorded on it.
#[derive(Clone, Default, Debug)]
pub(crate) struct Val {
    pub taint: Vec<(Origin, Path)>,
    pub endpoint: Option<Endpoint>,
    /// For a map (or what a map is read from): the string keys the taint is held under, when
    /// every one is known (`m.put('sid', s)`, a page whose JSON holds the session under `sid`);
    /// `None` when any key may hold it. `m.get('other')` is then clean. Keys only widen.
    pub keys: Option<Vec<String>>,
}

impl Val {
    pub(crate) fn is_tainted(&self) -> bool {
        !self.taint.is_empty()
    }

    pub(crate) fn source(path: Path) -> Val {
        Val {
            taint: vec![(Origin::Source, path)],
            endpoint: None,
            keys: None,
        }
    }

    /// Whether a read of string key `key` may yield the taint.
    pub(crate) fn may_hold(&self, key: &str) -> bool {
        self.keys
            .as_ref()
            .is_none_or(|ks| ks.iter().any(|k| k.eq_ignore_ascii_case(key)))
    }

    pub(crate) fn has(&self, o: Origin) -> bool {
        self.taint.iter().any(|(x, _)| *x == o)
    }

    /// Adds what `other` has that `self` lacks; true if anything was added.
    pub(crate) fn join(&mut self, other: &Val) -> bool {
        let mut changed = false;
        if other.is_tainted() {
            if !self.is_tainted() {
                self.keys.clone_from(&other.keys);
            } else if let Some(mine) = &mut self.keys {
                match &other.keys {
                    None => {
                        self.keys = None;
                        changed = true;
                    }
                    Some(theirs) => {
                        for k in theirs {
                            if !mine.iter().any(|m| m.eq_ignore_ascii_case(k)) {
                                mine.push(k.clone());
                                changed = true;
                            }
                        }
                    }
                }
            }
        }
        for (o, p) in &other.taint {
            if !self.has(*o) {
                self.taint.push((*o, p.clone()));
                changed = true;
            }
        }
        if let Some(e) = &other.endpoint {
            let better = self
                .endpoint
                .as_ref()
                .is_none_or(|mine| e.class.rank() > mine.class.rank());
            if better {
                self.endpoint = Some(e.clone());
                changed = true;
            }
        }
        changed
    }

    pub(crate) fn with_hop(&self, hop: impl Fn() -> Hop) -> Val {
        if self.taint.is_empty() {
            return self.clone();
        }
        let h = hop();
        Val {
            taint: self.taint.iter().map(|(o, p)| (*o, extend(p, h.clone()))).collect(),
            endpoint: self.endpoint.clone(),
            keys: self.keys.clone(),
        }
    }
}

/// A parameter (or the receiver) of a method reaching a sink inside it.
#[derive(Clone, Debug)]
pub(crate) struct ParamSink {
    pub origin: Origin,
    pub sink: usize,
    pub file: FileId,
    pub span: Range<usize>,
    /// From the parameter to the last step before the sink.
    pub path: Path,
    pub endpoint: Option<Endpoint>,
}

/// A source that reaches a sink inside a method whose endpoint is one of the method's
/// parameters: each caller decides the endpoint from its argument.
#[derive(Clone, Debug)]
pub(crate) struct Deferred {
    pub param: u16,
    pub sink: usize,
    pub file: FileId,
    pub span: Range<usize>,
    pub path: Path,
    pub endpoint: Endpoint,
}

#[derive(Clone, Default, Debug)]
pub(crate) struct Summary {
    pub ret: Val,
    pub deferred: Vec<Deferred>,
    /// How the returned value's URL is classified, for callers that build endpoints from it.
    pub ret_url: Option<Endpoint>,
    pub sinks: Vec<ParamSink>,
    /// A parameter (or receiver) stored into a field.
    pub field_writes: Vec<(model::FieldId, Origin, Path)>,
}

impl Summary {
    /// What callers depend on; paths are not part of it (the first one wins).
    fn key(&self) -> SummaryKey {
        let mut ret: Vec<Origin> = self.ret.taint.iter().map(|(o, _)| *o).collect();
        ret.sort_unstable();
        let mut sinks: Vec<(Origin, usize, FileId, usize, Option<u8>)> = self
            .sinks
            .iter()
            .map(|s| {
                (
                    s.origin,
                    s.sink,
                    s.file,
                    s.span.start,
                    s.endpoint.as_ref().map(|e| e.class.rank()),
                )
            })
            .collect();
        sinks.sort_unstable();
        let mut writes: Vec<(usize, Origin)> = self.field_writes.iter().map(|(f, o, _)| (*f, *o)).collect();
        writes.sort_unstable();
        let mut deferred: Vec<(u16, usize, FileId, usize)> = self
            .deferred
            .iter()
            .map(|d| (d.param, d.sink, d.file, d.span.start))
            .collect();
        deferred.sort_unstable();
        let ret_keys = self.ret.keys.as_ref().map(|ks| {
            let mut ks: Vec<String> = ks.iter().map(|k| k.to_ascii_lowercase()).collect();
            ks.sort_unstable();
            ks.dedup();
            ks
        });
        SummaryKey {
            ret,
            ret_keys,
            ret_endpoint: self.ret.endpoint.as_ref().map(|e| e.class.rank()),
            ret_url: self.ret_url.as_ref().map(|e| e.class.rank()),
            sinks,
            writes,
            deferred,
        }
    }

    /// The part a caller depends on even when it passes no tainted argument: a returned
    /// source, where returned URLs and requests point, and flows decided by the caller's
    /// endpoint argument.
    fn source_key(&self) -> SourceKey {
        let k = self.key();
        (
            k.ret.contains(&Origin::Source),
            k.ret_keys,
            k.ret_endpoint,
            k.ret_url,
            k.deferred,
        )
    }
}

/// See [`Summary::source_key`]: returns a source (under which keys), endpoint and URL ranks,
/// deferred flows.
type SourceKey = (
    bool,
    Option<Vec<String>>,
    Option<u8>,
    Option<u8>,
    Vec<(u16, usize, FileId, usize)>,
);

#[derive(PartialEq, Eq)]
struct SummaryKey {
    ret: Vec<Origin>,
    ret_keys: Option<Vec<String>>,
    ret_endpoint: Option<u8>,
    ret_url: Option<u8>,
    sinks: Vec<(Origin, usize, FileId, usize, Option<u8>)>,
    writes: Vec<(usize, Origin)>,
    deferred: Vec<(u16, usize, FileId, usize)>,
}

/// What one analysis of one method produced.
#[derive(Default)]
pub(crate) struct MethodResult {
    pub summary: Summary,
    /// Tainted values (origin: a source) stored into fields.
    pub field_writes: Vec<(model::FieldId, Val)>,
    pub flows: Vec<Flow>,
    /// Callees passed a tainted argument or receiver: their whole summary matters.
    pub callees: Vec<MethodId>,
    /// Callees passed nothing tainted: only their [`Summary::source_key`] part matters.
    pub light_callees: Vec<MethodId>,
    pub fields_read: Vec<model::FieldId>,
    /// Fields whose URL class the analysis used.
    pub urls_read: Vec<model::FieldId>,
    /// Where values assigned to fields point.
    pub field_urls: Vec<(model::FieldId, Endpoint)>,
}

/// Per method, its summary; the empty one until it is analyzed. Most methods never are: a
/// boxed summary only for those keeps a large project's state small
/// (bench/NOTES.md#boxed-summaries).
pub(crate) struct Summaries(Vec<Option<Box<Summary>>>);

static EMPTY_SUMMARY: std::sync::LazyLock<Summary> = std::sync::LazyLock::new(Summary::default);

impl Summaries {
    fn new(n: usize) -> Self {
        Summaries(std::iter::repeat_with(|| None).take(n).collect())
    }

    fn set(&mut self, m: MethodId, s: Summary) {
        self.0[m] = Some(Box::new(s));
    }

    fn iter(&self) -> impl Iterator<Item = &Summary> {
        self.0.iter().map(|s| s.as_deref().unwrap_or(&EMPTY_SUMMARY))
    }
}

impl std::ops::Index<MethodId> for Summaries {
    type Output = Summary;

    fn index(&self, m: MethodId) -> &Summary {
        self.0[m].as_deref().unwrap_or(&EMPTY_SUMMARY)
    }
}

/// The state shared by every method analysis of one round.
pub(crate) struct State {
    pub summaries: Summaries,
    /// Per field: the join of every source-tainted value stored in it.
    pub fields: Vec<Val>,
    /// Per field: where the values assigned to it point, joined.
    pub field_urls: Vec<Option<Endpoint>>,
    /// Per method, for a reach spec: whether it settles what it reaches ([`Reach::settles`]).
    pub settled: Vec<bool>,
}

/// Runs `spec` over every non-test method of the project (see [`solve`] for how, and why it
/// ends).
pub(crate) fn analyze(project: &Project, model: &Model<'_>, spec: &Spec) -> Analysis {
    solve::analyze(project, model, spec)
}

#[cfg(test)]
mod tests;
