//! The parsed project: every file read and parsed exactly once, in parallel.

use std::path::PathBuf;

use rayon::prelude::*;
use tree_sitter::Tree;

use crate::diagnostics::finding::{FileId, Finding, LineIndex};
use crate::diagnostics::rules::engine;
use crate::syntax::apex;
use crate::syntax::flat::FlatTree;
use crate::syntax::json::JsonNode;
use crate::syntax::xml::XmlDoc;
use crate::workspace::discovery::{Candidate, Discovery, SfdxProject};
use crate::workspace::kind::{FileKind, MetaType};

/// Larger files are reported and skipped: no metadata or Apex file comes close.
pub(crate) const MAX_FILE_BYTES: u64 = crate::workspace::confine::MAX_BYTES;

pub(crate) enum Parsed {
    Xml(XmlDoc),
    /// Compact, and mostly declarations only, or only the bodies they point to: the
    /// tree-sitter tree lives only through the per-file pass (see [`Unparsed::parse_with`]).
    Apex(FlatTree),
    /// Aura, LWC or static-resource JavaScript. Syntax errors are not reported: bundles may use
    /// syntax the grammar lacks, and the lints read what parsed. After the per-file pass, kept
    /// only where a data flow may start (see [`crate::syntax::js::may_start_script_flow`]).
    Js(Tree),
    /// JavaScript whose checks ran in the per-file pass and whose tree no analysis needs: freed
    /// (kept, the trees were a fifth of a large org's peak memory; bench/NOTES.md#script-trees).
    Checked,
    Json(JsonNode),
    /// Read but not parsed by any lint yet (Visualforce, JavaScript).
    Text,
    /// A library's JavaScript (see [`crate::syntax::js_lex::is_library`]): lexed by the lints
    /// that read it, never parsed.
    Lexed,
    /// Well-formed XML that no lint reads: a `-meta.xml` companion of a trigger or page (its
    /// API version and status) without comments (a class's is read: see `MetaType::ApexClass`). Neither its document nor its text is
    /// kept (no finding can point into it); a large project has one per class
    /// (bench/NOTES.md#companion-metadata).
    WellFormed,
    /// Could not be read or parsed; the reason is a finding.
    Failed,
}

pub(crate) struct SourceFile {
    pub rel: String,
    pub kind: FileKind,
    /// Empty once the file is [`Parsed::WellFormed`]: nothing reads it then.
    pub text: String,
    /// Bytes read.
    pub size: usize,
    pub parsed: Parsed,
    /// Read only as context for the files given on the command line (an object for its field,
    /// the other files of an External Client App): its own findings are not reported.
    pub context: bool,
    /// Apex only: what the per-file pass read from the whole tree before reducing it (see
    /// [`KeepPolicy::reads_whole`]).
    pub field_reads: Vec<FieldRead>,
    line_index: std::sync::OnceLock<LineIndex>,
    apex_tests: std::sync::OnceLock<Vec<std::ops::Range<usize>>>,
}

impl SourceFile {
    /// Metadata of a type no lint reads (class companions, translations, layouts): parsing
    /// only checks that it is well-formed (see [`Parsed::WellFormed`]).
    pub(crate) fn is_unread_metadata(&self) -> bool {
        self.kind == FileKind::Metadata(MetaType::Other)
    }

