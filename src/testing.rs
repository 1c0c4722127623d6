//! Support for sfsec's own tests (unit, end-to-end and doc-example tests): a throwaway SFDX
//! project on disk, so that tests go through real discovery. Not part of the supported API.

use std::path::Path;

/// A temporary SFDX project with one package directory, `force-app`; removed on drop.
pub struct TempProject {
    dir: tempfile::TempDir,
}

impl TempProject {
    /// Creates the project and writes `files` (paths relative to its root).
    pub fn new<T: AsRef<[u8]>>(files: &[(&str, T)]) -> std::io::Result<Self> {
        let dir = tempfile::tempdir()?;
        std::fs::write(
            dir.path().join("sfdx-project.json"),
            r#"{"packageDirectories":[{"path":"force-app","default":true}]}"#,
        )?;
        std::fs::create_dir_all(dir.path().join("force-app"))?;
        let project = TempProject { dir };
        for (path, bytes) in files {
            project.write(path, bytes.as_ref())?;
        }
        Ok(project)
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes (or overwrites) a file, creating its folders.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> std::io::Result<()> {
        let p = self.dir.path().join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(p, bytes)
    }
}

/// A project built from in-memory files and parsed as a scan parses it, for unit tests of
/// cross-file analyses.
pub(crate) fn in_memory(files: &[(&str, &str)]) -> crate::workspace::project::Project {
    let unparsed = crate::workspace::project::in_memory_unparsed(files);
    let keep = crate::engine::ScanKeep::new(unparsed.project(), &[]);
    unparsed.parse(&keep).0
}

/// In-memory files, read but not yet parsed: a scan's input without discovery, for the benches.
pub struct Files(crate::workspace::project::Unparsed);

/// `files` (paths relative to a project root, and their text), read but not parsed.
pub fn files(files: &[(&str, &str)]) -> Files {
    Files(crate::workspace::project::in_memory_unparsed(files))
}

impl Files {
    /// Parses every file as a scan does and keeps no tree: the number of files.
    pub fn parse_and_drop(self) -> usize {
        self.0.parse_and_drop().files.len()
    }

    /// Parses and lints as a scan does (dated `now`, seconds since the epoch).
    pub fn lint(self, config: &crate::workspace::config::Config, now: i64) -> crate::engine::Scan {
        crate::engine::lint(self.0, config, now, None)
    }
}

/// A parsed in-memory project, for the data-flow bench.
pub struct ParsedProject(crate::workspace::project::Project);

/// `files`, parsed as a scan parses them.
pub fn parsed(files: &[(&str, &str)]) -> ParsedProject {
    ParsedProject(in_memory(files))
}

impl ParsedProject {
    /// Builds the Apex model and runs the session spec on it, as a scan does: the number of
    /// flows found.
    pub fn session_flows(&self) -> usize {
        let model = crate::dataflow::Model::build(&self.0);
        crate::dataflow::analyze(&self.0, &model, &crate::lints::session::SESSION)
            .flows
            .len()
    }
}
