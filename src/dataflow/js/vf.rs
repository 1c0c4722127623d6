//! Scripts inside Visualforce: `<script>` bodies and event-handler attributes, with merge
//! fields blanked so that they parse as JavaScript and keep their offsets.

use std::ops::Range;

/// Byte ranges of the bodies of `<script>` elements without `src`.
pub(super) fn inline_scripts(text: &str) -> Vec<Range<usize>> {
    let lower = text.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = lower[from..].find("<script") {
        let start = from + i;
        let Some(gt) = lower[start..].find('>') else {
            break;
        };
        let open_end = start + gt + 1;
        // `<script src="..."/>`: Visualforce is XML, so a self-closed tag has no body, and the
        // next `</script>` closes the script after it.
        if lower[..open_end].ends_with("/>") {
            from = open_end;
            continue;
        }
        let Some(close) = lower[open_end..].find("</script") else {
            break;
        };
        let end = open_end + close;
        if !lower[start..open_end].contains(" src=") {
            out.push(open_end..end);
        }
        from = end;
    }
    out
}

/// Byte ranges of event-handler attribute values (`onclick="window.open('...')"`) that hold a
/// source marker: they are scripts too.
pub(super) fn handler_values(text: &str, markers: &[Range<usize>]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    for m in markers {
        let Some((_, attr, start)) = crate::syntax::vf::enclosing_attribute(text, m.start) else {
            continue;
        };
        if !attr.starts_with("on") || start == 0 {
            continue;
        }
        let quote = char::from(text.as_bytes()[start - 1]);
        if let Some(len) = text[start..].find(quote) {
            out.push(start..start + len);
        }
    }
    out
}

/// Replaces every `{!...}` merge field with underscores of the same length, so the script
/// parses as JavaScript and every span stays where it was.
pub(super) fn neutralize_merge_fields(js: &str) -> String {
    let mut out = String::with_capacity(js.len());
    let mut rest = js;
    while let Some(i) = rest.find("{!") {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let end = tail.find('}').map_or(tail.len(), |e| e + 1);
        for c in tail[..end].chars() {
            if c == '\n' {
                out.push('\n');
            } else {
                out.extend(std::iter::repeat_n('_', c.len_utf8()));
            }
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}
