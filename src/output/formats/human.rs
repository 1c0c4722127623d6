//! The terminal report: one miette diagnostic per finding (its rule and link, the message, the
//! location once, in the snippet's frame), then a count per rule and the totals.

use std::borrow::Cow;
use std::fmt;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents, SourceCode,
    SourceSpan, SpanContents,
};

use rayon::prelude::*;

use super::terminal::{escape, snippet_text};
use super::{position, redacted, tally};
use crate::diagnostics::finding::{Finding, LineIndex, Severity};
use crate::diagnostics::rules;
use crate::engine::Scan;

#[derive(Debug, Clone, Default)]
pub struct HumanOptions {
    pub color: bool,
    pub show_suppressed: bool,
    /// The terminal's width, to wrap messages and help to; `None` (not a terminal) wraps nothing.
    pub width: Option<usize>,
}

/// Source text with a file name, borrowed (miette's `NamedSource` wants owned text), and the
/// file's line index.
struct Named<'a> {
    name: &'a str,
    text: &'a str,
    lines: &'a LineIndex,
}

impl SourceCode for Named<'_> {
    /// miette counts lines from the start of the text for every span it reads: thousands of
    /// findings in a long file were quadratic. It is handed the lines around the span only.
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let (start, end) = (span.offset(), span.offset() + span.len());
        let count = self.lines.line_count();
        // A line more on each side than miette asks for: it then finds the same context (and
        // its end) as in the whole text.
        let first = self.lines.line(start).saturating_sub(before + 1).max(1);
        let last = (self.lines.line(end) + after + 1).min(count);
        let base = self.lines.line_start(first).min(self.text.len());
        let stop = if last < count {
            self.lines.line_start(last + 1)
        } else {
            self.text.len()
        };
        let window = self.text.get(base..stop.max(base)).ok_or(MietteError::OutOfBounds)?;
        let local = SourceSpan::new(start.saturating_sub(base).into(), span.len());
        let inner = window.read_span(&local, before, after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_string(),
            inner.data(),
            SourceSpan::new((inner.span().offset() + base).into(), inner.span().len()),
            inner.line() + first - 1,
            inner.column(),
            // miette counts the line breaks from the start of what it reads, and merges two
            // labels' snippets by that count: counted from the text's start, as before.
            inner.line_count() + first - 1,
        )))
    }
}

/// One finding as miette reads it. Every text in it that may come from the project is escaped
/// for the terminal ([`super::terminal`]).
struct Diag<'a> {
    finding: &'a Finding,
    message: Cow<'a, str>,
    /// `None` when a line to show is too long for a snippet.
    source: Option<Named<'a>>,
    help: Option<String>,
}

impl fmt::Debug for Diag<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Diag<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diag<'_> {}

impl Diagnostic for Diag<'_> {
    /// `error[rule-id]`, as clippy writes it: the severity in words, not only in colour.
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(format!("{}[{}]", self.finding.severity, self.finding.rule)))
    }
    /// Printed after the code, on a line that is never wrapped: the link stays whole.
    fn url<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        rules::get(self.finding.rule).map(|doc| Box::new(doc.help_uri()) as Box<dyn fmt::Display>)
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.source.as_ref()?;
        let f = self.finding;
        let primary = LabeledSpan::new_primary_with_span(
            short_label(f).map(|l| escape(&l).into_owned()),
            f.span.start..f.span.end,
        );
        let secondary = f
            .labels
            .iter()
            .filter(|l| l.file == f.file)
            .map(|l| LabeledSpan::new_with_span(Some(escape(&l.message).into_owned()), l.span.start..l.span.end));
        Some(Box::new(std::iter::once(primary).chain(secondary)))
    }
}

/// What the primary span's label says: why it is suppressed, or what a data-flow sink does.
/// Otherwise nothing: the message above says it, and a bare underline is clearer than a word.
fn short_label(f: &Finding) -> Option<String> {
    match (&f.suppression, f.flow.last()) {
        (Some(s), _) => Some(format!("suppressed: {}", s.reason)),
        (None, Some(sink)) => Some(sink.message.clone()),
        (None, None) => None,
    }
}

