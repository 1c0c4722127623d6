//! Taint tracking in JavaScript, beside the Apex interpreter: Visualforce inline scripts and
//! event handlers, Aura controllers and helpers, LWC modules and JavaScript static resources,
//! parsed with tree-sitter-javascript.
//!
//! A [`ScriptSpec`] says what the sources are: merge fields in Visualforce text, and the Apex
//! methods that return a source according to the Apex [`Analysis`] (an LWC import of
//! `@salesforce/apex/Class.method`, an Aura `c.method` action). Sinks are the browser's:
//! `fetch`, `XMLHttpRequest`, jQuery `ajax`/`get`/`post`, `navigator.sendBeacon`, `WebSocket`,
//! `window.open`, `location` and `src`/`href`/`action` assignments (leaving the browser), and
//! `localStorage`/`sessionStorage` (kept in it). Variables are tracked by name within one file,
//! flow-insensitively, up to [`MAX_PASSES`] passes: component code is small.

use std::collections::HashMap;
use std::ops::Range;

use rayon::prelude::*;

use crate::dataflow::markup::Controllers;
use crate::dataflow::url::{Endpoint, UrlClass};
use crate::dataflow::{Analysis, Hop};
use crate::diagnostics::finding::FileId;
use crate::workspace::kind::FileKind;
use crate::workspace::project::{Parsed, Project};

use interp::{JVal, Script};

pub(crate) mod bundle;
mod calls;
mod classify;
mod interp;
pub(crate) mod owned;
pub(crate) mod redirect;
#[cfg(test)]
mod tests;
mod vf;

/// How often a file is evaluated at most: each pass lets a value travel one more assignment
/// backwards in the text; a pass that changes nothing ends it sooner.
const MAX_PASSES: usize = 4;

/// What a script analysis tracks, declared by the lints that read its flows.
pub(crate) struct ScriptSpec {
    /// Byte ranges of the merge fields in Visualforce text that stand for the source
    /// (`{!$Api.Session_ID}`).
    pub markers: fn(&str) -> Vec<Range<usize>>,
    /// Words (lower case) in every text `markers` finds something in: a file list's context
    /// is read for flows only where one of them, or a source hint, occurs.
    pub marker_hints: &'static [&'static str],
    /// The first step of a flow from a merge field.
    pub marker_note: &'static str,
    /// The category of flows that leave the browser (requests, navigation, connections).
    pub external: &'static str,
    /// The category of flows into browser storage.
    pub exposed: &'static str,
}

/// A source reaching a sink in script.
#[derive(Debug, Clone)]
pub(crate) struct ScriptFlow {
    pub category: &'static str,
    pub note: &'static str,
    pub file: FileId,
    pub span: Range<usize>,
    pub path: Vec<Hop>,
    pub endpoint: Option<UrlClass>,
    pub endpoint_span: Option<Range<usize>>,
}

/// The category of a [`ScriptFlow`] that stands for a script too deep to interpret (its
/// visits recurse once per level): an `analysis-limit` finding at its span.
pub(crate) const TOO_DEEP: &str = "too-deep";

impl ScriptFlow {
    fn too_deep(file: FileId, at: usize) -> Self {
        ScriptFlow {
            category: TOO_DEEP,
            note: "",
            file,
            span: at..at,
            path: Vec::new(),
            endpoint: None,
            endpoint_span: None,
        }
    }

    /// The flow's endpoint in the shape the Apex flows use.
    pub(crate) fn endpoint(&self) -> Option<Endpoint> {
        Some(Endpoint {
            class: self.endpoint.clone()?,
            file: self.file,
            span: self.endpoint_span.clone()?,
            param: None,
        })
    }
}

