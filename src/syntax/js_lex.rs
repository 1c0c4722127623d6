//! A JavaScript lexer for library files (vendored, minified, bundled static resources): the
//! secret rules need their string literals, the few tokens before each, and their comments
//! (suppressions), not a syntax tree. Lexing is linear and keeps nothing; parsing a 500 KB
//! library whole took a quarter of a large project's scan (bench/NOTES.md#vendored-javascript).
//!
//! A `/` starts a regular expression or divides depending on the token before it; the usual
//! rule is used (after an operator, an opening bracket or a keyword such as `return`, it
//! starts one). A template literal's fragments are tokens of their own, split at `${...}` and
//! at escapes, as tree-sitter splits them.

use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A name or a keyword.
    Ident,
    /// An operator or punctuation, longest match (`=`, `===`, `=>`, `(`...).
    Punct,
    /// A quoted string; its range includes the quotes.
    Str,
    /// Text of a template literal between its backquotes, `${...}` and escapes.
    Fragment,
    Regex,
    Number,
    Comment,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: Kind,
    pub span: Range<usize>,
}

/// Multi-character punctuators, longest first.
const PUNCTS: &[&str] = &[
    ">>>=", "...", "===", "!==", "**=", "<<=", ">>=", ">>>", "&&=", "||=", "??=", "=>", "==", "!=", "<=", ">=", "&&",
    "||", "??", "?.", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "**", "<<", ">>",
];

/// Keywords after which a `/` starts a regular expression.
const BEFORE_REGEX: &[&str] = &[
    "return",
    "typeof",
    "instanceof",
    "in",
    "of",
    "new",
    "delete",
    "void",
    "throw",
    "case",
    "do",
    "else",
    "yield",
    "await",
];

pub(crate) struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
    /// Whether a `/` here starts a regular expression.
    regex_ok: bool,
    /// For each template whose `${` is open: the depth of `{` inside it.
    templates: Vec<usize>,
    /// Inside a template's text, resuming at `at`.
    in_template: bool,
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Lexer {
            text,
            bytes: text.as_bytes(),
            at: 0,
            regex_ok: true,
            templates: Vec::new(),
            in_template: false,
        }
    }

    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.at + ahead).copied()
    }

    /// The rest of a template from `at` (after a backquote, a `}` or an escape): one fragment,
    /// or the escape, `${` or closing backquote that ends it.
    fn template_part(&mut self) -> Option<Token> {
        let start = self.at;
        while let Some(c) = self.peek(0) {
            match c {
                b'`' | b'\\' => break,
                b'$' if self.peek(1) == Some(b'{') => break,
                _ => self.at += 1,
            }
        }
        if self.at > start {
            return Some(Token {
                kind: Kind::Fragment,
                span: start..self.at,
            });
        }
        match self.peek(0)? {
            b'`' => {
                self.at += 1;
                self.in_template = false;
                self.regex_ok = false;
            }
            b'\\' => self.at = escape_end(self.bytes, self.at),
            _ => {
                // `${`: code until its `}`.
                self.at += 2;
                self.in_template = false;
                self.templates.push(0);
                self.regex_ok = true;
            }
        }
        self.next()
    }

    /// A string from its opening quote at `at`; `None` if a line ends first (not a string).
    fn string(&mut self, quote: u8) -> Option<Token> {
        let start = self.at;
        let mut i = start + 1;
        while let Some(&c) = self.bytes.get(i) {
            match c {
                b'\\' => i += 2,
                b'\n' | b'\r' => return None,
                c if c == quote => {
                    self.at = i + 1;
                    return Some(Token {
                        kind: Kind::Str,
                        span: start..self.at,
                    });
                }
                _ => i += 1,
            }
        }
        None
    }

    /// A regular expression from its `/` at `at`; `None` if a line ends first.
    fn regex(&mut self) -> Option<Token> {
        let start = self.at;
        let mut i = start + 1;
        let mut class = false;
        loop {
            match *self.bytes.get(i)? {
                b'\\' => i += 2,
                b'\n' | b'\r' => return None,
                b'[' => {
                    class = true;
                    i += 1;
                }
                b']' => {
                    class = false;
                    i += 1;
                }
                b'/' if !class => break,
                _ => i += 1,
            }
        }
        i += 1;
        while self.bytes.get(i).is_some_and(|&c| is_ident_byte(c)) {
            i += 1;
        }
        self.at = i;
        Some(Token {
            kind: Kind::Regex,
            span: start..i,
        })
    }

    fn punct(&mut self) -> Token {
        let start = self.at;
        let rest = &self.bytes[start..];
        // Most punctuation is one byte that starts no longer one (`(`, `;`, `,`): the list of
        // longer ones is searched only after a byte that may start one.
        let first = rest.first().copied().unwrap_or(0);
        let longer = b">.=!*<&|?+-/%^".contains(&first) && rest.len() > 1;
        let len = longer
            .then(|| PUNCTS.iter().find(|p| rest.starts_with(p.as_bytes())))
            .flatten()
            .map_or_else(
                || self.text[start..].chars().next().map_or(1, char::len_utf8),
                |p| p.len(),
            );
        self.at += len;
        let p = &self.bytes[start..self.at];
        match p {
            b"{" => {
                if let Some(depth) = self.templates.last_mut() {
                    *depth += 1;
                }
            }
            b"}" => match self.templates.last_mut() {
                Some(0) => {
                    // The end of a `${...}`: the template's text resumes.
                    self.templates.pop();
                    self.in_template = true;
                }
                Some(depth) => *depth -= 1,
                None => {}
            },
            _ => {}
        }
        self.regex_ok = !matches!(p, b")" | b"]" | b"}" | b"++" | b"--");
        Token {
            kind: Kind::Punct,
            span: start..self.at,
        }
    }
}