    pub(crate) fn line_index(&self) -> &LineIndex {
        self.line_index.get_or_init(|| LineIndex::new(&self.text))
    }
    /// 1-based line and column (in characters) of a byte offset.
    pub(crate) fn line_col(&self, offset: usize) -> (usize, usize) {
        self.line_index().line_col(&self.text, offset)
    }
    /// Whether `node`, a node of this Apex file's tree, is inside an `@IsTest` or `testMethod`
    /// declaration. The declarations are found once per file (see [`crate::syntax::apex::test_ranges`]).
    pub(crate) fn in_apex_test(&self, node: tree_sitter::Node<'_>) -> bool {
        let ranges = self
            .apex_tests
            .get_or_init(|| crate::syntax::apex::test_ranges(node, &self.text));
        let at = node.start_byte();
        // Disjoint and sorted: the last range starting at or before `at` is the only candidate.
        let i = ranges.partition_point(|r| r.start <= at);
        i > 0 && ranges.get(i - 1).is_some_and(|r| r.contains(&at))
    }
    #[cfg(test)]
    pub(crate) fn xml(&self) -> Option<&XmlDoc> {
        match &self.parsed {
            Parsed::Xml(d) => Some(d),
            _ => None,
        }
    }
    pub(crate) fn meta_type(&self) -> Option<MetaType> {
        match self.kind {
            FileKind::Metadata(t) => Some(t),
            _ => None,
        }
    }
    /// The component name derived from the file name.
    pub(crate) fn component_name(&self) -> &str {
        crate::workspace::kind::component_name(std::path::Path::new(&self.rel))
    }
    /// A file that exists only to carry a finding (e.g. a walk error).
    pub(crate) fn placeholder(rel: String) -> Self {
        SourceFile {
            rel,
            kind: FileKind::Ignored,
            text: String::new(),
            size: 0,
            parsed: Parsed::Failed,
            context: false,
            field_reads: Vec::new(),
            line_index: std::sync::OnceLock::new(),
            apex_tests: std::sync::OnceLock::new(),
        }
    }
}

pub(crate) struct Project {
    pub root: PathBuf,
    /// The root's path from the repository's root, `salesforce/` or empty (see
    /// [`crate::workspace::discovery::repo_prefix`]); [`Project::shown`] puts it before a path.
    pub repo_prefix: String,
    pub sfdx: Option<SfdxProject>,
    pub files: Vec<SourceFile>,
}

impl Project {
    pub(crate) fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id]
    }

    /// The repository's root: the project root less [`Project::repo_prefix`].
    pub(crate) fn repo_root(&self) -> &std::path::Path {
        let up = self.repo_prefix.split('/').filter(|c| !c.is_empty()).count();
        self.root.ancestors().nth(up).unwrap_or(&self.root)
    }

    /// A file's path as outputs show it: from the repository's root.
    pub(crate) fn shown(&self, id: FileId) -> String {
        format!("{}{}", self.repo_prefix, self.files[id].rel)
    }

    /// Files of one metadata type, with their ids and parsed documents. A companion
    /// `-meta.xml` ([`MetaType::Other`]) has one only when it has comments (see
    /// [`Parsed::WellFormed`]): no lint reads them.
    pub(crate) fn xml_of(&self, ty: MetaType) -> impl Iterator<Item = (FileId, &SourceFile, &XmlDoc)> {
        self.files
            .iter()
            .enumerate()
            .filter_map(move |(id, f)| match (&f.parsed, f.kind) {
                (Parsed::Xml(doc), FileKind::Metadata(t)) if t == ty => Some((id, f, doc)),
                _ => None,
            })
    }

    pub(crate) fn json_files(&self) -> impl Iterator<Item = (FileId, &SourceFile, &JsonNode)> {
        self.files.iter().enumerate().filter_map(|(id, f)| match &f.parsed {
            Parsed::Json(j) => Some((id, f, j)),
            _ => None,
        })
    }
}

/// Files read but not parsed yet: a cached result may make parsing unnecessary.
pub(crate) struct Unparsed {
    pub project: Project,
    /// `unreadable-file` findings.
    pub findings: Vec<Finding>,
    readable: Vec<bool>,
    /// Counts the files parsed, for a progress display.
    pub progress: Option<std::sync::Arc<crate::diagnostics::progress::Progress>>,
}

/// The most files a thread takes at once when reading or parsing. rayon splits a list into a
/// few large pieces and splits one further only when a thread takes it from another; a piece
/// it has started is not shared. Files sorted by path put the costly ones together (the
/// classes), and one thread parsed them alone while the other sat idle: NPSP's parse used 1.1
/// cores of 2 (bench/NOTES.md#small-pieces).
pub(crate) const PIECE: usize = 16;

