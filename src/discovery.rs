//! Finds the files to scan: `sfdx-project.json` package directories, `.forceignore`,
//! metadata-API folders, plain folders and explicit file lists.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use walkdir::WalkDir;

use crate::config::{Config, ConfigError};
use crate::json::{Json, JsonNode};
use crate::kind::{FileKind, classify};

pub const SFDX_PROJECT: &str = "sfdx-project.json";
const SKIPPED_DIRS: &[&str] = &[".git", "node_modules", ".sfdx", ".sf"];

#[derive(Debug, Clone)]
pub struct Candidate {
    pub abs: PathBuf,
    /// Relative to the root, `/`-separated.
    pub rel: String,
    pub kind: FileKind,
}

/// Something the walk could not read (a symlink loop, a permission error).
#[derive(Debug, Clone)]
pub struct WalkProblem {
    pub rel: String,
    pub message: String,
}

#[derive(Debug)]
pub struct Discovery {
    pub root: PathBuf,
    pub sfdx: Option<SfdxProject>,
    pub files: Vec<Candidate>,
    pub problems: Vec<WalkProblem>,
}

#[derive(Debug, Clone, Default)]
pub struct SfdxProject {
    pub package_dirs: Vec<PathBuf>,
    /// `None` or empty when the project has no namespace (not a managed package).
    pub namespace: Option<String>,
}

/// The project root for these inputs: the nearest ancestor holding `sfdx-project.json`, else the
/// current directory when the first path is inside it, else the first path (or its folder).
pub fn find_root(paths: &[PathBuf], cwd: &Path) -> PathBuf {
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

pub fn absolute(cwd: &Path, p: &Path) -> PathBuf {
    let joined = if p.is_absolute() { p.to_path_buf() } else { cwd.join(p) };
    normalize(&joined)
}

/// Removes `.` and resolves `..` lexically, so relative paths print cleanly.
fn normalize(p: &Path) -> PathBuf {
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

pub fn relative(root: &Path, abs: &Path) -> String {
    let rel = abs.strip_prefix(root).unwrap_or(abs);
    let s = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    if s.is_empty() { ".".to_string() } else { s }
}

/// Reads and checks `sfdx-project.json`; every problem names the line and what was expected.
pub fn load_sfdx_project(root: &Path) -> Result<SfdxProject, ConfigError> {
    let path = root.join(SFDX_PROJECT);
    let text = std::fs::read_to_string(&path).map_err(|e| ConfigError {
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
        let dir = normalize(&root.join(p));
        if !dir.starts_with(root) {
            return Err(err(
                path_member.value.span.start,
                format!("package directory `{p}` is outside the project"),
            ));
        }
        if !dir.is_dir() {
            return Err(err(
                path_member.value.span.start,
                format!("package directory `{p}` does not exist"),
            ));
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
    if !path.is_file() {
        return Ok(None);
    }
    let mut builder = GitignoreBuilder::new(root);
    if let Some(e) = builder.add(&path) {
        return Err(ConfigError::plain(format!("{}: {e}", path.display())));
    }
    builder
        .build()
        .map(Some)
        .map_err(|e| ConfigError::plain(format!("{}: {e}", path.display())))
}

/// Walks the inputs. `paths` empty means the root. Files are returned sorted by relative path.
pub fn discover(root: &Path, paths: &[PathBuf], cwd: &Path, config: &Config) -> Result<Discovery, ConfigError> {
    let sfdx = if root.join(SFDX_PROJECT).is_file() {
        Some(load_sfdx_project(root)?)
    } else {
        None
    };
    let ignore = forceignore(root)?;
    let mut files: BTreeMap<String, Candidate> = BTreeMap::new();
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
    let excluded = |abs: &Path, rel: &str, is_dir: bool| -> bool {
        let governed = sfdx.is_none() || package_dirs.iter().any(|d| abs.starts_with(d));
        let force_ignored = match (&ignore, abs.strip_prefix(root)) {
            (Some(g), Ok(under_root)) if governed => g.matched_path_or_any_parents(under_root, is_dir).is_ignore(),
            _ => false,
        };
        force_ignored || config.exclude.is_match(rel)
    };

    for input in inputs {
        if input.is_file() {
            let rel = relative(root, &input);
            let kind = classify(Path::new(&rel));
            if kind.is_scanned() && !excluded(&input, &rel, false) {
                files.insert(rel.clone(), Candidate { abs: input, rel, kind });
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
            let walker = WalkDir::new(&walk_root)
                .follow_links(true)
                .sort_by_file_name()
                .into_iter()
                .filter_entry(|e| {
                    if e.depth() == 0 {
                        return true;
                    }
                    let name = e.file_name().to_string_lossy();
                    if e.file_type().is_dir() && (SKIPPED_DIRS.contains(&name.as_ref()) || name.starts_with('.')) {
                        return false;
                    }
                    let rel = relative(root, e.path());
                    !excluded(e.path(), &rel, e.file_type().is_dir())
                });
            for entry in walker {
                match entry {
                    Ok(e) if e.file_type().is_file() => {
                        let rel = relative(root, e.path());
                        let kind = classify(Path::new(&rel));
                        if kind.is_scanned() && !e.file_name().to_string_lossy().starts_with('.') {
                            files.entry(rel.clone()).or_insert(Candidate {
                                abs: e.path().to_path_buf(),
                                rel,
                                kind,
                            });
                        }
                    }
                    Ok(_) => {}
                    Err(e) => {
                        let rel = e
                            .path()
                            .map_or_else(|| relative(root, &walk_root), |p| relative(root, p));
                        let message = if e.loop_ancestor().is_some() {
                            "symbolic link loop; not followed".to_string()
                        } else {
                            e.io_error().map_or_else(|| e.to_string(), ToString::to_string)
                        };
                        problems.push(WalkProblem { rel, message });
                    }
                }
            }
        }
    }
    problems.sort_by(|a, b| a.rel.cmp(&b.rel));
    problems.dedup_by(|a, b| a.rel == b.rel);
    Ok(Discovery {
        root: root.to_path_buf(),
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
