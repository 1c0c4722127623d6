//! Finds the files to scan: `sfdx-project.json` package directories, `.forceignore`,
//! metadata-API folders, plain folders and explicit file lists.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use walkdir::WalkDir;

use crate::diagnostics::rules::engine;
use crate::syntax::json::{Json, JsonNode};
use crate::workspace::config::{Config, ConfigError};
use crate::workspace::confine::{Confine, read_confined};
pub(crate) use crate::workspace::context::Sources;
use crate::workspace::context::add_context;
use crate::workspace::kind::{FileKind, classify};

pub(crate) const SFDX_PROJECT: &str = "sfdx-project.json";
const SKIPPED_DIRS: &[&str] = &[".git", "node_modules", ".sfdx", ".sf"];

#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub abs: PathBuf,
    /// Relative to the root, `/`-separated.
    pub rel: String,
    pub kind: FileKind,
    /// Read as context for a given file, not reported on (see [`companions`]).
    pub context: bool,
    /// The file's bytes, when discovery already read them to find its context.
    pub preread: Option<Vec<u8>>,
}

/// Something the walk could not read (a symlink loop, a permission error) or would not
/// follow (a link out of the project).
#[derive(Debug, Clone)]
pub(crate) struct WalkProblem {
    pub rel: String,
    /// `unreadable-file` or `link-outside-project`.
    pub rule: &'static str,
    pub message: String,
}

pub(super) fn link_problem(root: &Path, abs: &Path) -> WalkProblem {
    WalkProblem {
        rel: relative(root, abs),
        rule: engine::LINK_OUTSIDE_PROJECT,
        message: Confine::message(abs),
    }
}

#[derive(Debug)]
pub(crate) struct Discovery {
    pub root: PathBuf,
    /// See [`crate::workspace::project::Project::repo_prefix`].
    pub repo_prefix: String,
    pub sfdx: Option<SfdxProject>,
    pub files: Vec<Candidate>,
    pub problems: Vec<WalkProblem>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct SfdxProject {
    pub package_dirs: Vec<PathBuf>,
    /// Package directories that do not exist: where `sfdx-project.json` names each (the span of
    /// its `path` value) and the path. The others are scanned.
    pub missing: Vec<(std::ops::Range<usize>, String)>,
    /// `None` or empty when the project has no namespace (not a managed package).
    pub namespace: Option<String>,
    /// The packages the package directories declare, in the file's order.
    pub packages: Vec<PackageInfo>,
}

/// A package directory's `package`, `versionNumber` and `versionName`, for the review document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PackageInfo {
    pub name: String,
    pub version: Option<String>,
    pub version_name: Option<String>,
    /// The directory's `path`, as written.
    pub path: String,
}

/// The project root for these inputs: the nearest ancestor holding `sfdx-project.json`, else the
/// current directory when the first path is inside it, else the first path (or its folder).
pub(crate) fn find_root(paths: &[PathBuf], cwd: &Path) -> PathBuf {
    let first = paths.first().map_or_else(|| cwd.to_path_buf(), |p| absolute(cwd, p));
    let start = if first.is_file() {
        first.parent().map(Path::to_path_buf).unwrap_or_else(|| first.clone())
    } else {
        first.clone()
    };
    let mut cur = Some(start.as_path());
    while let Some(dir) = cur {
        if dir.join(SFDX_PROJECT).is_file() {
            return dir.to_path_buf();
        }
        cur = dir.parent();
    }
    if start.starts_with(cwd) {
        cwd.to_path_buf()
    } else {
        start
    }
}

/// The project root's path from the repository's root, with a trailing `/` (empty when they are
/// the same): the repository is the git work tree around the project (a `.git` folder or file),
/// else the current directory when the project is inside it. Outputs put it before each file's
/// path, so that locations land on the repository's files (GitHub code scanning and annotations
/// resolve paths from the repository root, and an SFDX project is often a subfolder).
pub(crate) fn repo_prefix(root: &Path, cwd: &Path) -> String {
    let repo = root
        .ancestors()
        .find(|d| d.join(".git").exists())
        .or_else(|| root.starts_with(cwd).then_some(cwd));
    match repo {
        Some(repo) if repo != root => {
            let rel = relative(repo, root);
            if rel == "." || rel.is_empty() {
                String::new()
            } else {
                format!("{rel}/")
            }
        }
        _ => String::new(),
    }
}