/// Reads every discovered file, in parallel.
pub(crate) fn read(discovery: Discovery) -> Unparsed {
    let Discovery {
        root,
        repo_prefix,
        sfdx,
        files,
        problems,
    } = discovery;
    // Read straight into the file table: collecting pairs first held the table twice
    // (bench/NOTES.md#file-table).
    let n = files.len() + problems.len();
    let mut table: (Vec<SourceFile>, Vec<Problem>) = (Vec::with_capacity(n), Vec::with_capacity(files.len()));
    table.par_extend(files.into_par_iter().with_max_len(PIECE).map(read_one));
    let (mut out, read_problems) = table;
    let mut readable = Vec::with_capacity(n);
    let mut findings = Vec::new();
    for (id, problem) in read_problems.into_iter().enumerate() {
        readable.push(problem.is_none());
        if let Some((rule, offset, message)) = problem {
            findings.push(Finding::new(rule, id, offset..offset, message));
        }
    }
    hidden_placeholders(&out, &mut readable, &mut findings);
    missing_package_dirs(sfdx.as_ref(), &out, &mut findings);
    for p in problems {
        findings.push(Finding::new(p.rule, out.len(), 0..0, p.message));
        out.push(SourceFile::placeholder(p.rel));
        readable.push(false);
    }
    Unparsed {
        project: Project {
            root,
            repo_prefix,
            sfdx,
            files: out,
        },
        findings,
        readable,
        progress: None,
    }
}

/// What [`Unparsed::parse_with`] gives.
pub(crate) struct ParsedProject<T, D> {
    pub project: Project,
    pub findings: Vec<Finding>,
    /// What the visit returned, by file.
    pub visited: Vec<Option<T>>,
    /// What `declare` read from every kept Apex tree, in file order; empty without it.
    pub decls: Vec<D>,
}

/// What the per-file pass does with an Apex or JavaScript file's tree-sitter tree (its kind
/// says which), the only time an Apex tree exists and, for most scripts, the only time theirs does.
pub(crate) type ApexVisit<'v, T> = &'v (dyn Fn(FileId, &SourceFile, &Tree) -> T + Sync);

/// Reads what an analysis needs from a kept Apex tree right after it is kept (while it is in the
/// cache), and says what to reduce the tree to when it is not kept whole.
pub(crate) type Declare<'d, D> = &'d (dyn Fn(FileId, &str, &FlatTree) -> (D, Option<FlatTree>) + Sync);

/// A read of field `field` on a record of type `owner` in Apex (`Acme__c.getOrgDefaults().Key__c`,
/// or `s.Key__c` where `s` is declared `Acme__c`), both lower case, found in a whole tree that
/// the scan then reduces (see [`KeepPolicy::read`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct FieldRead {
    pub owner: String,
    pub field: String,
    /// The field access.
    pub span: std::ops::Range<usize>,
    /// How the code around it uses the value as a credential, if it does.
    pub credential: Option<String>,
}

/// How much of each Apex file's tree a scan keeps. The analyses that read the trees decide it,
/// and the engine hands their decision to parsing: parsing knows none of them.
pub(crate) trait KeepPolicy: Sync {
    /// Whether this file keeps its whole tree.
    fn keeps_whole(&self, id: FileId, file: &SourceFile) -> bool;
    /// In a file not kept whole: offsets (ascending) whose bodies are kept beside the
    /// declarations.
    fn marks(&self, text: &str) -> Vec<u32>;
    /// Whether [`KeepPolicy::read`] reads this file's whole tree in the per-file pass, whatever
    /// is kept of it. Like [`KeepPolicy::keeps_whole`], it may depend on other files.
    fn reads_whole(&self, _id: FileId, _file: &SourceFile) -> bool {
        false
    }
    /// What an analysis needs from the whole tree of a file [`KeepPolicy::reads_whole`] names,
    /// read before the tree is reduced: keeping the bodies for it held a large org's scan
    /// 30 MB higher (bench/NOTES.md#field-reads).
    fn read(&self, _text: &str, _tree: &FlatTree) -> Vec<FieldRead> {
        Vec::new()
    }
}

/// What an earlier scan made of a file with the same path and text, parsed and visited as this
/// scan would (see [`Memo`]).
pub(crate) struct Recalled<T, D> {
    pub parsed: Parsed,
    pub field_reads: Vec<FieldRead>,
    pub problem: Problem,
    pub visited: Option<T>,
    pub declared: Option<D>,
}

/// What a [`KeepPolicy`] decided for a file: whether its tree is kept whole, and whether it is
/// read whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Variant {
    pub whole: bool,
    pub reads: bool,
}

