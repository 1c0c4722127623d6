//! A small, lenient element tree over Salesforce metadata XML, with byte spans.
//!
//! Metadata files are flat records, so an arena of elements with their text is all the lints
//! need. Names are namespace-agnostic (local names), unknown elements are kept, `xsi:nil`
//! marks a value as unset, and spans are byte offsets into the original text (a BOM included).

use std::ops::Range;

use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::reader::Reader;

pub(crate) type Span = Range<usize>;

/// Index of an element in [`XmlDoc::elements`].
pub(crate) type ElemId = u32;

/// One element. Offsets are `u32` (metadata files over [`crate::workspace::project::MAX_FILE_BYTES`] are
/// not parsed) and the children are found through the element order, not listed: a scan keeps
/// every document a lint may read until it ends.
#[derive(Debug, Clone)]
pub(crate) struct Element {
    /// Local name (prefix stripped): a range of [`XmlDoc::strings`], shared by every element
    /// of that name.
    name: (u32, u32),
    /// Trimmed text content with entities resolved: a range of [`XmlDoc::strings`],
    /// [`NO_TEXT`] when empty or `xsi:nil`. One arena, not a string per element: a large
    /// org's permission sets and fields are a million elements kept to the end of a scan
    /// (bench/NOTES.md#xml-arena).
    text: (u32, u32),
    /// From `<` of the start tag to `>` of the end tag (or of the empty tag).
    span: (u32, u32),
    /// Where the start tag ends (it starts with the element).
    start_tag_end: u32,
    /// The trimmed raw text; empty at the end of the start tag when there is none.
    text_span: (u32, u32),
    /// [`NO_PARENT`] for the root.
    parent: ElemId,
    /// The index just past this element's descendants (elements are in document order): its
    /// next sibling, if it has one.
    after: ElemId,
    /// Whether the raw text equals `text` byte for byte (no entities), so sub-spans map 1:1.
    text_is_raw: bool,
    /// Whether the element is marked `xsi:nil`.
    nil: bool,
}

const NO_PARENT: ElemId = ElemId::MAX;
const NO_TEXT: (u32, u32) = (u32::MAX, u32::MAX);