/// The repository's root around the project at `root`, as [`repo_prefix`] finds it.
pub(crate) fn repo_root(root: &Path, cwd: &Path) -> PathBuf {
    let up = repo_prefix(root, cwd).split('/').filter(|c| !c.is_empty()).count();
    root.ancestors().nth(up).unwrap_or(root).to_path_buf()
}

/// Whether `dir` is a project's root: it holds `sfdx-project.json`, or a metadata-API
/// `package.xml`.
pub(crate) fn is_project_root(dir: &Path) -> bool {
    dir.join(SFDX_PROJECT).is_file() || dir.join("package.xml").is_file()
}

pub(crate) fn absolute(cwd: &Path, p: &Path) -> PathBuf {
    let joined = if p.is_absolute() { p.to_path_buf() } else { cwd.join(p) };
    normalize(&joined)
}

/// Removes `.` and resolves `..` lexically, so relative paths print cleanly.
pub(crate) fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

pub(crate) fn relative(root: &Path, abs: &Path) -> String {
    // Paths found by the walk are nearly always the root's text, `/`, then what the component
    // walk below gives: taken as they are, discovery (it runs before anything is parallel)
    // costs half as much.
    #[cfg(unix)]
    if let (Some(r), Some(a)) = (root.to_str(), abs.to_str())
        && !r.is_empty()
        && let Some(s) = a.strip_prefix(r).and_then(|rest| rest.strip_prefix('/'))
        && plain(s)
    {
        return s.to_string();
    }
    let rel = abs.strip_prefix(root).unwrap_or(abs);
    #[cfg(unix)]
    if let Some(s) = rel.to_str()
        && plain(s)
    {
        return s.to_string();
    }
    by_components(rel)
}

/// A relative path that its components, joined with `/`, spell the same.
#[cfg(unix)]
fn plain(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('/')
        && !s.starts_with("./")
        && s != "."
        && !s.ends_with('/')
        && !s.ends_with("/.")
        && !s.contains("//")
        && !s.contains("/./")
}

/// Whether `abs` is `dir` or inside it, as [`Path::starts_with`] says (component by component).
fn under(abs: &Path, dir: &Path) -> bool {
    // The text test only ever says yes where the component test would; it is much cheaper.
    #[cfg(unix)]
    if let (Some(a), Some(d)) = (abs.to_str(), dir.to_str())
        && a.starts_with(d)
        && (a.len() == d.len() || a.as_bytes()[d.len()] == b'/')
    {
        return true;
    }
    abs.starts_with(dir)
}

fn by_components(rel: &Path) -> String {
    let s = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    if s.is_empty() { ".".to_string() } else { s }
}

