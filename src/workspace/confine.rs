//! Files a repository controls, read and written without letting it reach past the project:
//! symbolic links that leave it are not followed, and only regular files of a bounded size are
//! read (a FIFO would block, `/dev/zero` would never end).

use std::io::Read;
use std::path::{Path, PathBuf};

/// The project's bounds on disk: a repository's symbolic links may point anywhere
/// (`/proc/self/environ`, `/etc/shadow`, `/`), and what lies behind one that leaves the project
/// is neither read nor written.
#[derive(Debug, Clone)]
pub struct Confine {
    root: PathBuf,
    /// The root with every link resolved; `None` if it cannot be resolved (then nothing is
    /// judged to leave it, and reading fails on its own).
    canonical: Option<PathBuf>,
}

impl Confine {
    pub fn new(root: &Path) -> Self {
        Confine {
            root: root.to_path_buf(),
            canonical: std::fs::canonicalize(root).ok(),
        }
    }

    /// Whether `abs`, a path in the project, resolves to a place outside it through a link
    /// (itself, or a linked folder on its way). A path outside the project was chosen by the
    /// user, not the repository, and is never judged.
    pub fn leaves(&self, abs: &Path) -> bool {
        let Some(canonical) = &self.canonical else { return false };
        if !abs.starts_with(&self.root) {
            return false;
        }
        match std::fs::canonicalize(abs) {
            Ok(real) => !real.starts_with(canonical),
            Err(_) => false,
        }
    }

    /// The finding's message for a link that leaves the project: what the link says, never
    /// what lies behind it.
    pub fn message(abs: &Path) -> String {
        match std::fs::read_link(abs) {
            Ok(target) => format!(
                "symbolic link to `{}`, outside the project; not followed",
                target.to_string_lossy()
            ),
            Err(_) => "path leads outside the project through a linked folder; not followed".to_string(),
        }
    }
}

/// The most a configuration-like file (`sfdx-project.json`, `sfsec.toml`, a baseline, the
/// cache) may hold: the same bound as a scanned file.
pub(crate) const MAX_BYTES: u64 = 8 * 1024 * 1024;

/// Reads a file of the project as text: not through a link out of it, only a regular file, at
/// most [`MAX_BYTES`], and without a leading UTF-8 byte-order mark (editors on Windows write
/// one; offsets in the text then count from after it).
pub(crate) fn read_confined(confine: &Confine, path: &Path) -> std::io::Result<String> {
    if confine.leaves(path) {
        return Err(std::io::Error::other(
            "it is a symbolic link out of the project; not followed",
        ));
    }
    let bytes = read_regular(path, MAX_BYTES)?;
    let text = String::from_utf8(bytes).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not valid UTF-8 (bad byte at offset {})", e.utf8_error().valid_up_to()),
        )
    })?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

/// The bytes of `path` if it is a regular file of at most `max` bytes. Opening does not block
/// on a FIFO, and the size is checked on the opened file, not the name.
pub(crate) fn read_regular(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    read_bounded(path, max, false)
}

/// [`read_regular`], refusing `path` itself if it is a symbolic link (for files sfsec wrote
/// itself, such as the cache, which are never links).
pub(crate) fn read_regular_no_link(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    read_bounded(path, max, true)
}

fn read_bounded(path: &Path, max: u64, no_link: bool) -> std::io::Result<Vec<u8>> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // O_NONBLOCK: opening a FIFO for reading waits for a writer without it.
        options.custom_flags(libc::O_NONBLOCK | if no_link { libc::O_NOFOLLOW } else { 0 });
    }
    #[cfg(not(unix))]
    if no_link && std::fs::symlink_metadata(path)?.file_type().is_symlink() {
        return Err(std::io::Error::other("a symbolic link"));
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    if meta.len() > max {
        return Err(std::io::Error::other(format!(
            "{} bytes, over the {max} byte limit",
            meta.len()
        )));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // A file that grows while read still stops at the limit.
    file.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(std::io::Error::other(format!("over the {max} byte limit")));
    }
    Ok(bytes)
}

/// A file of the project read for context (a companion the rules need), as text: `None` for
/// anything but a readable regular UTF-8 file of at most [`MAX_BYTES`].
pub(crate) fn read_context(path: &Path) -> Option<String> {
    String::from_utf8(read_regular(path, MAX_BYTES).ok()?).ok()
}