/// The per-file results of earlier scans (the engine's per-file cache): a file recalled is not
/// parsed. Parsing knows neither the results nor where they are kept.
pub(crate) trait Memo<T, D>: Sync {
    /// This file's results, if stored for the same text and the same [`Variant`] (what was kept
    /// and read of its Apex tree, which depends on other files).
    fn recall(&self, id: FileId, file: &SourceFile, variant: Variant) -> Option<Recalled<T, D>>;
    /// Stores what this scan made of a file it parsed after [`Memo::recall`] missed it:
    /// `file.parsed` is what the project keeps.
    fn record(&self, id: FileId, file: &SourceFile, problem: &Problem, visited: Option<&T>, declared: Option<&D>);
}

impl Unparsed {
    /// The files read, before parsing: what a keep policy is decided from.
    pub(crate) fn project(&self) -> &Project {
        &self.project
    }

    /// Parses every file that was read, in parallel, keeping what `keep` says (tests; a scan
    /// collects declarations as it parses, see `parse_with`).
    #[cfg(any(test, feature = "test-support"))]
    pub(crate) fn parse(self, keep: &dyn KeepPolicy) -> (Project, Vec<Finding>) {
        let parsed = self.parse_with::<(), ()>(&|_, _, _| (), keep, None, None);
        (parsed.project, parsed.findings)
    }

