//! Discovery -> parse once -> lints (dispatched by metadata type and Apex node kind, in
//! parallel over files) -> suppressions -> severities -> findings in a deterministic order.
//! Also what a scan keeps of each tree ([`ScanKeep`]), the result [`cache`] and
//! [`suppress`]ion directives.

pub(crate) mod cache;
pub(crate) mod memo;
pub(crate) mod suppress;

use std::collections::HashMap;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::dataflow::hot::HotBodies;
use crate::dataflow::model::Decls;
use crate::dataflow::{self, Analysis, Model, Spec};
use crate::diagnostics::finding::{FileId, Finding};
use crate::diagnostics::progress::{Phase, Progress};
use crate::diagnostics::rules;
use crate::engine::cache::Cache;
use crate::lints::{Ctx, LINTS, Lint};
use crate::semantic::oauth::OauthIndex;
use crate::syntax::apex;
use crate::workspace::clock::Clock;
use crate::workspace::config::{Config, ConfigError};
use crate::workspace::discovery;
use crate::workspace::discovery::Sources;
use crate::workspace::kind::MetaType;
use crate::workspace::project::{self, ApexVisit, Parsed, ParsedProject, Project, SourceFile, Unparsed};
use suppress::Directive;

pub struct ScanRequest {
    /// Files or folders; empty means the current directory.
    pub paths: Vec<PathBuf>,
    pub cwd: PathBuf,
    pub config: Config,
    /// Unix seconds.
    pub now: i64,
}

/// A finished scan: its findings, and the files they point into.
pub struct Scan {
    pub(crate) project: Project,
    /// Sorted by (path, offset, rule, ...); suppressed findings included.
    pub findings: Vec<Finding>,
    pub elapsed: Duration,
    /// The instants (Unix seconds, inclusive) at which a scan of the same files would find the
    /// same: only date-dependent rules (certificate expiry) narrow it.
    pub valid: (i64, i64),
    /// Whether findings were compared with a baseline (`check --baseline`): each finding's
    /// `known` says whether the baseline has it.
    pub compared_with_baseline: bool,
}

impl Scan {
    /// Findings that count: not suppressed, and not known from a baseline.
    pub fn active(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.suppression.is_none() && !f.known)
    }

    /// How many files the scan read (or tried to: an unreadable one counts).
    pub fn files_read(&self) -> usize {
        self.project.files.len()
    }

    /// Where a finding starts: its file's path relative to the project root, and its line and
    /// column (from 1).
    pub fn location(&self, f: &Finding) -> (&str, usize, usize) {
        let file = self.project.file(f.file);
        let (line, column) = file.line_col(f.span.start);
        (&file.rel, line, column)
    }
}

/// Discovery and parsing only, no lint: the floor a full scan is measured against (the
/// benchmark's `--parse-only`). Returns the number of files and bytes read.
pub(crate) fn parse_only(req: &ScanRequest) -> Result<(usize, usize, Duration), ConfigError> {
    on_workers(|| parse_only_here(req))?
}

fn parse_only_here(req: &ScanRequest) -> Result<(usize, usize, Duration), ConfigError> {
    let started = Instant::now();
    let root = discovery::find_root(&req.paths, &req.cwd);
    let found = discovery::discover(&root, &req.paths, &req.cwd, &req.config, &Sources::None)?;
    let unparsed = project::read(found);
    let bytes = unparsed.project.files.iter().map(|f| f.text.len()).sum();
    let files = unparsed.project.files.len();
    // Each tree is freed as soon as it is built, as a scan frees it after its per-file pass.
    let project = unparsed.parse_and_drop();
    let elapsed = started.elapsed();
    std::thread::spawn(move || drop(project));
    Ok((files, bytes, elapsed))
}

/// The stack of the scan's threads. The analyses recurse once per level of a syntax tree,
/// which [`crate::syntax::tree::MAX_DEPTH`] bounds; at that depth they use a few megabytes, debug and
/// sanitizer builds included. Only the pages a thread touches are ever allocated.
pub const STACK_BYTES: usize = 64 * 1024 * 1024;