impl Element {
    /// From `<` of the start tag to `>` of the end tag (or of the empty tag).
    pub(crate) fn span(&self) -> Span {
        self.span.0 as usize..self.span.1 as usize
    }
    /// The start tag alone: where a finding about a missing child points.
    pub(crate) fn start_tag(&self) -> Span {
        self.span.0 as usize..self.start_tag_end as usize
    }
    /// Span of the trimmed raw text; empty at the end of the start tag when there is none.
    pub(crate) fn text_span(&self) -> Span {
        self.text_span.0 as usize..self.text_span.1 as usize
    }
    pub(crate) fn parent(&self) -> Option<ElemId> {
        (self.parent != NO_PARENT).then_some(self.parent)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Comment {
    /// From `<!--` to `-->`.
    pub span: Span,
    /// The text between the markers.
    pub text_span: Span,
}

#[derive(Debug, Default)]
pub(crate) struct XmlDoc {
    pub elements: Vec<Element>,
    pub comments: Vec<Comment>,
    /// Element names (each distinct name once) and leaf texts, back to back.
    strings: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct XmlError {
    pub offset: usize,
    pub message: String,
}

impl XmlDoc {
    pub(crate) fn root(&self) -> Option<ElemRef<'_>> {
        if self.elements.is_empty() {
            None
        } else {
            Some(ElemRef { doc: self, id: 0 })
        }
    }

    pub(crate) fn get(&self, id: ElemId) -> ElemRef<'_> {
        ElemRef { doc: self, id }
    }

    fn string(&self, (start, end): (u32, u32)) -> &str {
        self.strings.get(start as usize..end as usize).unwrap_or("")
    }

    /// `local`'s range in the arena, appended the first time the document names it.
    fn name(&mut self, names: &mut foldhash::HashMap<Box<[u8]>, (u32, u32)>, local: &[u8]) -> (u32, u32) {
        match names.get(local) {
            Some(&range) => range,
            None => {
                let range = self.push_string(&String::from_utf8_lossy(local));
                names.insert(local.into(), range);
                range
            }
        }
    }

    /// Appends `s` to the arena; its range.
    fn push_string(&mut self, s: &str) -> (u32, u32) {
        // The arena holds a subset of the text's bytes (names once, decoded texts that are
        // never longer than their source), and the text fits in `u32`.
        let start = self.strings.len() as u32;
        self.strings.push_str(s);
        (start, self.strings.len() as u32)
    }

    /// Parses `src` leniently. Fails only on malformed XML (not on unknown content).
    pub(crate) fn parse(src: &str) -> Result<XmlDoc, XmlError> {
        fits_offsets(src)?;
        // Every offset below fits: the text does.
        let at = |offset: usize| offset as u32;
        let base = if src.starts_with('\u{feff}') { 3 } else { 0 };
        let body = &src[base..];
        let mut reader = Reader::from_str(body);
        reader.config_mut().check_end_names = true;
        let mut doc = XmlDoc::default();
        let mut stack: Vec<ElemId> = Vec::new();
        // Raw text pieces of the innermost open element: (start, end) plus the resolved text.
        let mut text = String::new();
        let mut text_start: Option<usize> = None;
        let mut text_end = 0usize;
        let mut text_is_raw = true;
        let mut saw_root = false;
        // Each distinct name once in the arena.
        let mut names: foldhash::HashMap<Box<[u8]>, (u32, u32)> = Default::default();

        loop {
            let start = base + reader.buffer_position() as usize;
            let event = reader.read_event().map_err(|e| XmlError {
                offset: base + reader.error_position() as usize,
                message: e.to_string(),
            })?;
            let end = base + reader.buffer_position() as usize;
            let is_empty = matches!(event, Event::Empty(_));
            match event {
                Event::Start(tag) | Event::Empty(tag) => {
                    if stack.is_empty() && saw_root {
                        return Err(XmlError {
                            offset: start,
                            message: "more than one root element".into(),
                        });
                    }
                    saw_root = true;
                    let id = doc.elements.len() as ElemId;
                    let parent = stack.last().copied().unwrap_or(NO_PARENT);
                    let name = doc.name(&mut names, tag.local_name().into_inner());
                    doc.elements.push(element(&tag, name, at(start), at(end), parent, id));
                    if !is_empty {
                        stack.push(id);
                    }
                    text.clear();
                    text_start = None;
                    text_is_raw = true;
                }
                Event::End(_) => {
                    let Some(id) = stack.pop() else {
                        return Err(XmlError {
                            offset: start,
                            message: "unexpected end tag".into(),
                        });
                    };
                    let after = doc.elements.len() as ElemId;
                    let el = &mut doc.elements[id as usize];
                    el.span.1 = at(end);
                    el.after = after;
                    // Only leaf elements carry a value; mixed content is not metadata.
                    if el.after == id + 1
                        && !el.nil
                        && let Some(ts) = text_start
                    {
                        set_leaf_text(&mut doc, id, &text, ts..text_end, text_is_raw, src);
                    }
                    text.clear();
                    text_start = None;
                    text_is_raw = true;
                }
                Event::Text(t) => {
                    let piece = t.decode().map_err(|e| XmlError {
                        offset: start,
                        message: e.to_string(),
                    })?;
                    text_start.get_or_insert(start);
                    text_end = end;
                    text.push_str(&piece);
                }
                Event::CData(t) => {
                    text_start.get_or_insert(start);
                    text_end = end;
                    text.push_str(&String::from_utf8_lossy(&t));
                    text_is_raw = false;
                }
                Event::GeneralRef(r) => {
                    text_start.get_or_insert(start);
                    text_end = end;
                    text_is_raw = false;
                    match resolve_reference(&r, start)? {
                        Some(c) => text.push(c),
                        None => text.push_str(&src[start..end]),
                    }
                }
                Event::Comment(_) => {
                    let inner = (start + 4).min(end)..end.saturating_sub(3).max(start + 4);
                    doc.comments.push(Comment {
                        span: start..end,
                        text_span: inner,
                    });
                }
                Event::Eof => break,
                Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
            }
        }
        if let Some(open) = stack.last() {
            let el = &doc.elements[*open as usize];
            return Err(XmlError {
                offset: el.span.0 as usize,
                message: format!("element `{}` is never closed", doc.string(el.name)),
            });
        }
        if doc.elements.is_empty() {
            return Err(XmlError {
                offset: src.len(),
                message: "no root element".into(),
            });
        }
        doc.elements = crate::syntax::fit::vec(doc.elements);
        doc.comments = crate::syntax::fit::vec(doc.comments);
        doc.strings.shrink_to_fit();
        Ok(doc)
    }
}

/// Every offset into `src` fits in `u32` (metadata files over
/// [`crate::workspace::project::MAX_FILE_BYTES`] are not parsed).
fn fits_offsets(src: &str) -> Result<(), XmlError> {
    match u32::try_from(src.len()) {
        Ok(_) => Ok(()),
        Err(_) => Err(XmlError {
            offset: 0,
            message: "file too large".into(),
        }),
    }
}

fn trim_counts(s: &str) -> (&str, usize, usize) {
    let start_trimmed = s.trim_start();
    let lead = s.len() - start_trimmed.len();
    let t = start_trimmed.trim_end();
    (t, lead, start_trimmed.len() - t.len())
}

/// The element a start (or empty) tag between `start` and `end` opens, as the `id`th of the
/// document; its end and text are set when it closes.
fn element(tag: &BytesStart<'_>, name: (u32, u32), start: u32, end: u32, parent: ElemId, id: ElemId) -> Element {
    // Without checks: the duplicate check compares every attribute with every other (200k
    // attributes took minutes); only `nil` is read.
    let nil = tag
        .attributes()
        .with_checks(false)
        .flatten()
        .any(|a| a.key.local_name().as_ref() == b"nil" && a.value.as_ref() == b"true");
    Element {
        name,
        text: NO_TEXT,
        span: (start, end),
        start_tag_end: end,
        text_span: (end, end),
        parent,
        after: id + 1,
        text_is_raw: true,
        nil,
    }
}

/// The character an entity or character reference stands for; `None` for an entity XML does not
/// define (kept as written).
fn resolve_reference(r: &BytesRef<'_>, start: usize) -> Result<Option<char>, XmlError> {
    match r.resolve_char_ref() {
        Ok(Some(c)) => Ok(Some(c)),
        Ok(None) => Ok(match &**r {
            b"lt" => Some('<'),
            b"gt" => Some('>'),
            b"amp" => Some('&'),
            b"apos" => Some('\''),
            b"quot" => Some('"'),
            _ => None,
        }),
        Err(e) => Err(XmlError {
            offset: start,
            message: e.to_string(),
        }),
    }
}

/// A leaf element's value: `text` (resolved) trimmed, and its span in `src`, whose raw text is
/// at `raw`: exact when the text is the source byte for byte, else the trimmed raw text.
fn set_leaf_text(doc: &mut XmlDoc, id: ElemId, text: &str, raw: Range<usize>, text_is_raw: bool, src: &str) {
    let (t, lead, trail) = trim_counts(text);
    if t.is_empty() {
        return;
    }
    // Every offset fits in `u32`: the parser refused larger texts.
    let at = |offset: usize| offset as u32;
    let range = doc.push_string(t);
    let el = &mut doc.elements[id as usize];
    el.text = range;
    el.text_span = if text_is_raw {
        (at(raw.start + lead), at(raw.end - trail))
    } else {
        let (_, rl, rt) = trim_counts(&src[raw.clone()]);
        (at(raw.start + rl), at(raw.end - rt))
    };
    el.text_is_raw = text_is_raw;
}

/// A borrowed element with navigation helpers.
#[derive(Clone, Copy)]
pub(crate) struct ElemRef<'d> {
    pub doc: &'d XmlDoc,
    pub id: ElemId,
}

