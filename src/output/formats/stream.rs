//! JSON documents written as they are serialised: list items made one at a time ([`Seq`]) and
//! the characters that would act on a terminal escaped on the way ([`SafeJson`]), so that a
//! report of many findings never exists twice in memory (as values and as text). Every JSON
//! sfsec writes (reports, inventory, baseline) goes through here.

use std::cell::RefCell;
use std::io::{self, Write};

use serde::{Serialize, Serializer};
use serde_json::ser::{Formatter, PrettyFormatter};

use super::terminal::is_unsafe;

/// A list serialised from an iterator, item by item; it can be serialised once.
pub(crate) struct Seq<'a, T>(RefCell<Option<Box<dyn Iterator<Item = T> + 'a>>>);

impl<'a, T> Seq<'a, T> {
    pub(crate) fn new(items: impl Iterator<Item = T> + 'a) -> Self {
        Seq(RefCell::new(Some(Box::new(items))))
    }
}

impl<T: Serialize> Serialize for Seq<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let items = self.0.borrow_mut().take();
        serializer.collect_seq(items.into_iter().flatten())
    }
}

/// serde_json's pretty printer, with DEL, the C1 controls and the bidirectional controls in
/// strings written as `\uXXXX` (serde escapes the C0 controls itself).
struct SafeJson(PrettyFormatter<'static>);

impl Formatter for SafeJson {
    fn write_string_fragment<W: ?Sized + Write>(&mut self, w: &mut W, fragment: &str) -> io::Result<()> {
        let mut from = 0;
        for (i, c) in fragment.char_indices().filter(|(_, c)| is_unsafe(*c)) {
            w.write_all(&fragment.as_bytes()[from..i])?;
            write!(w, "\\u{:04x}", c as u32)?;
            from = i + c.len_utf8();
        }
        w.write_all(&fragment.as_bytes()[from..])
    }
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// `value` as pretty JSON with a final newline, as [`write_json`] writes it: the same document
/// to a JSON reader, inert on a terminal that shows the file.
pub(crate) fn json_string(value: &impl Serialize) -> String {
    let mut out = Vec::new();
    match write_json(value, &mut out) {
        // The formatter writes only what it is given and ASCII escapes: UTF-8 in, UTF-8 out.
        Ok(()) => String::from_utf8_lossy(&out).into_owned(),
        Err(e) => format!("{}\n", serde_json::json!({ "error": e.to_string() })),
    }
}

/// `value` as pretty JSON with a final newline, written to `w` as it is serialised.
pub(crate) fn write_json(value: &impl Serialize, w: &mut dyn Write) -> io::Result<()> {
    let mut buffered = io::BufWriter::with_capacity(64 * 1024, w);
    let mut ser = serde_json::Serializer::with_formatter(&mut buffered, SafeJson(PrettyFormatter::new()));
    value.serialize(&mut ser).map_err(io::Error::other)?;
    buffered.write_all(b"\n")?;
    buffered.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streamed_json_is_the_pretty_document_made_inert() {
        let items = ["a\u{7f}b", "c\u{9b}d\u{202e}e", "plain \"quoted\"\n\u{1b}"];
        let value = serde_json::json!({ "m": items, "n": 1 });
        let mut streamed = Vec::new();
        write_json(
            &serde_json::json!({ "m": Seq::new(items.iter()), "n": 1 }),
            &mut streamed,
        )
        .expect("write");
        let pretty = serde_json::to_string_pretty(&value).expect("json") + "\n";
        // The pretty document, with each unsafe character written as a JSON escape.
        let inert: String = pretty
            .chars()
            .map(|c| {
                if is_unsafe(c) {
                    format!("\\u{:04x}", c as u32)
                } else {
                    c.to_string()
                }
            })
            .collect();
        assert_eq!(String::from_utf8(streamed).expect("utf-8"), inert);
        assert_eq!(json_string(&value), inert);
    }

    #[test]
    fn json_keeps_its_meaning() {
        let value = "a\u{7f}b\u{9b}c\u{202e}d\u{1b}e\u{2069}";
        let doc = json_string(&serde_json::json!({ "m": value }));
        assert!(!doc.chars().any(is_unsafe), "{doc}");
        let back: serde_json::Value = serde_json::from_str(&doc).expect("parses");
        assert_eq!(back["m"], value);
    }
}