/// Every flow in the project's scripts from a source of `spec` (a merge field, or an Apex
/// method of `analysis` that returns one) to a browser sink. Scripts in `__tests__` folders
/// are skipped.
pub(crate) fn analyze(project: &Project, analysis: &Analysis, spec: &ScriptSpec) -> Vec<ScriptFlow> {
    let aura = AuraIndex::build(project);
    // Scripts whose tree a scan did not keep because it reused their per-file results
    // ([`crate::engine::memo`]): parsed again, only when some Apex method returns a source.
    let reparsed: HashMap<FileId, tree_sitter::Tree> = if analysis.returns.is_empty() {
        HashMap::new()
    } else {
        project
            .files
            .par_iter()
            .enumerate()
            .filter(|(_, f)| {
                matches!((&f.parsed, f.kind), (Parsed::Checked, FileKind::JavaScript))
                    && crate::syntax::js::may_start_script_flow(&f.rel, &f.text)
            })
            .filter_map(|(id, f)| Some((id, crate::syntax::js::parse(&f.text)?)))
            .collect()
    };
    let mut out = Vec::new();
    // Aura bundle folder -> tainted arguments its controller passed to helper functions; the
    // helper (`XHelper.js`) sorts after the controller (`XController.js`).
    let mut helper_seeds: HashMap<String, Vec<(String, usize, JVal<'_>)>> = HashMap::new();
    for (id, f) in project.files.iter().enumerate() {
        if f.rel.contains("/__tests__/") {
            continue;
        }
        let tree = match &f.parsed {
            Parsed::Js(tree) => Some(tree),
            _ => reparsed.get(&id),
        };
        match (tree, f.kind) {
            (Some(tree), FileKind::JavaScript) => {
                // Cheap gate: only files that can hold a source are walked.
                // An Aura file that names a controller action (`'c.getSession'`) may hand its
                // result to a callback through a wrapper component.
                let maybe = f.text.contains("@salesforce/apex/")
                    || f.text.contains("getReturnValue")
                    || (f.rel.contains("/aura/") && (f.text.contains("\"c.") || f.text.contains("'c.")));
                let dir = f.rel.rsplit_once('/').map_or("", |(d, _)| d).to_string();
                let seeds = helper_seeds.remove(&dir).unwrap_or_default();
                let maybe = maybe || !seeds.is_empty();
                // Other trees were freed after the per-file pass.
                debug_assert!(!maybe || crate::syntax::js::may_start_script_flow(&f.rel, &f.text));
                if !maybe || analysis.returns.is_empty() {
                    continue;
                }
                if let Some(at) = crate::syntax::tree::deeper_than(tree.root_node(), crate::syntax::tree::MAX_DEPTH) {
                    out.push(ScriptFlow::too_deep(id, at));
                    continue;
                }
                let mut s = Script::new(id, &f.text, 0, &[], analysis, spec);
                s.aura_controller = aura.controller(project, &dir);
                s.run_seeded(tree.root_node(), &seeds);
                s.aura_markup_sinks(project, aura.markup_in(&dir));
                if !s.helper_calls.is_empty() {
                    helper_seeds.insert(dir, std::mem::take(&mut s.helper_calls));
                }
                out.extend(s.out);
            }
            (_, FileKind::Visualforce) => {
                let markers: Vec<Range<usize>> = (spec.markers)(&f.text);
                if markers.is_empty() {
                    continue;
                }
                let mut bodies = vf::inline_scripts(&f.text);
                bodies.extend(vf::handler_values(&f.text, &markers));
                bodies.sort_by_key(|r| (r.start, r.end));
                bodies.dedup();
                for body in bodies {
                    let inside: Vec<Range<usize>> = markers
                        .iter()
                        .filter(|m| m.start >= body.start && m.end <= body.end)
                        .cloned()
                        .collect();
                    if inside.is_empty() {
                        continue;
                    }
                    let js = vf::neutralize_merge_fields(&f.text[body.clone()]);
                    let Some(tree) = crate::syntax::js::parse(&js) else {
                        continue;
                    };
                    if let Some(at) = crate::syntax::tree::deeper_than(tree.root_node(), crate::syntax::tree::MAX_DEPTH)
                    {
                        out.push(ScriptFlow::too_deep(id, body.start + at));
                        continue;
                    }
                    let mut s = Script::new(id, &f.text, body.start, &inside, analysis, spec);
                    s.controllers = Controllers::of_markup(&f.text, Some(analysis));
                    s.run(tree.root_node());
                    out.extend(s.out);
                }
            }
            _ => {}
        }
    }
    out
}

/// Aura markup files by folder, built once per scan: looking them up per JavaScript file
/// among all the project's files made script analysis grow with the square of the project.
struct AuraIndex<'p> {
    /// The folder's own markup files (`.cmp`, `.app`), in project order.
    by_folder: HashMap<&'p str, Vec<FileId>>,
    /// Per folder `…/<bundle>`: the first markup file below it whose path continues with the
    /// bundle's name (the bundle's own `<bundle>.cmp`).
    bundle_markup: HashMap<&'p str, FileId>,
}

impl<'p> AuraIndex<'p> {
    fn build(project: &'p Project) -> Self {
        let mut by_folder: HashMap<&str, Vec<FileId>> = HashMap::new();
        let mut bundle_markup: HashMap<&str, FileId> = HashMap::new();
        for (id, f) in project.files.iter().enumerate() {
            if f.kind != FileKind::AuraMarkup {
                continue;
            }
            if let Some((folder, _)) = f.rel.rsplit_once('/') {
                by_folder.entry(folder).or_default().push(id);
            }
            // Every folder above the file for which it is the bundle's markup.
            let mut dir = f.rel.as_str();
            while let Some((up, _)) = dir.rsplit_once('/') {
                dir = up;
                let bundle = dir.rsplit('/').next().unwrap_or(dir);
                if f.rel[dir.len()..].trim_start_matches('/').starts_with(bundle) {
                    bundle_markup.entry(dir).or_insert(id);
                }
            }
        }
        AuraIndex {
            by_folder,
            bundle_markup,
        }
    }

    /// The markup files directly in `dir`.
    fn markup_in(&self, dir: &str) -> &[FileId] {
        self.by_folder.get(dir).map_or(&[], Vec::as_slice)
    }

    /// The Apex controller named by the bundle's markup (`controller="ns.Class"`).
    fn controller(&self, project: &Project, dir: &str) -> Option<String> {
        let t = &project.files[*self.bundle_markup.get(dir)?].text;
        let at = t.find("controller=")?;
        let rest = &t[at + "controller=".len()..];
        let quote = rest.chars().next()?;
        let value = rest[quote.len_utf8()..].split(quote).next()?;
        Some(value.rsplit('.').next().unwrap_or(value).to_string())
    }
}