/// Reads and checks `sfdx-project.json`; every problem names the line and what was expected.
pub(crate) fn load_sfdx_project(root: &Path) -> Result<SfdxProject, ConfigError> {
    let path = root.join(SFDX_PROJECT);
    let text = read_confined(&Confine::new(root), &path).map_err(|e| ConfigError {
        path: Some(path.clone()),
        line: 0,
        column: 0,
        message: format!("cannot read: {e}"),
    })?;
    let err = |offset: usize, msg: String| ConfigError::at(&path, &text, offset, msg);
    let json = JsonNode::parse(&text).map_err(|e| ConfigError {
        path: Some(path.clone()),
        line: e.line,
        column: e.column,
        message: format!("invalid JSON: {}", e.message),
    })?;
    if !matches!(json.value, Json::Object(_)) {
        return Err(err(
            json.span.start,
            format!("expected an object, found {}", json.type_name()),
        ));
    }
    let Some(dirs) = json.get("packageDirectories") else {
        return Err(err(json.span.start, "expected a `packageDirectories` array".into()));
    };
    let Json::Array(items) = &dirs.value.value else {
        return Err(err(
            dirs.value.span.start,
            format!(
                "`packageDirectories` must be an array, found {}",
                dirs.value.type_name()
            ),
        ));
    };
    if items.is_empty() {
        return Err(err(
            dirs.value.span.start,
            "`packageDirectories` is empty; expected at least one { \"path\": ... }".into(),
        ));
    }
    let mut project = SfdxProject::default();
    for item in items {
        let Some(path_member) = item.get("path") else {
            return Err(err(
                item.span.start,
                "expected a package directory object with a `path` string".into(),
            ));
        };
        let Some(p) = path_member.value.as_str() else {
            return Err(err(
                path_member.value.span.start,
                format!("`path` must be a string, found {}", path_member.value.type_name()),
            ));
        };
        // Informational: a value of another type is left out, not an error.
        let text = |key: &str| item.get(key).and_then(|m| m.value.as_str()).map(str::to_string);
        if let Some(name) = text("package").filter(|n| !n.is_empty()) {
            project.packages.push(PackageInfo {
                name,
                version: text("versionNumber"),
                version_name: text("versionName"),
                path: p.to_string(),
            });
        }
        let dir = normalize(&root.join(p));
        if !dir.starts_with(root) {
            return Err(err(
                path_member.value.span.start,
                format!("package directory `{p}` is outside the project"),
            ));
        }
        // A folder deleted or not yet created (seen in a public package's project file) is
        // reported, and the rest is scanned.
        if !dir.is_dir() {
            project.missing.push((path_member.value.span.clone(), p.to_string()));
            continue;
        }
        project.package_dirs.push(dir);
    }
    if let Some(ns) = json.get("namespace") {
        match ns.value.as_str() {
            Some(s) => project.namespace = Some(s.to_string()).filter(|s| !s.is_empty()),
            None if matches!(ns.value.value, Json::Null) => {}
            None => {
                return Err(err(
                    ns.value.span.start,
                    format!("`namespace` must be a string, found {}", ns.value.type_name()),
                ));
            }
        }
    }
    Ok(project)
}

fn forceignore(root: &Path) -> Result<Option<Gitignore>, ConfigError> {
    let path = root.join(".forceignore");
    if path.symlink_metadata().is_err() || path.is_dir() {
        return Ok(None);
    }
    let text = read_confined(&Confine::new(root), &path)
        .map_err(|e| ConfigError::plain(format!("{}: cannot read: {e}", path.display())))?;
    let mut builder = GitignoreBuilder::new(root);
    for (i, line) in text.lines().enumerate() {
        builder
            .add_line(Some(path.clone()), line)
            .map_err(|e| ConfigError::plain(format!("{}:{}: {e}", path.display(), i + 1)))?;
    }
    builder
        .build()
        .map(Some)
        .map_err(|e| ConfigError::plain(format!("{}: {e}", path.display())))
}

