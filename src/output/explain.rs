//! `sfsec explain` for a terminal: a rule's documentation (Markdown) as text, with headings set
//! apart, prose wrapped to the terminal (not when piped), examples indented and never wrapped,
//! tables aligned, and links written out whole.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use textwrap::core::display_width;

use super::formats::terminal::escape;

/// `markdown` as terminal text: coloured when `color`, wrapped to `width` when given.
pub(crate) fn render(markdown: &str, color: bool, width: Option<usize>) -> String {
    let mut w = Writer {
        color,
        width,
        ..Writer::default()
    };
    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES) {
        w.event(event);
    }
    w.flush();
    let mut out = w.out;
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

#[derive(Default)]
struct Writer {
    color: bool,
    width: Option<usize>,
    out: String,
    /// The inline text of the paragraph, heading, list item or table cell being read.
    inline: String,
    /// A blank line goes before the next block.
    blank: bool,
    code: Option<String>,
    /// Nesting of lists: the next number of an ordered one, `None` for bullets.
    lists: Vec<Option<u64>>,
    table: Option<Vec<Vec<String>>>,
    links: Vec<String>,
}

impl Writer {
    fn style(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\u{1b}[{code}m{text}\u{1b}[0m")
        } else {
            text.to_string()
        }
    }

    fn start_block(&mut self) {
        if self.blank && !self.out.is_empty() {
            self.out.push('\n');
        }
        self.blank = false;
    }

    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(t) => match &mut self.code {
                Some(code) => code.push_str(&t),
                None => self.inline.push_str(&escape(&t)),
            },
            Event::Code(t) => {
                let code = self.style("36", &format!("`{}`", escape(&t)));
                self.inline.push_str(&code);
            }
            Event::SoftBreak => self.inline.push(' '),
            Event::HardBreak => self.inline.push('\n'),
            Event::Rule => {
                self.start_block();
                self.out.push_str("  ---\n");
                self.blank = true;
            }
            // Comments and markup are for the book.
            _ => {}
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Heading { .. } | Tag::Paragraph => self.flush(),
            Tag::CodeBlock(_) => {
                self.flush();
                self.code = Some(String::new());
            }
            Tag::List(first) => {
                self.flush();
                if self.lists.is_empty() {
                    self.start_block();
                }
                self.lists.push(first);
            }
            Tag::Item => self.flush(),
            Tag::Table(_) => {
                self.flush();
                self.table = Some(Vec::new());
            }
            Tag::TableHead | Tag::TableRow => {
                if let Some(t) = &mut self.table {
                    t.push(Vec::new());
                }
            }
            Tag::TableCell => self.inline.clear(),
            Tag::Strong => self.inline.push_str(if self.color { "\u{1b}[1m" } else { "" }),
            Tag::Emphasis => self.inline.push_str(if self.color { "\u{1b}[3m" } else { "" }),
            Tag::Link { dest_url, .. } => {
                self.links.push(dest_url.to_string());
                self.inline.push('\u{0}');
            }
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Heading(level) => {
                let text = std::mem::take(&mut self.inline);
                if !self.out.is_empty() {
                    self.out.push('\n');
                }
                let line = match level {
                    HeadingLevel::H1 => self.style("1;4", &text),
                    _ => self.style("1", &text),
                };
                self.out.push_str(&line);
                self.out.push('\n');
                self.blank = level == HeadingLevel::H1;
            }
            // Inside a list, the item writes its paragraph.
            TagEnd::Paragraph if self.lists.is_empty() => {
                self.start_block();
                let text = std::mem::take(&mut self.inline);
                self.wrapped(&text, "  ", "  ");
                self.blank = true;
            }
            TagEnd::Item => self.item(),
            TagEnd::List(_) => {
                self.lists.pop();
                if self.lists.is_empty() {
                    self.blank = true;
                }
            }
            TagEnd::CodeBlock => self.code_block(),
            TagEnd::TableCell => {
                let cell = std::mem::take(&mut self.inline);
                if let Some(row) = self.table.as_mut().and_then(|t| t.last_mut()) {
                    row.push(cell.trim().to_string());
                }
            }
            TagEnd::Table => self.table_out(),
            TagEnd::Strong | TagEnd::Emphasis if self.color => self.inline.push_str("\u{1b}[0m"),
            TagEnd::Link => self.link_end(),
            _ => {}
        }
    }

    /// Writes the text before a block that markdown left without one (a tight list's item).
    fn flush(&mut self) {
        if !self.inline.trim().is_empty() && !self.lists.is_empty() {
            self.item();
        }
        self.inline.clear();
    }

    fn item(&mut self) {
        let text = std::mem::take(&mut self.inline);
        if text.trim().is_empty() {
            return;
        }
        let depth = self.lists.len().saturating_sub(1);
        let pad = "  ".repeat(depth + 1);
        let marker = match self.lists.last_mut() {
            Some(Some(n)) => {
                let m = format!("{n}. ");
                *n += 1;
                m
            }
            _ => "- ".to_string(),
        };
        let first = format!("{pad}{marker}");
        let rest = " ".repeat(display_width(&first));
        self.wrapped(text.trim(), &first, &rest);
    }

    /// A link's text, then its address in parentheses unless the text is the address.
    fn link_end(&mut self) {
        let url = self.links.pop().unwrap_or_default();
        let Some(at) = self.inline.rfind('\u{0}') else { return };
        let text = self.inline.split_off(at);
        let text = &text['\u{0}'.len_utf8()..];
        self.inline.push_str(text);
        if text != url && !url.is_empty() {
            let url = escape(&url).into_owned();
            self.inline.push_str(&format!(" ({})", self.style("4", &url)));
        }
    }

    fn code_block(&mut self) {
        let code = self.code.take().unwrap_or_default();
        self.start_block();
        for line in code.lines() {
            let line = escape(line);
            if line.is_empty() {
                self.out.push('\n');
            } else {
                self.out.push_str(&format!("    {line}\n"));
            }
        }
        self.blank = true;
    }

    fn table_out(&mut self) {
        let rows = self.table.take().unwrap_or_default();
        let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
        let mut widths = vec![0; columns];
        for row in &rows {
            for (i, cell) in row.iter().enumerate() {
                widths[i] = widths[i].max(display_width(cell));
            }
        }
        self.start_block();
        for (r, row) in rows.iter().enumerate() {
            let mut line = String::from(" ");
            for (i, cell) in row.iter().enumerate() {
                let pad = widths[i].saturating_sub(display_width(cell));
                line.push(' ');
                line.push_str(&if r == 0 { self.style("1", cell) } else { cell.clone() });
                if i + 1 < row.len() {
                    line.push_str(&" ".repeat(pad + 1));
                }
            }
            self.out.push_str(line.trim_end());
            self.out.push('\n');
            if r == 0 {
                let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
                self.out.push_str(&format!("  {}\n", rule.join("  ")));
            }
        }
        self.blank = true;
    }

    /// `text` wrapped to the width (at blanks only, so that a link or path stays whole), the
    /// first line after `first`, the others after `rest`.
    fn wrapped(&mut self, text: &str, first: &str, rest: &str) {
        match self.width {
            Some(width) => {
                let opts = textwrap::Options::new(width)
                    .initial_indent(first)
                    .subsequent_indent(rest)
                    .break_words(false)
                    .word_separator(textwrap::WordSeparator::AsciiSpace)
                    .word_splitter(textwrap::WordSplitter::NoHyphenation);
                for (i, line) in text.split('\n').enumerate() {
                    let opts = if i == 0 {
                        opts.clone()
                    } else {
                        opts.clone().initial_indent(rest)
                    };
                    self.out.push_str(&textwrap::fill(line, opts));
                    self.out.push('\n');
                }
            }
            None => {
                for (i, line) in text.split('\n').enumerate() {
                    self.out.push_str(if i == 0 { first } else { rest });
                    self.out.push_str(line);
                    self.out.push('\n');
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::render;

    const DOC: &str = "# rule-id\n\n## What it finds\nA `thing` that is\nbad; see [the guide](https://example.com/a-very-long/path).\n\n## Example\nIn `force-app/x.cls`:\n\n```apex\nclass X {\n\n    void m() {}\n}\n```\n\n## Options\n| option | value |\n|---|---|\n| `limit` | integer |\n\n## References\n- One reference\n- Two, <https://example.com>\n";

    #[test]
    fn markdown_becomes_terminal_text() {
        let text = render(DOC, false, None);
        assert_eq!(
            text,
            "rule-id\n\nWhat it finds\n  A `thing` that is bad; see the guide (https://example.com/a-very-long/path).\n\nExample\n  In `force-app/x.cls`:\n\n    class X {\n\n        void m() {}\n    }\n\nOptions\n  option   value\n  -------  -------\n  `limit`  integer\n\nReferences\n  - One reference\n  - Two, https://example.com\n"
        );
        assert!(!text.contains("```") && !text.contains("##") && !text.contains('|'));
    }

    #[test]
    fn prose_wraps_at_blanks_and_code_never() {
        let text = render(DOC, false, Some(30));
        assert!(
            text.contains("  A `thing` that is bad; see\n  the guide\n  (https://example.com/a-very-long/path).\n"),
            "{text}"
        );
        assert!(text.contains("        void m() {}\n"));
        let coloured = render(DOC, true, None);
        assert!(coloured.contains("\u{1b}[1;4mrule-id\u{1b}[0m"), "{coloured}");
    }
}