impl Iterator for Lexer<'_> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        if self.in_template {
            return self.template_part();
        }
        loop {
            let c = self.peek(0)?;
            if c.is_ascii_whitespace() {
                self.at += 1;
                continue;
            }
            let start = self.at;
            if c == b'/' && self.peek(1) == Some(b'/') {
                let end = memchr::memchr(b'\n', &self.bytes[start..]).map_or(self.bytes.len(), |i| start + i);
                self.at = end;
                return Some(Token {
                    kind: Kind::Comment,
                    span: start..end,
                });
            }
            if c == b'/' && self.peek(1) == Some(b'*') {
                let end = memchr::memmem::find(&self.bytes[start + 2..], b"*/")
                    .map_or(self.bytes.len(), |i| start + 2 + i + 2);
                self.at = end;
                return Some(Token {
                    kind: Kind::Comment,
                    span: start..end,
                });
            }
            if c == b'/'
                && self.regex_ok
                && let Some(t) = self.regex()
            {
                self.regex_ok = false;
                return Some(t);
            }
            if (c == b'\'' || c == b'"')
                && let Some(t) = self.string(c)
            {
                self.regex_ok = false;
                return Some(t);
            }
            if c == b'`' {
                self.at += 1;
                self.in_template = true;
                return self.template_part();
            }
            if c.is_ascii_digit() || (c == b'.' && self.peek(1).is_some_and(|d| d.is_ascii_digit())) {
                while self.peek(0).is_some_and(|d| is_ident_byte(d) || d == b'.') {
                    self.at += 1;
                }
                self.regex_ok = false;
                return Some(Token {
                    kind: Kind::Number,
                    span: start..self.at,
                });
            }
            if is_ident_byte(c) {
                while self.peek(0).is_some_and(is_ident_byte) {
                    self.at += 1;
                }
                let word = &self.text[start..self.at];
                // Every keyword is 2 to 10 lower-case letters: most names are ruled out
                // without comparing them with each.
                self.regex_ok =
                    (2..=10).contains(&word.len()) && c.is_ascii_lowercase() && BEFORE_REGEX.contains(&word);
                return Some(Token {
                    kind: Kind::Ident,
                    span: start..self.at,
                });
            }
            return Some(self.punct());
        }
    }
}

/// Letters, digits, `_`, `$` and every byte of a non-ASCII character (names may use them).
fn is_ident_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80
}