impl<'d> ElemRef<'d> {
    pub(crate) fn el(&self) -> &'d Element {
        &self.doc.elements[self.id as usize]
    }
    pub(crate) fn name(&self) -> &'d str {
        self.doc.string(self.el().name)
    }
    pub(crate) fn span(&self) -> Span {
        self.el().span()
    }
    pub(crate) fn start_tag(&self) -> Span {
        self.el().start_tag()
    }
    /// Where a finding about this element's value points: its text, or the element when empty.
    pub(crate) fn value_span(&self) -> Span {
        let el = self.el();
        if el.text != NO_TEXT { el.text_span() } else { el.span() }
    }
    pub(crate) fn text(&self) -> Option<&'d str> {
        let el = self.el();
        (el.text != NO_TEXT).then(|| self.doc.string(el.text))
    }
    pub(crate) fn children(&self) -> impl Iterator<Item = ElemRef<'d>> + 'd {
        let doc = self.doc;
        let end = self.el().after;
        let first = (self.id + 1 < end).then_some(self.id + 1);
        std::iter::successors(first, move |&id| {
            let next = doc.elements.get(id as usize)?.after;
            (next < end).then_some(next)
        })
        .map(move |id| ElemRef { doc, id })
    }
    pub(crate) fn children_named(&self, name: &'d str) -> impl Iterator<Item = ElemRef<'d>> + 'd {
        self.children().filter(move |c| c.name() == name)
    }
    pub(crate) fn child(&self, name: &str) -> Option<ElemRef<'d>> {
        self.children().find(|c| c.name() == name)
    }
    /// Follows a path of child names, first match at each step.
    pub(crate) fn path(&self, path: &[&str]) -> Option<ElemRef<'d>> {
        let mut cur = *self;
        for step in path {
            cur = cur.child(step)?;
        }
        Some(cur)
    }
    pub(crate) fn child_text(&self, name: &str) -> Option<&'d str> {
        self.child(name).and_then(|c| c.text())
    }
    /// `Some(true/false)` for a boolean value, `None` when absent, nil or not a boolean.
    pub(crate) fn bool_value(&self) -> Option<bool> {
        match self.text()? {
            t if t.eq_ignore_ascii_case("true") => Some(true),
            t if t.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }
    /// Maps a byte range of [`Self::text`] to a source span; falls back to the whole text span
    /// when entities make the text differ from the source.
    pub(crate) fn text_sub_span(&self, range: Range<usize>) -> Span {
        let el = self.el();
        let span = el.text_span();
        if el.text_is_raw {
            span.start + range.start..span.start + range.end
        } else {
            span
        }
    }

    /// [`Self::text_sub_span`] through entity references (`&amp;`), given the document's source:
    /// exact where the text has entities, the whole text only where it cannot be mapped (CDATA).
    pub(crate) fn text_sub_span_in(&self, src: &str, range: Range<usize>) -> Span {
        let el = self.el();
        if el.text_is_raw {
            return self.text_sub_span(range);
        }
        let span = el.text_span();
        let Some(raw) = src.get(span.clone()).filter(|r| !r.contains("<![CDATA[")) else {
            return span;
        };
        match (raw_offset(raw, range.start), raw_offset(raw, range.end)) {
            (Some(a), Some(b)) => span.start + a..span.start + b,
            _ => span,
        }
    }
}