/// The files under `walk_root` that sfsec reads, into `files`; what cannot be read, and links
/// that leave the project (reported, not followed), into `problems`.
fn walk(
    root: &Path,
    walk_root: &Path,
    confine: &Confine,
    excluded: &dyn Fn(&Path, &str, bool, bool) -> bool,
    files: &mut BTreeMap<String, Candidate>,
    problems: &mut Vec<WalkProblem>,
) {
    if confine.leaves(walk_root) {
        problems.push(link_problem(root, walk_root));
        return;
    }
    // Links the walk meets that leave the project: reported, not followed.
    let escaped = std::cell::RefCell::new(Vec::new());
    // Unsorted: `files` orders them by relative path, and sorting each folder by name
    // cost more than the rest of discovery (a `Path::file_name` per comparison).
    let walker = WalkDir::new(walk_root)
        .follow_links(true)
        .into_iter()
        // Folders here; files below, where their relative path is needed anyway.
        .filter_entry(|e| {
            if e.depth() == 0 {
                return true;
            }
            if e.path_is_symlink() && confine.leaves(e.path()) {
                escaped.borrow_mut().push(link_problem(root, e.path()));
                return false;
            }
            if !e.file_type().is_dir() {
                return true;
            }
            let name = e.file_name().to_string_lossy();
            if SKIPPED_DIRS.contains(&name.as_ref()) || name.starts_with('.') {
                return false;
            }
            let rel = relative(root, e.path());
            // The walk's root was not checked: below it, every parent was.
            !excluded(e.path(), &rel, true, e.depth() > 1)
        });
    for entry in walker {
        match entry {
            Ok(e) if e.file_type().is_file() => {
                let rel = relative(root, e.path());
                let kind = classify(Path::new(&rel));
                if kind.is_scanned()
                    && !e.file_name().to_string_lossy().starts_with('.')
                    && (e.depth() == 0 || !excluded(e.path(), &rel, false, e.depth() > 1))
                {
                    files.entry(rel.clone()).or_insert(Candidate {
                        abs: e.path().to_path_buf(),
                        rel,
                        kind,
                        context: false,
                        preread: None,
                    });
                }
            }
            Ok(_) => {}
            Err(e) => {
                let rel = e
                    .path()
                    .map_or_else(|| relative(root, walk_root), |p| relative(root, p));
                let message = if e.loop_ancestor().is_some() {
                    "symbolic link loop; not followed".to_string()
                } else {
                    e.io_error().map_or_else(|| e.to_string(), ToString::to_string)
                };
                problems.push(WalkProblem {
                    rel,
                    rule: engine::UNREADABLE_FILE,
                    message,
                });
            }
        }
    }
    problems.extend(escaped.into_inner());
}

/// Walks the inputs. `paths` empty means the root. Files are returned sorted by relative path.
pub(crate) fn discover(
    root: &Path,
    paths: &[PathBuf],
    cwd: &Path,
    config: &Config,
    sources: &Sources,
) -> Result<Discovery, ConfigError> {
    let sfdx = if root.join(SFDX_PROJECT).is_file() {
        Some(load_sfdx_project(root)?)
    } else {
        None
    };
    let ignore = forceignore(root)?;
    let confine = Confine::new(root);
    let mut files: BTreeMap<String, Candidate> = BTreeMap::new();
    let mut given: Vec<PathBuf> = Vec::new();
    let mut problems = Vec::new();

    let inputs: Vec<PathBuf> = if paths.is_empty() {
        vec![root.to_path_buf()]
    } else {
        paths.iter().map(|p| absolute(cwd, p)).collect()
    };
    // `.forceignore` speaks only of paths under the root (its matcher asserts that), so a file
    // given from outside the project is never force-ignored. In an SFDX project it governs the
    // source commands, which read only the package directories: metadata-API folders elsewhere
    // are deployed by tools that never read it (`mdapi:deploy`, CumulusCI), so it does not
    // hide them.
    let package_dirs: &[PathBuf] = sfdx.as_ref().map_or(&[], |p| p.package_dirs.as_slice());
    // `parent_checked`: the walk already found the parent folder not ignored, so only the
    // path's own patterns can ignore it (the first match up the path decides). Matching every
    // parent of every file again was 7% of a re-scan.
    let excluded_in = |abs: &Path, rel: &str, is_dir: bool, parent_checked: bool| -> bool {
        let governed = sfdx.is_none() || package_dirs.iter().any(|d| under(abs, d));
        let force_ignored = match (&ignore, abs.strip_prefix(root)) {
            (Some(g), Ok(under_root)) if governed && parent_checked => g.matched(under_root, is_dir).is_ignore(),
            (Some(g), Ok(under_root)) if governed => g.matched_path_or_any_parents(under_root, is_dir).is_ignore(),
            _ => false,
        };
        force_ignored || config.exclude.is_match(rel)
    };
    let excluded = |abs: &Path, rel: &str, is_dir: bool| excluded_in(abs, rel, is_dir, false);

    for input in inputs {
        if confine.leaves(&input) {
            problems.push(link_problem(root, &input));
            continue;
        }
        if input.is_file() {
            let rel = relative(root, &input);
            let kind = classify(Path::new(&rel));
            if kind.is_scanned() && !excluded(&input, &rel, false) {
                given.push(input.clone());
                files.insert(
                    rel.clone(),
                    Candidate {
                        abs: input,
                        rel,
                        kind,
                        context: false,
                        preread: None,
                    },
                );
            }
            continue;
        }
        if !input.exists() {
            return Err(ConfigError::plain(format!(
                "{}: no such file or directory",
                input.display()
            )));
        }
        // At an SFDX root only the package directories (and scratch definitions) are source;
        // the project file itself declares dependencies.
        if sfdx.is_some() && input == root {
            let rel = SFDX_PROJECT.to_string();
            files.entry(rel.clone()).or_insert(Candidate {
                abs: root.join(SFDX_PROJECT),
                rel,
                kind: FileKind::ProjectConfig,
                context: false,
                preread: None,
            });
        }
        let walk_roots: Vec<PathBuf> = match &sfdx {
            Some(p) if input == root => {
                let mut v = p.package_dirs.clone();
                let config_dir = root.join("config");
                if config_dir.is_dir() {
                    v.push(config_dir);
                }
                v.extend(deploy_folders(root, &v, &|abs, rel| excluded(abs, rel, true)));
                v
            }
            _ => vec![input],
        };
        for walk_root in walk_roots {
            walk(root, &walk_root, &confine, &excluded_in, &mut files, &mut problems);
        }
    }
    add_context(root, &given, sources, &confine, &excluded, &mut files, &mut problems);
    problems.sort_by(|a, b| a.rel.cmp(&b.rel));
    problems.dedup_by(|a, b| a.rel == b.rel);
    Ok(Discovery {
        root: root.to_path_buf(),
        repo_prefix: repo_prefix(root, cwd),
        sfdx,
        files: files.into_values().collect(),
        problems,
    })
}

