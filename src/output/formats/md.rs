//! Project text in Markdown (the review report, the inventory): it must read as the text it
//! is, never as markup. A file name, an app's label or a suppression reason could otherwise
//! carry a link (`[x](javascript:...)`), an image, raw HTML, or a backtick that ends a code span.

use super::terminal;

/// Inline code showing `s` as written: fenced by more backticks than any run inside it, so
/// that nothing in it can end the span.
pub(crate) fn code(s: &str) -> String {
    let s = one_line(s);
    if s.is_empty() {
        return s;
    }
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    // A space on each side keeps a leading or trailing backtick off the fence (and CommonMark
    // strips exactly one).
    if longest > 0 || s.starts_with(' ') && s.ends_with(' ') && s.trim() != "" {
        format!("{fence} {s} {fence}")
    } else {
        format!("{fence}{s}{fence}")
    }
}

/// [`code`] in a table cell: a pipe would end the cell even inside a code span.
pub(crate) fn code_cell(s: &str) -> String {
    code(s).replace('|', "\\|")
}

/// A message as text: its own `code` spans stay code spans ([`code`]), and everything else
/// is escaped so that no link, image, emphasis or HTML forms; web addresses and emails, which
/// some renderers link by themselves, are shown as code. Safe in a table cell.
pub(crate) fn text(s: &str) -> String {
    let s = one_line(s);
    let mut out = String::with_capacity(s.len() + 16);
    let parts: Vec<&str> = s.split('`').collect();
    // An odd number of backticks leaves the last one unpaired: it is text.
    let paired = (parts.len() - 1) / 2 * 2;
    // Adjacent code spans (`a``b`) would read as one with a backtick inside: joined instead.
    let mut pending = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i % 2 == 1 && i <= paired {
            pending.push_str(part);
            continue;
        }
        if part.is_empty() && i < paired {
            continue;
        }
        if !pending.is_empty() {
            out.push_str(&code_cell(&pending));
            pending.clear();
        }
        if i > paired {
            out.push_str("\\`");
        }
        plain(part, &mut out);
    }
    if !pending.is_empty() {
        out.push_str(&code_cell(&pending));
    }
    out
}

fn plain(s: &str, out: &mut String) {
    for (k, word) in s.split(' ').enumerate() {
        if k > 0 {
            out.push(' ');
        }
        let lower = word.to_ascii_lowercase();
        if lower.contains("://") || lower.starts_with("www.") || word.contains('@') {
            out.push_str(&code_cell(word));
            continue;
        }
        let chars: Vec<char> = word.chars().collect();
        let inner = |k: Option<usize>| k.and_then(|k| chars.get(k)).is_some_and(|c| c.is_alphanumeric());
        for (i, &c) in chars.iter().enumerate() {
            // An underscore inside a word (`Api_Key__c`) never starts emphasis; one at its
            // edge may.
            let edge_underscore = c == '_' && !(inner(i.checked_sub(1)) && inner(Some(i + 1)));
            if edge_underscore || matches!(c, '\\' | '*' | '[' | ']' | '<' | '>' | '!' | '&' | '|' | '~') {
                out.push('\\');
            }
            out.push(c);
        }
    }
}

/// On one line, with control characters written as escapes.
fn one_line(s: &str) -> String {
    terminal::escape(&s.replace(['\r', '\n'], " ")).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use pulldown_cmark::{Event, Parser, Tag};

    /// What a renderer makes of it: no link, image or HTML, and the text as written.
    fn inert(markdown: &str) -> String {
        let mut text = String::new();
        for e in Parser::new(markdown) {
            match e {
                Event::Text(t) | Event::Code(t) => text.push_str(&t),
                Event::Start(Tag::Paragraph) | Event::End(_) => {}
                other => panic!("{markdown:?} made {other:?}"),
            }
        }
        text
    }

    #[test]
    fn project_text_stays_text() {
        for (s, shown) in [
            ("[click](javascript:alert(1))", None),
            ("![x](https://evil.example/x.png \"onerror=alert(1)\")", None),
            ("<script>alert(1)</script> <img src=x onerror=alert(1)>", None),
            ("a `code` b `unpaired", Some("a code b `unpaired")),
            ("**bold** _em_ ~~del~~ &lt; \\ \\", None),
            (
                "https://evil.example/x www.evil.example mail@evil.example <https://x.example>",
                None,
            ),
            ("`a``b` ``` x", Some("ab ` x")),
        ] {
            assert_eq!(inert(&text(s)), shown.unwrap_or(s), "{s}");
            let c = code(s);
            assert_eq!(inert(&c), s, "{c}");
        }
        assert_eq!(code("a"), "`a`");
        assert_eq!(code("a`b"), "`` a`b ``");
        assert_eq!(text("a|b\nc"), "a\\|b c");
        assert_eq!(text("x\u{1b}[2J"), "x\\\\u{1b}\\[2J");
    }
}