/// The scan's worker threads: a rayon pool with [`STACK_BYTES`] stacks, started on first use,
/// so that a scan called from any thread (a test's, a program's that embeds sfsec) has the
/// stacks the depth limit assumes; rayon's default 2 MiB overflowed at 300 nested parentheses
/// in a debug build. Its size is rayon's default (`RAYON_NUM_THREADS`, else one per core).
fn workers() -> Result<&'static rayon::ThreadPool, ConfigError> {
    static POOL: std::sync::OnceLock<Result<rayon::ThreadPool, String>> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .stack_size(STACK_BYTES)
            .build()
            .map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(|e| ConfigError::plain(format!("cannot start the worker threads: {e}")))
}

/// Runs `f` on the scan's worker threads (see [`workers`]): every entry point of a scan does.
/// rayon's global pool, which [`lint`] and the parsers use when called directly, gets the same
/// stacks from [`start_workers`].
pub(crate) fn on_workers<R: Send>(f: impl FnOnce() -> R + Send) -> Result<R, ConfigError> {
    Ok(workers()?.install(f))
}

/// Starts rayon's global pool with [`STACK_BYTES`] stacks, for callers of the parsers and
/// analyses below a scan (the fuzz targets). Call before rayon's first use; once the global
/// pool exists this fails and changes nothing.
#[cfg(any(test, feature = "test-support"))]
pub(crate) fn start_workers() -> Result<(), rayon::ThreadPoolBuildError> {
    rayon::ThreadPoolBuilder::new().stack_size(STACK_BYTES).build_global()
}

pub fn scan(req: &ScanRequest) -> Result<Scan, ConfigError> {
    scan_cached(req, None, None).map(|(scan, _)| scan)
}

/// [`scan`], reusing a stored result when every file read is unchanged (see [`Cache`]);
/// also says whether it did. `progress` follows it.
pub(crate) fn scan_cached(
    req: &ScanRequest,
    cache: Option<&Cache>,
    progress: Option<&Arc<Progress>>,
) -> Result<(Scan, bool), ConfigError> {
    on_workers(|| scan_here(req, cache, progress))?
}

fn scan_here(
    req: &ScanRequest,
    cache: Option<&Cache>,
    progress: Option<&Arc<Progress>>,
) -> Result<(Scan, bool), ConfigError> {
    let started = Instant::now();
    let root = discovery::find_root(&req.paths, &req.cwd);
    let found = discovery::discover(&root, &req.paths, &req.cwd, &req.config, &flow_sources(&req.config))?;
    if let Some(p) = progress {
        p.enter(Phase::Parsing, found.files.len());
    }
    let mut unparsed = project::read(found);
    unparsed.progress = progress.cloned();
    let (fingerprint, texts) = match cache {
        Some(_) => {
            let (fp, texts) = crate::engine::cache::fingerprint(&unparsed);
            (Some(fp), texts)
        }
        None => (None, Vec::new()),
    };
    if let (Some(cache), Some(fp)) = (cache, &fingerprint)
        && cache.whole_results
        && let Some((findings, valid)) = cache.lookup(fp, req.now, &unparsed.project)
    {
        let scan = Scan {
            project: unparsed.project,
            findings,
            elapsed: started.elapsed(),
            valid,
            compared_with_baseline: false,
        };
        return Ok((scan, true));
    }
    let memo = cache.map(|c| memo::FileMemo::load(c, texts));
    let mut scan = lint(unparsed, &req.config, req.now, memo.as_ref());
    if let (Some(cache), Some(fp)) = (cache, &fingerprint) {
        if cache.whole_results {
            cache.store(fp, scan.valid, &scan.findings);
        }
        // A scan of given files (a pre-commit run) keeps the other files' entries.
        let partial = req.paths.iter().any(|p| discovery::absolute(&req.cwd, p).is_file());
        if let Some(memo) = memo {
            memo.save(cache, &scan.project, partial);
        }
    }
    scan.elapsed = started.elapsed();
    Ok((scan, false))
}

