//! The false-positive notes a partner writes for other scanners' findings
//! (`.sfsec-false-positives.toml` at the project root): each names a finding by the fingerprint
//! the review document prints, and says why it is not a vulnerability.
//!
//! ```toml
//! [[false-positive]]
//! fingerprint = "5d0c6f3b1e2a4d7c9b8a7f6e5d4c3b2a:1"
//! rule = "ApexCRUDViolation"   # optional: for the reader; checked against the finding
//! reason = "Reads our own protected setting; no user data is returned."
//! ```

use std::path::Path;

use serde::Deserialize;

use crate::workspace::config::ConfigError;

/// The notes file looked for at the project root.
pub(crate) const FILE_NAME: &str = ".sfsec-false-positives.toml";

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Note {
    pub fingerprint: String,
    pub rule: Option<String>,
    pub reason: String,
    /// Line of the note in its file, for a note that matches nothing.
    pub line: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Raw {
    #[serde(default)]
    false_positive: Vec<toml::Spanned<RawNote>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNote {
    fingerprint: String,
    #[serde(default)]
    rule: Option<String>,
    reason: String,
}

/// The notes in `text` (the file at `path`): every key checked, each note with a fingerprint
/// and a reason, no fingerprint twice.
pub(crate) fn parse(path: &Path, text: &str) -> Result<Vec<Note>, ConfigError> {
    let raw: Raw = toml::from_str(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        ConfigError::at(path, text, offset, e.message().trim().to_string())
    })?;
    let index = crate::diagnostics::finding::LineIndex::new(text);
    let mut notes: Vec<Note> = Vec::with_capacity(raw.false_positive.len());
    for spanned in raw.false_positive {
        let at = spanned.span().start;
        let n = spanned.into_inner();
        let fingerprint = n.fingerprint.trim().to_string();
        if fingerprint.is_empty() || n.reason.trim().is_empty() {
            return Err(ConfigError::at(
                path,
                text,
                at,
                "a false positive needs a `fingerprint` (as the report prints it) and a `reason`",
            ));
        }
        if notes.iter().any(|o| o.fingerprint == fingerprint) {
            return Err(ConfigError::at(
                path,
                text,
                at,
                format!("fingerprint `{fingerprint}` is noted twice"),
            ));
        }
        notes.push(Note {
            fingerprint,
            rule: n.rule,
            reason: n.reason.trim().to_string(),
            line: index.line(at),
        });
    }
    Ok(notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_are_read_and_mistakes_named_with_their_line() {
        let p = Path::new(FILE_NAME);
        let text = "[[false-positive]]\nfingerprint = \"ab:1\"\nrule = \"ApexCRUDViolation\"\nreason = \" own setup object \"\n\n[[false-positive]]\nfingerprint = \"cd:2\"\nreason = \"test data\"\n";
        let notes = parse(p, text).expect("valid");
        assert_eq!(notes.len(), 2);
        assert_eq!((notes[0].reason.as_str(), notes[0].line), ("own setup object", 1));
        assert_eq!((notes[1].rule.as_deref(), notes[1].line), (None, 6));
        for (bad, line, says) in [
            ("[[false-positive]]\nfingerprint = \"ab:1\"\n", 1, "reason"),
            (
                "[[false-positive]]\nfingerprint = \"ab:1\"\nreason = \"x\"\nwhy = \"y\"\n",
                4,
                "unknown field `why`",
            ),
            (
                "[[false-positive]]\nfingerprint = \"ab:1\"\nreason = \"  \"\n",
                1,
                "needs",
            ),
            (
                "[[false-positive]]\nfingerprint = \"ab:1\"\nreason = \"x\"\n[[false-positive]]\nfingerprint = \"ab:1\"\nreason = \"y\"\n",
                4,
                "noted twice",
            ),
            ("[[false-positives]]\n", 1, "unknown field"),
        ] {
            let e = parse(p, bad).expect_err(bad);
            assert_eq!(e.line, line, "{bad}: {e}");
            assert!(e.message.contains(says), "{bad}: {e}");
        }
    }
}
