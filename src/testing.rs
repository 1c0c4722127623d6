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
pub fn in_memory(files: &[(&str, &str)]) -> crate::workspace::project::Project {
    let unparsed = crate::workspace::project::in_memory_unparsed(files);
    let keep = crate::engine::ScanKeep::new(unparsed.project(), &[]);
    unparsed.parse(&keep).0
}