pub fn render(scan: &Scan, opts: &HumanOptions) -> String {
    let theme = if opts.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    // Links as text after the rule: a terminal makes them clickable, and the header they are on
    // is never wrapped. Words are never broken, so a long path or link stays whole too.
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_width(opts.width.unwrap_or(200))
        .with_wrap_lines(opts.width.is_some())
        .with_break_words(false)
        // Lines break at blanks only: not after a path's `/` or inside a hyphenated rule id.
        .with_word_separator(textwrap::WordSeparator::AsciiSpace)
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation);
    let shown = tally::shown(scan, opts.show_suppressed);
    // Findings are sorted by file: each file's are rendered on their own, in parallel (a large
    // project's report took a tenth of the time after parsing on one core), then joined in order.
    let parts: Vec<String> = shown
        .chunk_by(|a, b| a.file == b.file)
        .collect::<Vec<_>>()
        .par_iter()
        .map(|group| {
            let mut out = String::new();
            // Source shown around findings never contains a full secret.
            let text = group.first().map(|f| redacted(scan, f.file)).unwrap_or_default();
            let text = snippet_text(&text);
            for f in group.iter().copied() {
                render_one(scan, f, &handler, &text, &mut out);
            }
            out
        })
        .collect();
    let mut out = parts.concat();
    out.push_str(&tally::by_rule(&shown, opts.color));
    out.push_str(&tally::totals(scan, opts.show_suppressed));
    out
}

/// The longest source a snippet shows (the lines its spans touch): past it a finding renders
/// without one. Minified code has lines of megabytes, which help no reader, and miette's
/// graphical handler panics on a column past 65,535.
const MAX_SNIPPET_BYTES: usize = 4096;

/// One finding, with `text` (its file's source, redacted) around it.
fn render_one(scan: &Scan, f: &Finding, handler: &GraphicalReportHandler, text: &str, out: &mut String) {
    let file = scan.project.file(f.file);
    let mut help = f.help.clone().unwrap_or_default();
    for l in f.labels.iter().filter(|l| l.file != f.file) {
        let other = scan.project.file(l.file);
        let (line, col) = other.line_col(l.span.start);
        help.push_str(&format!(
            "\nsee {}:{line}:{col}: {}",
            scan.project.shown(l.file),
            l.message
        ));
    }
    let explain = format!("`sfsec explain {}`", f.rule);
    if rules::get(f.rule).is_some() && !help.contains(&explain) {
        help.push_str(&format!("\nfor more, run {explain}"));
    }
    let name = escape(&scan.project.shown(f.file)).into_owned();
    let lines = file.line_index();
    let spans = std::iter::once(&f.span).chain(f.labels.iter().filter(|l| l.file == f.file).map(|l| &l.span));
    let short = spans.clone().all(|s| {
        let (first, last) = (lines.line(s.start), lines.line(s.end.max(s.start)));
        // Past the last line, `line_start` gives 0: the text's end bounds it instead.
        let end = if last < lines.line_count() {
            lines.line_start(last + 1)
        } else {
            text.len()
        };
        end.saturating_sub(lines.line_start(first)) <= MAX_SNIPPET_BYTES
    });
    // The snippet's frame names the location; without a snippet, the message does.
    let message = if short {
        escape(&f.message)
    } else {
        let pos = position(scan, f);
        Cow::Owned(format!(
            "{name}:{}:{}: {}",
            pos.start_line,
            pos.start_column,
            escape(&f.message)
        ))
    };
    let diag = Diag {
        finding: f,
        message,
        source: short.then_some(Named {
            name: &name,
            text,
            lines,
        }),
        help: Some(escape(help.trim_start()).into_owned()).filter(|h| !h.is_empty()),
    };
    if handler.render_report(out, &diag).is_err() {
        out.push_str(&format!("{}: {}: {}\n", name, f.rule, diag.message));
    }
    out.push('\n');
}
