//! What a lint produces: a rule, a file, a narrow byte span and words. Lines and columns are
//! computed only by reporters, from [`LineIndex`].

use std::ops::Range;

pub use crate::diagnostics::severity::Severity;

/// Index of a file in the scan's file list.
pub type FileId = usize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub file: FileId,
    pub span: Range<usize>,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    pub reason: String,
    /// The suppressing comment.
    pub file: FileId,
    pub span: Range<usize>,
    /// `true` for `sfsec-ignore-file`.
    pub whole_file: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static str,
    pub file: FileId,
    pub span: Range<usize>,
    pub severity: Severity,
    pub message: String,
    pub help: Option<String>,
    /// Secondary locations (related settings, other files of the same app).
    pub labels: Vec<Label>,
    /// For data-flow findings: the steps from the source to the sink, in order.
    pub flow: Vec<Label>,
    /// A secret value this finding is about: reporters never print it in full.
    pub secret: Option<Range<usize>>,
    pub suppression: Option<Suppression>,
    /// In the baseline given to `check --baseline`: reported as known, never failing the run.
    pub known: bool,
}

impl Finding {
    /// A finding at the rule's default severity; the engine applies configured overrides.
    pub fn new(rule: &'static str, file: FileId, span: Range<usize>, message: impl Into<String>) -> Self {
        Finding {
            rule,
            file,
            span,
            severity: crate::diagnostics::rules::default_severity(rule),
            message: message.into(),
            help: None,
            labels: Vec::new(),
            flow: Vec::new(),
            secret: None,
            suppression: None,
            known: false,
        }
    }
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
    /// Marks the span of a secret value, which outputs mask.
    pub fn secret(mut self, span: Range<usize>) -> Self {
        self.secret = Some(span);
        self
    }
    /// Appends a step to the data-flow path.
    pub fn step(mut self, file: FileId, span: Range<usize>, message: impl Into<String>) -> Self {
        self.flow.push(Label {
            file,
            span,
            message: message.into(),
        });
        self
    }
    pub fn label(mut self, file: FileId, span: Range<usize>, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            file,
            span,
            message: message.into(),
        });
        self
    }
}

/// House style for messages and summaries (clippy's): lower-case start unless the first word is
/// an acronym or a name like `OAuth`, no trailing period.
#[cfg(test)]
pub(crate) fn follows_message_style(s: &str) -> bool {
    let first = s.split_whitespace().next().unwrap_or("");
    let ordinary_capital =
        first.chars().next().is_some_and(char::is_uppercase) && first.chars().skip(1).all(|c| !c.is_uppercase());
    !s.is_empty() && !ordinary_capital && !s.ends_with('.')
}

/// Byte offsets of line starts, for 1-based line and column numbers. A line ends at LF, CRLF or
/// a lone CR (old Mac files: without it every finding of such a file was on line 1).
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
    /// Code points before each [`CHUNK`]-byte block of the text: a column is counted from the
    /// nearest block, not the line start, so that many findings on one long (minified) line
    /// cost a block each, not the line each.
    chars_before: Vec<u32>,
}

const CHUNK: usize = 256;

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
            // The CR of a CRLF ends nothing; its LF does.
            if bytes[i] == b'\n' || bytes.get(i + 1) != Some(&b'\n') {
                starts.push(i + 1);
            }
        }
        let mut chars_before = Vec::with_capacity(bytes.len() / CHUNK + 1);
        let mut n: u32 = 0;
        for block in bytes.chunks(CHUNK) {
            chars_before.push(n);
            // Continuation bytes do not start a code point.
            n = n.saturating_add(block.iter().filter(|&&b| (b as i8) >= -0x40).count() as u32);
        }
        // The end of a text whose length is a multiple of the block is a block of its own.
        chars_before.push(n);
        LineIndex { starts, chars_before }
    }

    /// 1-based line of a byte offset.
    pub fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset)
    }

    /// Byte offset where the 1-based line starts.
    pub fn line_start(&self, line: usize) -> usize {
        self.starts.get(line.saturating_sub(1)).copied().unwrap_or(0)
    }

    /// 1-based line and 1-based column counted in Unicode code points.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.line(offset);
        let start = self.line_start(line).min(offset);
        let col = self.chars_to(text, offset) - self.chars_to(text, start) + 1;
        (line, col)
    }

    /// Code points before byte `offset` (a char boundary).
    fn chars_to(&self, text: &str, offset: usize) -> usize {
        let block = offset / CHUNK;
        let base = self.chars_before.get(block).map_or(0, |&n| n as usize);
        let from = block * CHUNK;
        base + text.as_bytes()[from.min(offset)..offset]
            .iter()
            .filter(|&&b| (b as i8) >= -0x40)
            .count()
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }
}

/// Code shown in a message: on one line (whitespace runs made one space), at most `max`
/// characters, `...` after a cut.
pub(crate) fn excerpt(s: &str, max: usize) -> String {
    let one_line: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(max) {
        Some((i, _)) => format!("{}...", &one_line[..i]),
        None => one_line,
    }
}

pub(crate) fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rule summaries follow the same style as messages (they are shown beside them).
    #[test]
    fn rule_summaries_follow_the_message_style() {
        for d in crate::diagnostics::rules::all() {
            assert!(
                follows_message_style(d.summary),
                "{}: summary is lower-case with no trailing period",
                d.id
            );
        }
    }

    #[test]
    fn lines_and_columns() {
        let text = "ab\r\né€x\nz";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_col(text, 0), (1, 1));
        assert_eq!(idx.line_col(text, 4), (2, 1));
        // `x` after two multi-byte characters is the third code point.
        let x = text.find('x').expect("x");
        assert_eq!(idx.line_col(text, x), (2, 3));
        assert_eq!(idx.line_col(text, text.len()), (3, 2));
        assert_eq!(idx.line_count(), 3);
    }

    /// A lone CR ends a line as LF and CRLF do.
    #[test]
    fn carriage_return_only_files_have_lines() {
        let text = "a\rb\r\nc\nd\r";
        let idx = LineIndex::new(text);
        let lines: Vec<(usize, usize)> = ["a", "b", "c", "d"]
            .iter()
            .map(|w| idx.line_col(text, text.find(w).expect("word")))
            .collect();
        assert_eq!(lines, [(1, 1), (2, 1), (3, 1), (4, 1)]);
        assert_eq!(idx.line_count(), 5);
    }

    /// Columns counted through the blocks agree with counting the line's code points, on a long
    /// line of mixed widths at every offset, the end included (also when the text's length is a
    /// multiple of the block, which the fuzzer found).
    #[test]
    fn columns_on_a_long_line_match_a_plain_count() {
        for text in [
            "x\n".to_string() + &"aé€😀".repeat(300) + "\nz",
            "a".repeat(CHUNK),
            "é".repeat(CHUNK),
        ] {
            columns_match(&text);
        }
    }

    fn columns_match(text: &str) {
        let text = text.to_string();
        let idx = LineIndex::new(&text);
        for offset in text.char_indices().map(|(i, _)| i).chain([text.len()]) {
            let line = text[..offset].matches('\n').count() + 1;
            let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
            let col = text[start..offset].chars().count() + 1;
            assert_eq!(idx.line_col(&text, offset), (line, col), "at {offset}");
        }
    }
}