/// What a scan keeps of each Apex tree, as its analyses need it: whole where a file holds a
/// hinted page's controller or a class it calls; elsewhere the declarations and the bodies the
/// data flow of specs with these source hints will likely read ([`HotBodies`]). The data flow
/// parses the other bodies it needs again. Where a file may name a custom setting, the
/// per-file pass reads the fields it reads from the whole tree first
/// ([`crate::semantic::secrets::settings::field_reads`]).
pub(crate) struct ScanKeep {
    reads: Vec<bool>,
    hot: HotBodies,
}

impl ScanKeep {
    pub(crate) fn new(project: &Project, hints: &[&str]) -> Self {
        let (reads, hot) = rayon::join(
            || crate::semantic::secrets::settings::reading_files(project),
            || HotBodies::find(project, hints),
        );
        ScanKeep { reads, hot }
    }
}

impl project::KeepPolicy for ScanKeep {
    fn keeps_whole(&self, _id: FileId, file: &SourceFile) -> bool {
        self.hot.keeps_whole(file)
    }
    fn marks(&self, text: &str) -> Vec<u32> {
        self.hot.marks(text)
    }
    fn reads_whole(&self, id: FileId, _file: &SourceFile) -> bool {
        self.reads.get(id).copied().unwrap_or(false)
    }
    fn read(&self, text: &str, tree: &crate::syntax::flat::FlatTree) -> Vec<project::FieldRead> {
        crate::semantic::secrets::settings::field_reads(tree.root_node(), text)
    }
}