/// Where the escape sequence starting at the backslash `at` ends.
fn escape_end(bytes: &[u8], at: usize) -> usize {
    let hex_run = |from: usize, n: usize| {
        (from..from + n)
            .take_while(|&i| bytes.get(i).is_some_and(u8::is_ascii_hexdigit))
            .count()
    };
    let end = match bytes.get(at + 1) {
        Some(b'u') if bytes.get(at + 2) == Some(&b'{') => {
            memchr::memchr(b'}', &bytes[at..]).map_or(bytes.len(), |i| at + i + 1)
        }
        Some(b'u') => at + 2 + hex_run(at + 2, 4),
        Some(b'x') => at + 2 + hex_run(at + 2, 2),
        Some(_) => at + 2,
        None => at + 1,
    };
    // Never inside a multi-byte character.
    let mut end = end.min(bytes.len());
    while end < bytes.len() && (bytes[end] & 0xC0) == 0x80 {
        end += 1;
    }
    end
}

/// Whether a static resource's script is a library rather than code written for the package:
/// minified (a line of 500 characters or more), with a `/*!` or `@license` banner, a source map,
/// or 100 KB or more. Such files are lexed, not parsed.
pub(crate) fn is_library(rel: &str, text: &str) -> bool {
    if !rel.contains("/staticresources/") {
        return false;
    }
    let head = &text.as_bytes()[..text.len().min(2048)];
    let tail = &text.as_bytes()[text.len().saturating_sub(512)..];
    text.len() >= 100 * 1024
        || memchr::memmem::find(head, b"/*!").is_some()
        || memchr::memmem::find(head, b"@license").is_some()
        || memchr::memmem::find(tail, b"sourceMappingURL=").is_some()
        || text.split('\n').any(|line| line.len() >= 500)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(js: &str) -> Vec<(Kind, &str)> {
        Lexer::new(js).map(|t| (t.kind, &js[t.span])).collect()
    }

    #[test]
    fn strings_templates_and_comments() {
        use Kind::*;
        assert_eq!(
            tokens("var k = 'a\\'b' + \"c\"; // note\n/* x */ f(`t${ {a:1}.a }u\\n${x}`)"),
            [
                (Ident, "var"),
                (Ident, "k"),
                (Punct, "="),
                (Str, "'a\\'b'"),
                (Punct, "+"),
                (Str, "\"c\""),
                (Punct, ";"),
                (Comment, "// note"),
                (Comment, "/* x */"),
                (Ident, "f"),
                (Punct, "("),
                (Fragment, "t"),
                (Punct, "{"),
                (Ident, "a"),
                (Punct, ":"),
                (Number, "1"),
                (Punct, "}"),
                (Punct, "."),
                (Ident, "a"),
                (Punct, "}"),
                (Fragment, "u"),
                (Ident, "x"),
                (Punct, "}"),
                (Punct, ")"),
            ]
        );
    }

    #[test]
    fn slashes_divide_or_start_a_regex_by_what_comes_before() {
        use Kind::*;
        // A quote inside a regular expression is not a string.
        assert_eq!(
            tokens("x = /['\"]/g.test(s)"),
            [
                (Ident, "x"),
                (Punct, "="),
                (Regex, "/['\"]/g"),
                (Punct, "."),
                (Ident, "test"),
                (Punct, "("),
                (Ident, "s"),
                (Punct, ")")
            ]
        );
        assert_eq!(tokens("a / b / 'c'")[1..4], [(Punct, "/"), (Ident, "b"), (Punct, "/")]);
        assert_eq!(tokens("f(a)/2")[4], (Punct, "/"));
        assert_eq!(tokens("return /x/")[1], (Regex, "/x/"));
        assert_eq!(tokens("a ===b")[1], (Punct, "==="));
    }

    #[test]
    fn never_panics_on_broken_input() {
        for js in [
            "'", "`", "`${", "/", "/[", "\\", "`\\u{", "`\\", "a\"é\n'", "/*", "`${`${}`", "x = /é", "`\\xé`",
        ] {
            let _ = tokens(js);
        }
    }

    #[test]
    fn libraries_are_recognised() {
        let sr = "force-app/main/default/staticresources/lib/jquery.min.js";
        assert!(is_library(sr, &format!("var a={};{}", "1".repeat(600), "\n")));
        assert!(is_library(sr, "/*! jQuery v3.5.0 | (c) JS Foundation */\nvar a;"));
        assert!(is_library(sr, "var a;\n//# sourceMappingURL=jquery.min.map\n"));
        assert!(!is_library(sr, "function init() {\n  return 1;\n}\n"));
        assert!(!is_library("force-app/main/default/lwc/a/a.js", &"x".repeat(200_000)));
    }
}
