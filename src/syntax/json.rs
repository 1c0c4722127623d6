//! JSON with byte spans (scratch-org definitions, `sfdx-project.json`), owned so that it can
//! live beside its text.

use std::ops::Range;

use jsonc_parser::ast;
use jsonc_parser::{CollectOptions, ParseOptions};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Json {
    Object(Vec<Member>),
    Array(Vec<JsonNode>),
    String(String),
    Number(String),
    Bool(bool),
    Null,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Member {
    pub key: String,
    /// The key with its quotes.
    pub key_span: Range<usize>,
    pub value: JsonNode,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct JsonNode {
    pub span: Range<usize>,
    pub value: Json,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JsonError {
    pub offset: usize,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// The deepest nesting of arrays and objects read.
const MAX_DEPTH: usize = 256;

/// The offset of the first `[` or `{` past `max` levels, outside strings and comments.
fn too_deep(text: &str, max: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' | b'\'' => {
                let quote = b[i];
                i += 1;
                while i < b.len() && b[i] != quote {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |k| i + k);
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = memchr::memmem::find(&b[i + 2..], b"*/").map_or(b.len(), |k| i + 2 + k + 1);
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

impl JsonNode {
    pub(crate) fn parse(text: &str) -> Result<JsonNode, JsonError> {
        // The parser, the conversion and dropping the tree all recurse once per level: a
        // repository's `[[[[...` must not overflow the stack. No Salesforce file nests past 20.
        if let Some(at) = too_deep(text, MAX_DEPTH) {
            let (line, column) = crate::diagnostics::finding::LineIndex::new(text).line_col(text, at);
            return Err(JsonError {
                offset: at,
                line,
                column,
                message: format!("nested deeper than {MAX_DEPTH} levels"),
            });
        }
        // A byte-order mark (Windows editors write one) is not JSON; three blanks in its place
        // keep every offset.
        let unmarked;
        let text = match text.strip_prefix('\u{feff}') {
            Some(rest) => {
                unmarked = format!("   {rest}");
                unmarked.as_str()
            }
            None => text,
        };
        let options = ParseOptions {
            allow_comments: true,
            allow_loose_object_property_names: false,
            allow_trailing_commas: true,
            allow_missing_commas: false,
            allow_single_quoted_strings: false,
            allow_hexadecimal_numbers: false,
            allow_unary_plus_numbers: false,
        };
        let result = jsonc_parser::parse_to_ast(text, &CollectOptions::default(), &options).map_err(|e| JsonError {
            offset: e.range().start,
            line: e.line_display(),
            column: e.column_display(),
            message: e.kind().to_string(),
        })?;
        match result.value {
            Some(v) => Ok(convert(v)),
            None => Err(JsonError {
                offset: 0,
                line: 1,
                column: 1,
                message: "the file is empty".into(),
            }),
        }
    }

    pub(crate) fn get(&self, key: &str) -> Option<&Member> {
        match &self.value {
            Json::Object(members) => members.iter().find(|m| m.key == key),
            _ => None,
        }
    }

    pub(crate) fn members(&self) -> &[Member] {
        match &self.value {
            Json::Object(members) => members,
            _ => &[],
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match &self.value {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Json::Bool(b) => Some(*b),
            // Scratch definitions are sometimes written with quoted booleans.
            Json::String(s) if s == "true" => Some(true),
            Json::String(s) if s == "false" => Some(false),
            _ => None,
        }
    }

    pub(crate) fn type_name(&self) -> &'static str {
        match self.value {
            Json::Object(_) => "an object",
            Json::Array(_) => "an array",
            Json::String(_) => "a string",
            Json::Number(_) => "a number",
            Json::Bool(_) => "a boolean",
            Json::Null => "null",
        }
    }
}

fn range(r: jsonc_parser::common::Range) -> Range<usize> {
    r.start..r.end
}

fn convert(v: ast::Value<'_>) -> JsonNode {
    match v {
        ast::Value::StringLit(s) => JsonNode {
            span: range(s.range),
            value: Json::String(s.value.into_owned()),
        },
        ast::Value::NumberLit(n) => JsonNode {
            span: range(n.range),
            value: Json::Number(n.value.to_string()),
        },
        ast::Value::BooleanLit(b) => JsonNode {
            span: range(b.range),
            value: Json::Bool(b.value),
        },
        ast::Value::NullKeyword(n) => JsonNode {
            span: range(n.range),
            value: Json::Null,
        },
        ast::Value::Array(a) => JsonNode {
            span: range(a.range),
            value: Json::Array(a.elements.into_iter().map(convert).collect()),
        },
        ast::Value::Object(o) => JsonNode {
            span: range(o.range),
            value: Json::Object(
                o.properties
                    .into_iter()
                    .map(|p| {
                        let (key, key_span) = match p.name {
                            ast::ObjectPropName::String(s) => (s.value.into_owned(), range(s.range)),
                            ast::ObjectPropName::Word(w) => (w.value.to_string(), range(w.range)),
                        };
                        Member {
                            key,
                            key_span,
                            value: convert(p.value),
                        }
                    })
                    .collect(),
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Nesting past the limit is an error at the bracket that passes it, not a stack overflow;
    /// brackets in strings and comments do not count.
    #[test]
    fn nesting_is_bounded() {
        for n in [MAX_DEPTH + 1, 20_000, 200_000] {
            let text = format!("{}{}", "[".repeat(n), "]".repeat(n));
            let e = JsonNode::parse(&text).expect_err("too deep");
            assert_eq!((e.offset, e.line, e.column), (MAX_DEPTH, 1, MAX_DEPTH + 1));
            assert!(e.message.contains("256"), "{}", e.message);
        }
        let fine = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(JsonNode::parse(&fine).is_ok());
        let quoted = format!(
            "{{\"a\": \"{}\\\"[\", /* {} */ // {}\n \"b\": 1}}",
            "[".repeat(999),
            "{".repeat(999),
            "[".repeat(999)
        );
        assert!(JsonNode::parse(&quoted).is_ok(), "{quoted}");
    }

    /// A byte-order mark is read past, and spans still index the text as given.
    #[test]
    fn a_byte_order_mark_is_read_past() {
        let text = "\u{feff}{\"orgName\": \"x\"}";
        let v = JsonNode::parse(text).expect("parses");
        let m = v.get("orgName").expect("member");
        assert_eq!(&text[m.value.span.clone()], "\"x\"");
    }

    #[test]
    fn spans_and_errors() {
        let text = "{\n  \"settings\": { \"a\": true }\n}";
        let v = JsonNode::parse(text).expect("parses");
        let s = v.get("settings").expect("settings");
        assert_eq!(&text[s.key_span.clone()], "\"settings\"");
        let a = s.value.get("a").expect("a");
        assert_eq!(a.value.as_bool(), Some(true));
        let err = JsonNode::parse("{\n  \"a\": ,\n}").expect_err("fails");
        assert_eq!(err.line, 2);
        assert!(JsonNode::parse("").is_err());
    }
}