/// Parses the files read as a scan does: [`ScanKeep`] decides what is kept and, with `decls`,
/// each kept Apex tree's declarations are read right after it is kept (the data flow joins them
/// into its model, see [`crate::dataflow::Model::join`]); a tree not kept whole is then reduced to
/// what they point to ([`Decls::outline`]).
pub(crate) fn parse_for_scan<T: Send>(
    unparsed: Unparsed,
    visit: ApexVisit<'_, T>,
    hints: &[&str],
    decls: bool,
    memo: Option<&dyn project::Memo<T, Decls>>,
) -> ParsedProject<T, Decls> {
    let keep = ScanKeep::new(unparsed.project(), hints);
    let declare = |id: FileId, text: &str, tree: &crate::syntax::flat::FlatTree| {
        let mut d = Decls::of(id, text, tree);
        let outline = (!tree.is_whole()).then(|| d.outline(tree));
        (d, outline)
    };
    unparsed.parse_with(
        visit,
        &keep,
        decls.then_some(&declare as project::Declare<'_, Decls>),
        memo,
    )
}

/// Parses the files read and runs the enabled lints. Loading's findings (unreadable or
/// unparsable files) go through suppressions and sorting like the rest. Files `memo` recalls
/// are not parsed (see [`memo`]).
pub(crate) fn lint(unparsed: Unparsed, config: &Config, now: i64, memo: Option<&memo::FileMemo>) -> Scan {
    let started = Instant::now();
    let enabled = |id: &str| rules::get(id).is_some_and(|d| config.enabled(id, d.family));
    let lints: Vec<&dyn Lint> = LINTS.iter().copied().filter(|l| enabled(l.id())).collect();
    let dispatch = Dispatch::new(&lints);
    let pmd = config.pmd_suppressions;
    // Apex per-file checks run while the file's tree-sitter tree exists: it is then kept only
    // in compact form (see [`crate::syntax::flat`]).
    let hints: Vec<&str> = lints
        .iter()
        .flat_map(|l| l.specs())
        .flat_map(|s| s.source_hints.iter().copied())
        .collect();
    let specs = specs_of(&lints);
    let ParsedProject {
        project,
        mut findings,
        visited: apex_checked,
        decls,
    } = parse_for_scan(
        unparsed,
        &|id, file, tree| {
            let mut out = Vec::new();
            let directives = if file.kind == crate::workspace::kind::FileKind::JavaScript {
                for lint in &dispatch.js {
                    lint.check_js(id, file, tree.root_node(), &mut out);
                }
                suppress::from_code(id, &file.text, &crate::syntax::js::comments(tree))
            } else {
                let comments = dispatch.walk_apex(tree, id, file, &mut out);
                let mut directives = suppress::from_code(id, &file.text, &comments);
                if pmd {
                    directives.extend(suppress::from_pmd(id, &file.text, &comments, tree.root_node()));
                }
                directives
            };
            // Most files have neither: a slot per file then holds 8 bytes, not 48.
            (!out.is_empty() || !directives.is_empty()).then(|| Box::new((out, directives)))
        },
        &hints,
        !specs.is_empty(),
        memo.map(|m| m as &dyn project::Memo<memo::Visited, Decls>),
    );
    let oauth = OauthIndex::build(&project, &config.options);
    let clock = Clock::new(now);
    let file_memo = memo;
    let memo = crate::lints::Memo::default();
    // Only the project checks of lints that declare data-flow specs read the flows. Everything
    // else runs while the data-flow model is built and analysed, which is partly serial: the
    // other core would otherwise sit idle.
    let (with_flows, without_flows): (Vec<&dyn Lint>, Vec<&dyn Lint>) =
        lints.iter().partition(|l| !l.specs().is_empty());
    let no_flows = Vec::new();
    let early = Ctx {
        project: &project,
        oauth: &oauth,
        flows: &no_flows,
        memo: &memo,
        options: &config.options,
        clock: &clock,
    };
    let ((flows, model), (per_file, mut project_findings)) = rayon::join(
        || data_flows(&project, &specs, decls),
        || {
            let per_file = per_file_checks(&project, &dispatch, &early, &apex_checked, file_memo);
            let project_findings = project_checks(&without_flows, &early);
            (per_file, project_findings)
        },
    );
    let cx = Ctx { flows: &flows, ..early };
    // Freeing the model (thousands of methods) waits for no one: the other core does it.
    let ((), with) = rayon::join(move || drop(model), || project_checks(&with_flows, &cx));
    project_findings.extend(with);

    let mut directives = Vec::new();
    // An Apex slot is empty when the file was not parsed, and holds nothing when the file had
    // neither findings nor directives.
    let apex_results = apex_checked.into_iter().flatten().flatten().map(|b| *b);
    for (f, d) in per_file.into_iter().chain(apex_results) {
        findings.extend(f);
        directives.extend(d);
    }
    findings.extend(project_findings.into_iter().flatten());
    // A file read as context is not reported on, except where a data flow starts in a given
    // file: a commit that adds a session source must show the callout it reaches in an
    // unchanged class, as the full scan does.
    let reported =
        |f: &Finding| !project.files[f.file].context || f.flow.first().is_some_and(|s| !project.files[s.file].context);
    findings.retain(|f| enabled(f.rule) && reported(f));
    findings.sort_by_key(|f| f.file);
    let extra = suppress::apply(&mut findings, &directives, enabled);
    findings.extend(extra.into_iter().filter(|f| enabled(f.rule) && reported(f)));
    for f in &mut findings {
        if let Some(s) = config.severity_override(f.rule) {
            f.severity = s;
        }
    }
    sort(&project, &mut findings);
    findings.dedup();
    Scan {
        project,
        findings,
        elapsed: started.elapsed(),
        valid: clock.window(),
        compared_with_baseline: false,
    }
}

/// The per-file checks of the files other than Apex (Apex's ran while it was parsed), with
/// the suppression directives; only for files that have either.
///
/// A library script recalled by `memo` (its slot in `visited` is filled) has its results
/// there; the others' are stored in it.
fn per_file_checks(
    project: &Project,
    dispatch: &Dispatch<'_>,
    cx: &Ctx<'_>,
    visited: &[Option<memo::Visited>],
    memo: Option<&memo::FileMemo>,
) -> Vec<(Vec<Finding>, Vec<Directive>)> {
    project
        .files
        .par_iter()
        .enumerate()
        .with_max_len(project::PIECE)
        .filter_map(|(id, file)| {
            let mut out = Vec::new();
            let mut directives = Vec::new();
            match &file.parsed {
                Parsed::Xml(doc) => {
                    if let Some(ty) = file.meta_type()
                        && let Some(ls) = dispatch.xml.get(&ty)
                    {
                        for lint in ls {
                            lint.check_xml(id, file, doc, cx, &mut out);
                        }
                    }
                    directives = suppress::from_xml(id, &file.text, doc);
                }
                Parsed::Lexed if visited.get(id).is_some_and(Option::is_some) => {}
                Parsed::Lexed => {
                    use crate::syntax::js_lex::{Kind, Lexer, Token};
                    let tokens: Vec<Token> = Lexer::new(&file.text).collect();
                    for lint in &dispatch.js {
                        lint.check_js_tokens(id, file, &tokens, &mut out);
                    }
                    let comments: Vec<Range<usize>> = tokens
                        .iter()
                        .filter(|t| t.kind == Kind::Comment)
                        .map(|t| t.span.clone())
                        .collect();
                    directives = suppress::from_code(id, &file.text, &comments);
                    if let Some(m) = memo {
                        m.record_lexed(id, file, &out, &directives);
                    }
                }
                // JavaScript's directives were read with its checks, in the per-file pass.
                Parsed::Js(_)
                | Parsed::Checked
                | Parsed::Apex(_)
                | Parsed::Json(_)
                | Parsed::Text
                | Parsed::WellFormed
                | Parsed::Failed => {}
            }
            (!out.is_empty() || !directives.is_empty()).then_some((out, directives))
        })
        .collect()
}

fn project_checks(lints: &[&dyn Lint], cx: &Ctx<'_>) -> Vec<Vec<Finding>> {
    lints
        .par_iter()
        .map(|lint| {
            let mut out = Vec::new();
            lint.check_project(cx, &mut out);
            out
        })
        .collect()
}

/// The data-flow specs the enabled lints need, each once.
/// Where the enabled data-flow rules' sources may be: a given class needs its callers read
/// only if a flow can start in it.
fn flow_sources(config: &Config) -> Sources {
    let lints: Vec<&dyn Lint> = LINTS
        .iter()
        .copied()
        .filter(|l| rules::get(l.id()).is_some_and(|d| config.enabled(l.id(), d.family)))
        .collect();
    let specs = specs_of(&lints);
    if specs.is_empty() {
        Sources::None
    } else if specs.iter().any(|s| s.source_hints.is_empty() && s.reach.is_none()) {
        Sources::Anywhere
    } else {
        let markers = specs
            .iter()
            .filter_map(|s| s.script)
            .flat_map(|s| s.marker_hints.iter().copied());
        // A class whose parameters may reach a sink is judged by its callers (are there any,
        // and what do they pass): they are read too. An annotation hint (`@auraenabled`) only
        // keeps bodies: an entry point's flows end in a class that holds a sink hint, read for
        // that; reading every class an annotated file names tripled a pre-commit run on NPSP.
        let sinks = specs
            .iter()
            .filter_map(|s| s.open_params)
            .flat_map(|o| o.sink_hints.iter().copied());
        Sources::Hinted(
            specs
                .iter()
                .flat_map(|s| s.source_hints.iter().copied())
                .filter(|h| !h.starts_with('@'))
                .chain(
                    specs
                        .iter()
                        .filter_map(|s| s.reach)
                        .flat_map(|r| r.hints.iter().copied()),
                )
                .chain(markers)
                .chain(sinks)
                .collect(),
        )
    }
}

fn specs_of(lints: &[&dyn Lint]) -> Vec<&'static Spec> {
    let mut specs: Vec<&'static Spec> = Vec::new();
    for lint in lints {
        for &spec in lint.specs() {
            if !specs.iter().any(|s| std::ptr::eq(*s, spec)) {
                specs.push(spec);
            }
        }
    }
    specs
}