    /// [`Unparsed::parse`], passing each Apex file's tree to `visit` (in parallel) before it is
    /// kept as a [`FlatTree`] and freed: only one tree per thread is alive at a time. Returns
    /// what `visit` returned, by file.
    ///
    /// Apex files that `keep` keeps whole, or that have syntax errors, are kept whole; the
    /// others keep their declarations and the bodies around `keep`'s marks.
    ///
    /// With `declare`, each kept Apex tree is handed to it right after it is kept; what it
    /// returns is collected in file order, and the tree is replaced by the one it gives back.
    ///
    /// With `memo`, a file it recalls is not parsed: its results are the ones recalled; every
    /// other file's are handed to it.
    pub(crate) fn parse_with<T: Send, D: Send>(
        self,
        visit: ApexVisit<'_, T>,
        keep: &dyn KeepPolicy,
        declare: Option<Declare<'_, D>>,
        memo: Option<&dyn Memo<T, D>>,
    ) -> ParsedProject<T, D> {
        let Unparsed {
            mut project,
            mut findings,
            readable,
            progress,
        } = self;
        let n = project.files.len();
        // Each file's results go straight to its slots: collecting them into one list held
        // them twice at the end of the pass, the scan's peak.
        let mut visited: Vec<Option<T>> = std::iter::repeat_with(|| None).take(n).collect();
        let mut parts: Vec<Option<Box<D>>> = std::iter::repeat_with(|| None).take(n).collect();
        let problems: Vec<(FileId, (&'static str, usize, String))> = project
            .files
            .par_iter_mut()
            .zip(visited.par_iter_mut())
            .zip(parts.par_iter_mut())
            .enumerate()
            // Small pieces, so that an idle thread has something to take (see [`PIECE`]).
            .with_max_len(PIECE)
            .filter(|(id, _)| readable[*id])
            .filter_map(|(id, ((file, visited), part))| {
                let variant = Variant {
                    whole: keep.keeps_whole(id, file),
                    reads: file.kind == FileKind::Apex && keep.reads_whole(id, file),
                };
                let problem = match memo.and_then(|m| m.recall(id, file, variant)) {
                    Some(r) => {
                        file.parsed = r.parsed;
                        file.field_reads = r.field_reads;
                        // As parsing leaves it (see [`Parsed::WellFormed`]).
                        if matches!(file.parsed, Parsed::WellFormed) {
                            file.text = String::new();
                        }
                        *visited = r.visited;
                        *part = r.declared.map(Box::new);
                        r.problem
                    }
                    None => {
                        let how = Keep {
                            variant,
                            policy: Some(keep),
                        };
                        let (problem, v) = parse_into(id, file, Some(visit), how);
                        *visited = v;
                        if let (Parsed::Apex(tree), Some(declare)) = (&file.parsed, declare) {
                            let (d, reduced) = declare(id, &file.text, tree);
                            if let Some(reduced) = reduced {
                                file.parsed = Parsed::Apex(reduced);
                            }
                            *part = Some(Box::new(d));
                        }
                        if let Some(m) = memo {
                            m.record(id, file, &problem, visited.as_ref(), part.as_deref());
                        }
                        problem
                    }
                };
                if let Some(p) = &progress {
                    p.tick();
                }
                problem.map(|p| (id, p))
            })
            .collect();
        for (id, (rule, offset, message)) in problems {
            findings.push(Finding::new(rule, id, offset..offset, message));
        }
        if let Some(p) = &progress {
            p.then(crate::diagnostics::progress::Phase::Analysing);
        }
        let all_decls = parts.into_iter().flatten().map(|d| *d).collect();
        ParsedProject {
            project,
            findings,
            visited,
            decls: all_decls,
        }
    }

    /// Parses every file that was read and keeps nothing: the floor a scan is measured against.
    pub(crate) fn parse_and_drop(self) -> Project {
        let Unparsed {
            mut project, readable, ..
        } = self;
        project
            .files
            .par_iter_mut()
            .enumerate()
            .with_max_len(PIECE)
            .filter(|(id, _)| readable[*id])
            .for_each(|(id, file)| {
                parse_into::<()>(id, file, None, Keep::ALL);
                file.parsed = Parsed::Failed;
            });
        project
    }
}

/// A finding at each package directory `sfdx-project.json` names that does not exist, when
/// that file is scanned (a file list without it leaves them to the full scan).
fn missing_package_dirs(sfdx: Option<&SfdxProject>, files: &[SourceFile], findings: &mut Vec<Finding>) {
    let Some(sfdx) = sfdx else { return };
    let Some(id) = files.iter().position(|f| f.rel == "sfdx-project.json") else {
        return;
    };
    // The project file was read without its byte-order mark; the scanned copy keeps it.
    let shift = if files[id].text.starts_with('\u{feff}') { 3 } else { 0 };
    for (span, path) in &sfdx.missing {
        let message = format!("package directory `{path}` does not exist; the other package directories are scanned");
        findings.push(Finding::new(
            engine::PACKAGE_DIRECTORY_MISSING,
            id,
            span.start + shift..span.end + shift,
            message,
        ));
    }
}

/// Files whose whole content is `(hidden)`, as a retrieve writes for a managed package's
/// source, are not parsed (a parse error on each buried one org's findings under 999) and
/// get one note, on the first of them.
fn hidden_placeholders(files: &[SourceFile], readable: &mut [bool], findings: &mut Vec<Finding>) {
    let mut first = None;
    let mut count = 0usize;
    for (id, file) in files.iter().enumerate() {
        if readable[id] && file.text.trim() == "(hidden)" {
            readable[id] = false;
            first.get_or_insert(id);
            count += 1;
        }
    }
    if let Some(id) = first {
        let message = match count {
            1 => "this file holds only `(hidden)`: a retrieve's stand-in for a managed package's source; not scanned"
                .to_string(),
            n => format!(
                "this file and {} others hold only `(hidden)`: a retrieve's stand-in for a managed package's source; not scanned",
                n - 1
            ),
        };
        findings.push(Finding::new(engine::MANAGED_SOURCE_HIDDEN, id, 0..0, message));
    }
}

/// A file's problem as a finding's parts: rule, offset, message.
pub(crate) type Problem = Option<(&'static str, usize, String)>;

/// How much of an Apex file's tree a scan keeps.
#[derive(Clone, Copy)]
struct Keep<'h> {
    /// What the policy decided: when not whole, the declarations and the bodies around its
    /// marks; when it reads, the whole tree first ([`KeepPolicy::read`]).
    variant: Variant,
    policy: Option<&'h dyn KeepPolicy>,
}

impl Keep<'_> {
    const ALL: Keep<'static> = Keep {
        variant: Variant {
            whole: true,
            reads: false,
        },
        policy: None,
    };
}