/// Metadata-API folders of an SFDX project outside its package directories: folders holding a
/// `package.xml`, and CumulusCI's `unpackaged/` tree (it writes the manifest at deploy time).
/// They deploy the orgs the partner builds in (pre/post steps, dev, QA and trial org settings,
/// profiles), so they are scanned with the package.
fn deploy_folders(root: &Path, walked: &[PathBuf], excluded: &dyn Fn(&Path, &str) -> bool) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let unpackaged = root.join("unpackaged");
    let cumulus = root.join("cumulusci.yml").is_file() && unpackaged.is_dir();
    if cumulus && !walked.iter().any(|w| unpackaged.starts_with(w)) {
        found.push(unpackaged.clone());
    }
    let mut walker = WalkDir::new(root).follow_links(false).sort_by_file_name().into_iter();
    while let Some(entry) = walker.next() {
        let Ok(e) = entry else { continue };
        if !e.file_type().is_dir() || e.depth() == 0 {
            continue;
        }
        let path = e.path();
        let name = e.file_name().to_string_lossy();
        let inside_walked = walked.iter().chain(found.iter()).any(|w| path.starts_with(w));
        if inside_walked
            || SKIPPED_DIRS.contains(&name.as_ref())
            || name.starts_with('.')
            || excluded(path, &relative(root, path))
        {
            walker.skip_current_dir();
            continue;
        }
        if path.join("package.xml").is_file() {
            found.push(path.to_path_buf());
            walker.skip_current_dir();
        }
    }
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A walked file is matched against its own `.forceignore` patterns only (its folders were
    /// matched on the way down), with the same result as matching it and every parent: folders
    /// ignored at any depth, negations, and the package folder the walk starts from.
    #[test]
    fn forceignore_in_a_walk_is_what_matching_every_parent_gives() {
        let sfdx = r#"{"packageDirectories":[{"path":"force-app","default":true},{"path":"other"}]}"#;
        let ignore = "**/__tests__/**\nforce-app/main/default/classes/skip/\n*.skip.cls\n!force-app/main/default/classes/keep.skip.cls\n**/deep/er\nother\n";
        let c = "force-app/main/default/classes";
        let files = [
            ("sfdx-project.json".to_string(), sfdx),
            (".forceignore".to_string(), ignore),
            (format!("{c}/A.cls"), "class A {}"),
            (format!("{c}/skip/B.cls"), "class B {}"),
            (format!("{c}/skip/keep.skip.cls"), "class K {}"),
            (format!("{c}/x.skip.cls"), "class X {}"),
            (format!("{c}/keep.skip.cls"), "class K {}"),
            (format!("{c}/deep/er/C.cls"), "class C {}"),
            (format!("{c}/deep/D.cls"), "class D {}"),
            ("force-app/main/default/lwc/w/__tests__/w.test.js".to_string(), "x"),
            ("force-app/main/default/lwc/w/w.js".to_string(), "x"),
            ("other/main/default/classes/O.cls".to_string(), "class O {}"),
        ];
        let refs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), *t)).collect();
        let project = crate::testing::TempProject::new(&refs).expect("project");
        let root = project.path().to_path_buf();
        let found = discover(
            &root,
            &[],
            &root,
            &crate::workspace::config::Config::default(),
            &Sources::None,
        )
        .expect("discover");
        let mut got: Vec<&str> = found.files.iter().map(|f| f.rel.as_str()).collect();
        got.sort_unstable();
        let mut want = vec![
            "force-app/main/default/classes/A.cls".to_string(),
            format!("{c}/deep/D.cls"),
            format!("{c}/keep.skip.cls"),
            "force-app/main/default/lwc/w/w.js".to_string(),
            "sfdx-project.json".to_string(),
        ];
        want.sort_unstable();
        assert_eq!(got, want);
    }

    #[test]
    fn under_agrees_with_path_starts_with() {
        let dirs = ["/w/p/force-app", "/w/p/./force-app", "/w/p/force-app/", "/w/p/force"];
        let paths = [
            "/w/p/force-app",
            "/w/p/force-app/main/A.cls",
            "/w/p/./force-app/main/A.cls",
            "/w/p/force-app2/A.cls",
            "/w/p/force-app//A.cls",
            "/w/q/force-app/A.cls",
        ];
        for d in dirs {
            for a in paths {
                assert_eq!(
                    under(Path::new(a), Path::new(d)),
                    Path::new(a).starts_with(d),
                    "{a} in {d}"
                );
            }
        }
    }

    #[test]
    fn relative_paths_read_as_the_component_walk_gives_them() {
        let root = Path::new("/work/project");
        for rel in [
            "force-app/main/default/classes/A.cls",
            "a",
            "./a/b",
            "a//b",
            "a/./b",
            "a/b/",
            "a/b/.",
            "a/../b",
            "dir with space/é.cls",
            "",
        ] {
            let abs = root.join(rel);
            assert_eq!(
                relative(root, &abs),
                by_components(abs.strip_prefix(root).unwrap_or(&abs)),
                "{rel:?}"
            );
        }
        assert_eq!(relative(root, root), ".");
        // Roots spelled in other ways.
        for root in ["/work/./project", "/work/project/", "/", "relative/root", ""] {
            let root = Path::new(root);
            for rel in ["a/b.cls", "./a", "a//b", ""] {
                let abs = root.join(rel);
                assert_eq!(
                    relative(root, &abs),
                    by_components(abs.strip_prefix(root).unwrap_or(&abs)),
                    "{root:?} {rel:?}"
                );
            }
        }
        assert_eq!(
            relative(Path::new("/work/pro"), Path::new("/work/project/a")),
            by_components(Path::new("/work/project/a"))
        );
        assert_eq!(
            relative(root, Path::new("/elsewhere/x.cls")),
            by_components(Path::new("/elsewhere/x.cls"))
        );
        // An empty root strips nothing from an absolute path.
        assert_eq!(
            relative(Path::new(""), Path::new("/x/y")),
            by_components(Path::new("/x/y"))
        );
    }
}