/// Runs each spec on the model of `decls` (every kept Apex tree's, from the per-file pass),
/// before any lint looks at results; gives the model back for the caller to free.
fn data_flows<'p>(
    project: &'p Project,
    specs: &[&'static Spec],
    decls: Vec<dataflow::model::Decls>,
) -> (Vec<(&'static Spec, Analysis)>, Option<Model<'p>>) {
    if specs.is_empty() {
        return (Vec::new(), None);
    }
    let model = Model::join(project, decls);
    let flows = specs
        .iter()
        .map(|&spec| (spec, dataflow::analyze(project, &model, spec)))
        .collect();
    (flows, Some(model))
}

fn sort(project: &Project, findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        let key = |f: &Finding| (project.files[f.file].rel.as_str(), f.span.start, f.rule, f.span.end);
        key(a).cmp(&key(b)).then_with(|| a.message.cmp(&b.message))
    });
}

/// Lints indexed by what they inspect, built once per scan.
struct Dispatch<'l> {
    /// Every lint: the JavaScript checks are few, and a call to one that has none costs nothing.
    js: Vec<&'l dyn Lint>,
    xml: HashMap<MetaType, Vec<&'l dyn Lint>>,
    /// Indexed by tree-sitter kind id.
    apex: Vec<Vec<&'l dyn Lint>>,
    comment_kinds: [u16; 2],
    string_kind: u16,
    /// Set when every Apex kind a lint asks for is one [`apex::literals_and_comments`]
    /// finds: the comment kinds and those, to look up instead of walking every node.
    lexical: Option<Vec<u16>>,
}