/// The compact copy of `tree`, file's Apex tree, that `keep` says to keep; the fields the
/// policy reads from the whole tree, if it does, go to `file`.
fn keep_tree(file: &mut SourceFile, tree: &Tree, keep: Keep<'_>) -> FlatTree {
    let marked = match keep.policy {
        Some(policy) if !keep.variant.whole && !tree.root_node().has_error() => Some(policy),
        _ => None,
    };
    let flat = match marked {
        Some(policy) => FlatTree::declarations_keeping(tree, &policy.marks(&file.text)),
        None => FlatTree::new(tree),
    };
    if let Some(policy) = keep.policy.filter(|_| keep.variant.reads) {
        // Too deep: nothing to read (the kept tree says why).
        file.field_reads = if flat.too_deep().is_some() {
            Vec::new()
        } else if flat.is_whole() {
            policy.read(&file.text, &flat)
        } else {
            let whole = FlatTree::new(tree);
            if whole.too_deep().is_some() {
                Vec::new()
            } else {
                policy.read(&file.text, &whole)
            }
        };
    }
    flat
}

fn read_one(c: Candidate) -> (SourceFile, Problem) {
    let mut file = SourceFile {
        rel: c.rel,
        kind: c.kind,
        text: String::new(),
        size: 0,
        parsed: Parsed::Failed,
        context: c.context,
        field_reads: Vec::new(),
        line_index: std::sync::OnceLock::new(),
        apex_tests: std::sync::OnceLock::new(),
    };
    // A regular file only (a FIFO would block, a device never end), of a bounded size.
    let read = match c.preread {
        Some(bytes) => Ok(bytes),
        None => crate::workspace::confine::read_regular(&c.abs, MAX_FILE_BYTES),
    };
    let bytes = match read {
        Ok(b) => b,
        Err(e) => {
            return (
                file,
                Some((engine::UNREADABLE_FILE, 0, format!("cannot read file: {e}"))),
            );
        }
    };
    file.text = match String::from_utf8(bytes) {
        Ok(t) => t,
        // Static resources are often Latin-1 (CSV exports, old libraries): read what is ASCII.
        Err(e) if file.kind == FileKind::StaticText || file.rel.contains("/staticresources/") => {
            same_offsets_lossy(e.as_bytes())
        }
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let msg = format!("file is not valid UTF-8 (bad byte at offset {at}); not scanned");
            return (file, Some((engine::UNREADABLE_FILE, 0, msg)));
        }
    };
    file.size = file.text.len();
    (file, None)
}

/// `bytes` as text with each byte of an invalid UTF-8 sequence read as `?`: one byte for one,
/// so that every offset into the text is the same offset into the file.
fn same_offsets_lossy(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        out.extend(std::iter::repeat_n('?', chunk.invalid().len()));
    }
    out
}

/// In-memory files, read but not parsed, for tests and benchmarks of a whole scan.
#[cfg(any(test, feature = "test-support"))]
pub(crate) fn in_memory_unparsed(files: &[(&str, &str)]) -> Unparsed {
    let files: Vec<SourceFile> = files
        .iter()
        .map(|(rel, text)| SourceFile {
            rel: rel.to_string(),
            kind: crate::workspace::kind::classify(std::path::Path::new(rel)),
            text: text.to_string(),
            size: text.len(),
            parsed: Parsed::Failed,
            context: false,
            field_reads: Vec::new(),
            line_index: std::sync::OnceLock::new(),
            apex_tests: std::sync::OnceLock::new(),
        })
        .collect();
    Unparsed {
        readable: vec![true; files.len()],
        project: Project {
            root: PathBuf::from("."),
            repo_prefix: String::new(),
            sfdx: None,
            files,
        },
        findings: Vec::new(),
        progress: None,
    }
}

