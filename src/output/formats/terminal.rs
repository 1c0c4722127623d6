//! Text from the project (file names, XML values, Apex literals, messages built from them) made
//! safe to print on a terminal: no escape sequence, bell, carriage return or bidirectional
//! override from a repository reaches the reader's terminal.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` would act on a terminal (or reorder what it shows) instead of printing: C0 and
/// C1 controls and DEL, except tab and line feed, and Unicode's bidirectional controls.
pub(crate) fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every unsafe character written as a Rust-style escape (`\u{1b}`).
pub fn escape(text: &str) -> Cow<'_, str> {
    replace_unsafe(text, |c, out| {
        let _ = write!(out, "\\u{{{:x}}}", c as u32);
    })
}

/// `text` with each unsafe character written by `write`; borrowed when there is none.
fn replace_unsafe(text: &str, write: impl Fn(char, &mut String)) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            write(c, &mut out);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Source text for a snippet: every unsafe character replaced by a harmless one of the same
/// length in bytes (`?`, `¿` or `�`), so that byte offsets into the file still hold; a lone
/// CR becomes a line feed, so that a file with old Mac line endings shows its lines, and the
/// CR of a CRLF a blank.
pub(crate) fn snippet_text(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let lone_cr = |i: usize| bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n');
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        match c {
            '\r' if lone_cr(i) => out.push('\n'),
            // The CR of a CRLF: a blank, so that no carriage return reaches the terminal.
            '\r' => out.push(' '),
            c if is_unsafe(c) => out.push(match c.len_utf8() {
                1 => '?',
                2 => '¿',
                _ => '\u{fffd}',
            }),
            c => out.push(c),
        }
    }
    debug_assert_eq!(out.len(), text.len());
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls_and_bidi_overrides_only() {
        assert_eq!(escape("plain\ttext\n"), "plain\ttext\n");
        assert_eq!(escape("a\u{1b}[2Jb\u{7}c\rd"), "a\\u{1b}[2Jb\\u{7}c\\u{d}d");
        assert_eq!(escape("x\u{9b}31my\u{202e}z\u{7f}"), "x\\u{9b}31my\\u{202e}z\\u{7f}");
        assert!(matches!(escape("é€😀"), Cow::Borrowed(_)));
    }

    #[test]
    fn snippet_text_keeps_every_offset() {
        let text = "a\u{1b}[31mb\u{9b}c\u{202e}d\r\ne\rf\u{7}";
        let safe = snippet_text(text);
        assert_eq!(safe.len(), text.len());
        assert!(!safe.chars().any(is_unsafe), "{safe:?}");
        for (i, _) in text.char_indices() {
            assert!(safe.is_char_boundary(i), "{i}");
        }
        assert_eq!(safe, "a?[31mb¿c\u{fffd}d \ne\nf?");
    }
}