impl<'l> Dispatch<'l> {
    fn new(lints: &[&'l dyn Lint]) -> Self {
        let mut xml: HashMap<MetaType, Vec<&dyn Lint>> = HashMap::new();
        let mut apex_table: Vec<Vec<&dyn Lint>> = vec![Vec::new(); apex::LANGUAGE.node_kind_count() + 1];
        for &lint in lints {
            for ty in lint.xml_types() {
                xml.entry(*ty).or_default().push(lint);
            }
            for kind in lint.apex_kinds() {
                // A test checks every declared kind exists, so a miss here cannot happen silently.
                if let Some(id) = apex::kind_id(kind) {
                    apex_table[id as usize].push(lint);
                }
            }
        }
        let comment_kinds = [
            apex::kind_id("line_comment").unwrap_or(u16::MAX),
            apex::kind_id("block_comment").unwrap_or(u16::MAX),
        ];
        let string = apex::kind_id("string_literal").unwrap_or(u16::MAX);
        let asked = (0..apex_table.len()).filter(|&k| !apex_table[k].is_empty());
        let lexical = asked
            .clone()
            .all(|k| k == string as usize)
            .then(|| comment_kinds.into_iter().chain(asked.map(|k| k as u16)).collect());
        Dispatch {
            js: lints.to_vec(),
            xml,
            apex: apex_table,
            comment_kinds,
            string_kind: string,
            lexical,
        }
    }

    /// Calls the interested lints on each node of the kinds they asked for; returns the
    /// comments. Walks the tree once without recursion, or, when the lints ask only for what
    /// a lexical scan finds, visits only the nodes on the way to those (a full walk was a
    /// quarter of a scan's time after parsing).
    fn walk_apex(
        &self,
        tree: &tree_sitter::Tree,
        id: usize,
        file: &project::SourceFile,
        out: &mut Vec<Finding>,
    ) -> Vec<Range<usize>> {
        let mut comments = Vec::new();
        let mut visit = |node: tree_sitter::Node<'_>| {
            let kind = node.kind_id();
            if self.comment_kinds.contains(&kind) {
                comments.push(node.byte_range());
            }
            if let Some(ls) = self.apex.get(kind as usize) {
                // A literal goes only to the lints it may matter to: the others report nothing
                // on it, and some of them read the whole file before they can say so.
                let content = (kind == self.string_kind)
                    .then(|| apex::string_content(node, &file.text).map(|(c, _)| c))
                    .flatten();
                for lint in ls {
                    if content.is_none_or(|c| lint.literal_may_matter(c)) {
                        lint.check_apex(node, id, file, out);
                    }
                }
            }
        };
        let root = tree.root_node();
        match &self.lexical {
            Some(kinds) if !root.has_error() => {
                let text = file.text.as_str();
                let literal_lints = self.apex.get(self.string_kind as usize).map_or(&[][..], Vec::as_slice);
                // Every comment (suppressions read them all), and the literals some lint may
                // report on.
                let starts: Vec<usize> = apex::literals_and_comments(text)
                    .into_iter()
                    .filter(|r| match apex::lexed_literal(text, r.clone()) {
                        Some(content) => literal_lints.iter().any(|l| l.literal_may_matter(content)),
                        None => true,
                    })
                    .map(|r| r.start)
                    .collect();
                crate::syntax::tree::nodes_at(root, &starts, kinds, visit);
            }
            _ => crate::syntax::tree::preorder(root, |node| {
                visit(node);
                true
            }),
        }
        comments
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An SFDX project of `files` (besides its `sfdx-project.json`), and a request to scan it.
    fn project_and_request(files: &[(&str, &str)]) -> (crate::testing::TempProject, ScanRequest) {
        let mut all = vec![(
            "sfdx-project.json",
            r#"{"packageDirectories":[{"path":"force-app","default":true}]}"#,
        )];
        all.extend_from_slice(files);
        let project = crate::testing::TempProject::new(&all).expect("project");
        let req = ScanRequest {
            paths: Vec::new(),
            cwd: project.path().to_path_buf(),
            config: Config::default(),
            now: 0,
        };
        (project, req)
    }

    /// A scan called from a thread with a small stack analyses a file nested just under the
    /// depth limit: the scan runs on its own workers (the caller's 2 MiB overflowed at 600
    /// levels in a debug build).
    #[test]
    fn a_scan_from_a_small_stack_reaches_the_depth_limit() {
        let depth = crate::syntax::tree::MAX_DEPTH / 2 - 20;
        let expr = format!("{}s{}", "(".repeat(depth), ")".repeat(depth));
        let class = format!(
            "public class Deep {{\n  @AuraEnabled\n  public static String m() {{\n    String s = UserInfo.getSessionId();\n    return {expr};\n  }}\n}}\n"
        );
        let (_project, req) = project_and_request(&[("force-app/main/default/classes/Deep.cls", &class)]);
        let rules = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || {
                let scan = scan(&req).expect("scan");
                scan.findings.iter().map(|f| f.rule.to_string()).collect::<Vec<_>>()
            })
            .expect("spawn")
            .join()
            .expect("no overflow");
        assert!(rules.iter().any(|r| r == "session-id-exposed"), "{rules:?}");
        assert!(!rules.iter().any(|r| r == "analysis-limit"), "{rules:?}");
    }

    #[test]
    fn progress_counts_every_file_parsed_then_the_analysis() {
        let (_project, req) = project_and_request(&[
            ("force-app/main/default/classes/A.cls", "public class A {}"),
            ("force-app/main/default/classes/B.cls", "public class B {}"),
            ("force-app/main/default/lwc/c/c.js", "export default class C {}"),
        ]);
        let progress = Arc::new(Progress::default());
        assert_eq!(progress.phase(), Phase::Finding);
        let (scan, _) = scan_cached(&req, None, Some(&progress)).expect("scan");
        assert_eq!(scan.files_read(), 4);
        assert_eq!(progress.phase(), Phase::Analysing);
        // Each file was counted as it was parsed.
        assert_eq!((progress.done(), progress.total()), (4, 4));
    }
}