/// Parses `file` into `file.parsed`. `visit`, if given, sees an Apex tree before it is
/// flattened; without it, an Apex tree is not kept at all.
fn parse_into<T>(
    id: FileId,
    file: &mut SourceFile,
    visit: Option<ApexVisit<'_, T>>,
    keep: Keep<'_>,
) -> (Problem, Option<T>) {
    let mut visited = None;
    // The panic path's regression test needs a panic on a worker thread; debug builds only.
    #[cfg(debug_assertions)]
    if std::env::var_os("SFSEC_DEBUG_PANIC_ON").is_some_and(|v| v == file.rel.as_str()) {
        panic!("SFSEC_DEBUG_PANIC_ON {}", file.rel);
    }
    let problem = match file.kind {
        FileKind::Metadata(ty) => match XmlDoc::parse(&file.text) {
            Ok(doc) => {
                // A comment may hold a suppression directive, read from the document.
                if ty == MetaType::Other && doc.comments.is_empty() {
                    file.parsed = Parsed::WellFormed;
                    file.text = String::new();
                } else {
                    file.parsed = Parsed::Xml(doc);
                }
                None
            }
            Err(e) => Some((
                engine::INVALID_METADATA,
                e.offset.min(file.text.len()),
                format!("malformed XML: {}", e.message),
            )),
        },
        FileKind::Apex => match apex::parse_checked(&apex::neutralize_tokens(&file.text)) {
            Ok(tree) => {
                let mut problem = apex::first_error(&tree).map(|n| {
                    let what = if n.is_missing() {
                        format!("expected `{}`", n.kind())
                    } else {
                        "unexpected syntax".to_string()
                    };
                    (
                        engine::APEX_PARSE_ERROR,
                        n.start_byte(),
                        format!(
                            "sfsec's Apex grammar cannot read this ({what}); the rest of the file is linted, this part may hide findings"
                        ),
                    )
                });
                if let Some(visit) = visit {
                    visited = Some(visit(id, file, &tree));
                    let flat = keep_tree(file, &tree, keep);
                    // The analyses of the kept tree recurse once per level: one this deep is
                    // not kept, and says so.
                    file.parsed = match flat.too_deep() {
                        Some(at) => {
                            problem = Some((
                                engine::ANALYSIS_LIMIT,
                                at,
                                crate::syntax::tree::too_deep_message("Apex"),
                            ));
                            Parsed::Failed
                        }
                        None => Parsed::Apex(flat),
                    };
                }
                problem
            }
            Err(crate::syntax::tree::ParseFailure::TooSlow) => {
                Some((engine::ANALYSIS_LIMIT, 0, crate::syntax::tree::too_slow_message("Apex")))
            }
            Err(crate::syntax::tree::ParseFailure::GaveUp) => Some((
                engine::APEX_PARSE_ERROR,
                0,
                "the Apex parser gave up on this file".to_string(),
            )),
        },
        FileKind::ScratchDef | FileKind::ExperienceConfig | FileKind::ProjectConfig => {
            match JsonNode::parse(&file.text) {
                Ok(j) => {
                    file.parsed = Parsed::Json(j);
                    None
                }
                Err(e) => Some((
                    engine::INVALID_METADATA,
                    e.offset.min(file.text.len()),
                    format!("malformed JSON: {}", e.message),
                )),
            }
        }
        FileKind::JavaScript if crate::syntax::js_lex::is_library(&file.rel, &file.text) => {
            file.parsed = Parsed::Lexed;
            None
        }
        FileKind::JavaScript => {
            let (problem, v) = parse_js(id, file, visit);
            visited = v;
            problem
        }
        FileKind::Visualforce | FileKind::AuraMarkup | FileKind::StaticText => {
            file.parsed = Parsed::Text;
            None
        }
        FileKind::Ignored => None,
    };
    (problem, visited)
}