/// The byte offset in `raw` (XML text with entity references) of byte `at` of its decoded text.
fn raw_offset(raw: &str, at: usize) -> Option<usize> {
    let b = raw.as_bytes();
    let (mut r, mut d) = (0, 0);
    while d < at {
        if b.get(r)? == &b'&' {
            let end = r + raw[r..].find(';')?;
            let name = &raw[r + 1..end];
            d += match name {
                "amp" | "lt" | "gt" | "quot" | "apos" => 1,
                _ => {
                    let n = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X"));
                    let code = match n {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => name.strip_prefix('#')?.parse().ok()?,
                    };
                    char::from_u32(code)?.len_utf8()
                }
            };
            r = end + 1;
        } else {
            r += 1;
            d += 1;
        }
    }
    (d == at).then_some(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 200,000 attributes on one element parse in linear time (the duplicate check of every
    /// pair took minutes); `xsi:nil` is still read.
    #[test]
    fn many_attributes_are_linear() {
        let attrs: String = (0..200_000).map(|i| format!(" a{i}=\"v\"")).collect();
        let text = format!("<Root{attrs}><a xsi:nil=\"true\"{attrs}/></Root>");
        let doc = XmlDoc::parse(&text).expect("parses");
        assert_eq!(doc.elements.len(), 2);
        assert!(doc.elements[1].nil);
    }

    #[test]
    fn spans_text_and_namespaces() {
        let src = "\u{feff}<?xml version=\"1.0\"?>\r\n<md:ConnectedApp xmlns:md=\"x\">\r\n  <md:label> My &amp; App </md:label>\r\n  <oauthConfig><scopes>Api</scopes><x xsi:nil=\"true\"/></oauthConfig>\r\n</md:ConnectedApp>";
        let doc = XmlDoc::parse(src).expect("parses");
        let root = doc.root().expect("root");
        assert_eq!(root.name(), "ConnectedApp");
        let label = root.child("label").expect("label");
        assert_eq!(label.text(), Some("My & App"));
        assert_eq!(&src[label.el().text_span()], "My &amp; App");
        assert!(!label.el().text_is_raw);
        let scope = root.path(&["oauthConfig", "scopes"]).expect("scope");
        assert_eq!(&src[scope.span()], "<scopes>Api</scopes>");
        assert_eq!(&src[scope.value_span()], "Api");
        assert_eq!(&src[scope.text_sub_span(1..3)], "pi");
        // Through entities: "My & App"[5..8] is "App".
        assert_eq!(&src[label.text_sub_span_in(src, 5..8)], "App");
        assert_eq!(&src[label.text_sub_span_in(src, 0..4)], "My &amp;");
        assert_eq!(raw_offset("a&#x41;&#66;c", 3), Some(12));
        let nil = root.path(&["oauthConfig", "x"]).expect("nil");
        assert!(nil.el().nil);
        assert_eq!(nil.text(), None);
        assert_eq!(&src[root.start_tag()], "<md:ConnectedApp xmlns:md=\"x\">");
        // Children in order, their own children not among them; each knows its parent.
        let names: Vec<&str> = root.children().map(|c| c.name()).collect();
        assert_eq!(names, ["label", "oauthConfig"]);
        let config = root.child("oauthConfig").expect("config");
        assert_eq!(config.children().map(|c| c.name()).collect::<Vec<_>>(), ["scopes", "x"]);
        assert_eq!(scope.children().count(), 0);
        assert_eq!(nil.el().parent(), Some(config.id));
        assert_eq!(root.el().parent(), None);
    }

    #[test]
    fn comments_are_kept() {
        let src = "<a><!-- expect: x --><b>1</b></a>";
        let doc = XmlDoc::parse(src).expect("parses");
        assert_eq!(doc.comments.len(), 1);
        assert_eq!(&src[doc.comments[0].text_span.clone()], " expect: x ");
    }

    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        for src in [
            "",
            "<a>",
            "<a></b>",
            "<a/><b/>",
            "</a>",
            "<a>&#xZZ;</a>",
            "<a><!--",
            "<a x='1>",
            "\u{feff}",
        ] {
            assert!(XmlDoc::parse(src).is_err(), "{src:?} should fail");
        }
        assert!(XmlDoc::parse("<a>&unknown;</a>").is_ok());
    }
}