/// [`parse_into`] for a script that is not a library: parsed, checked by `visit`, and kept
/// only where the data flow through scripts may start.
fn parse_js<T>(id: FileId, file: &mut SourceFile, visit: Option<ApexVisit<'_, T>>) -> (Problem, Option<T>) {
    let mut visited = None;
    let problem = match crate::syntax::js::parse_checked(&file.text) {
        Ok(tree) => {
            // The per-file checks see the tree now; it is kept only for the data flow
            // through scripts, as an Apex tree is kept only for its declarations.
            file.parsed = match visit {
                Some(visit) => {
                    visited = Some(visit(id, file, &tree));
                    if crate::syntax::js::may_start_script_flow(&file.rel, &file.text) {
                        Parsed::Js(tree)
                    } else {
                        Parsed::Checked
                    }
                }
                None => Parsed::Js(tree),
            };
            None
        }
        Err(failure) => {
            file.parsed = Parsed::Text;
            (failure == crate::syntax::tree::ParseFailure::TooSlow).then(|| {
                (
                    engine::ANALYSIS_LIMIT,
                    0,
                    crate::syntax::tree::too_slow_message("JavaScript"),
                )
            })
        }
    };
    (problem, visited)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Latin-1 bytes in a static resource become `?`, one for one; a secret after them is found
    /// at its offset in the file.
    #[test]
    fn latin1_static_resources_are_read_with_the_same_offsets() {
        let mut bytes = b"Name;Stadt\nM\xfcller;K\xf6ln\n".to_vec();
        let key_at = bytes.len() + 4;
        bytes.extend_from_slice(b"key=AKIAJ2K4L6N8P0R2T4V6\n");
        let text = same_offsets_lossy(&bytes);
        assert_eq!(text.len(), bytes.len());
        assert!(text.starts_with("Name;Stadt\nM?ller;K?ln\n"));
        assert_eq!(&text[key_at..key_at + 4], "AKIA");
        let project = crate::testing::TempProject::new(&[
            ("force-app/main/default/staticresources/partners.csv", bytes.as_slice()),
            (
                "force-app/main/default/classes/Latin.cls",
                b"public class M\xfcller { }".as_slice(),
            ),
        ])
        .expect("project");
        let req = crate::engine::ScanRequest {
            paths: Vec::new(),
            cwd: project.path().to_path_buf(),
            config: crate::workspace::config::Config::default(),
            now: 0,
        };
        let scan = crate::engine::scan(&req).expect("scan");
        let got: Vec<(&str, &str, usize)> = scan
            .findings
            .iter()
            .map(|f| (f.rule, scan.project.file(f.file).rel.as_str(), f.span.start))
            .collect();
        assert!(
            got.contains(&(
                "hardcoded-secret",
                "force-app/main/default/staticresources/partners.csv",
                key_at
            )),
            "{got:?}"
        );
        // Apex is UTF-8 or it is not read.
        assert!(
            got.contains(&("unreadable-file", "force-app/main/default/classes/Latin.cls", 0)),
            "{got:?}"
        );
        assert!(
            !got.iter().any(|g| g.0 == "unreadable-file" && g.1.ends_with(".csv")),
            "{got:?}"
        );
    }

    /// A companion `-meta.xml` keeps its document only when it has comments; one that does
    /// not parse is still reported.
    #[test]
    fn companion_metadata_keeps_no_document_unless_it_has_comments() {
        // Every tree kept whole: which trees are kept is not what this test is about.
        struct KeepAll;
        impl KeepPolicy for KeepAll {
            fn keeps_whole(&self, _: FileId, _: &SourceFile) -> bool {
                true
            }
            fn marks(&self, _: &str) -> Vec<u32> {
                Vec::new()
            }
        }
        // A trigger's companion: no rule reads it (a class's is read for its API version).
        let meta = "<?xml version=\"1.0\"?>\n<ApexTrigger xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <apiVersion>62.0</apiVersion>\n    <status>Active</status>\n</ApexTrigger>\n";
        let commented = meta.replace("<status>", "<!-- sfsec-disable-file -->\n    <status>");
        let settings = "<?xml version=\"1.0\"?>\n<CustomObject><visibility>Protected</visibility></CustomObject>";
        let (project, findings) = in_memory_unparsed(&[
            ("force-app/main/default/triggers/A.trigger-meta.xml", meta),
            ("force-app/main/default/triggers/B.trigger-meta.xml", &commented),
            (
                "force-app/main/default/triggers/C.trigger-meta.xml",
                "<ApexTrigger><apiVersion>",
            ),
            ("force-app/main/default/objects/S__c/S__c.object-meta.xml", settings),
        ])
        .parse(&KeepAll);
        let kept: Vec<bool> = project.files.iter().map(|f| f.xml().is_some()).collect();
        assert_eq!(kept, [false, true, false, true]);
        assert!(matches!(project.files[0].parsed, Parsed::WellFormed));
        // Its text goes too; its size stays, for the review's coverage.
        assert!(project.files[0].text.is_empty());
        assert_eq!(project.files[0].size, meta.len());
        assert_eq!(project.files[1].text, commented);
        let rules: Vec<(&str, FileId)> = findings.iter().map(|f| (f.rule, f.file)).collect();
        assert_eq!(rules, [("invalid-metadata", 2)]);
    }
}
