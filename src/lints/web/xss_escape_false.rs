//! Text shown as HTML with the platform's encoding turned off: `addError(message, false)` in
//! Apex, `escape="false"` in Visualforce, `<aura:unescapedHtml>` in Aura, when the text is
//! not the code's own (a record's field, a variable, a controller property).

use std::ops::Range;

use tree_sitter::Node;

use crate::dataflow::apex::owned::{HOP, Resolver, RichText, contains_ascii_ci};
use crate::dataflow::js::owned;
use crate::diagnostics::finding::{FileId, Finding};
use crate::lints::web::aura_bundle::AuraBundle;
use crate::lints::web::page_classes::{ClassTree, PageClasses};
use crate::lints::{Ctx, Lint};
use crate::syntax::vf::{self, Place};
use crate::workspace::kind::{FileKind, MetaType};
use crate::workspace::project::SourceFile;

declare_lint!(XssEscapeFalse = "xss-escape-false");

const APEX_HELP: &str = "escape what the code did not write (`String.escapeHtml4(record.Name)`), or drop the `false`: \
     `addError` then shows the message as text";
const MARKUP_HELP: &str = "drop `escape=\"false\"` (or `aura:unescapedHtml`), or wrap the value in `{!HTMLENCODE(...)}`; \
     markup that must stay markup belongs in the page, not in data";

const MESSAGES_HELP: &str = "drop `escape=\"false\"` from `<apex:pageMessages>`, or escape what the code did not write \
     before it adds the message (`String.escapeHtml4(e.getMessage())`)";
const SCRIPT_HELP: &str = "set `textContent` (or bind the value in the template, which escapes it), or escape what the \
     code did not write before it becomes markup; rich text that must stay markup belongs in \
     `lightning-formatted-rich-text`";
const RUN_HELP: &str = "do not run text as code: call the function the text would name, or look it up in a map of \
     the functions the component allows";

impl Lint for XssEscapeFalse {
    fn check_js(&self, file: FileId, src: &SourceFile, root: Node<'_>, out: &mut Vec<Finding>) {
        // Lightning components' own code; their Jest tests write markup on purpose.
        let component = src.rel.contains("/lwc/") || src.rel.contains("/aura/");
        if !component || src.rel.contains("/__tests__/") || !owned::may_write_html(&src.text) {
            return;
        }
        for sink in owned::html_sinks(root, &src.text) {
            let part = excerpt(&src.text[sink.foreign.byte_range()]);
            let (message, help) = if sink.runs {
                (format!("`{part}` is run as code by `{}`", sink.what), RUN_HELP)
            } else {
                (
                    format!("`{part}` is written into the page as HTML by `{}`", sink.what),
                    SCRIPT_HELP,
                )
            };
            let mut finding = Finding::new(ID, file, sink.foreign.byte_range(), message).help(help);
            let at = sink.at.byte_range();
            if !at.contains(&sink.foreign.start_byte()) {
                let does = if sink.runs { "is run as code" } else { "becomes markup" };
                finding = finding.label(file, at, format!("the value {does} here (`{}`)", sink.what));
            }
            out.push(finding);
        }
    }

    fn check_project(&self, cx: &Ctx<'_>, out: &mut Vec<Finding>) {
        let rich = std::cell::OnceCell::new();
        let rich = || rich.get_or_init(|| rich_text_fields(cx));
        for (id, f) in cx.project.files.iter().enumerate() {
            match f.kind {
                FileKind::Apex if may_add_raw_error(&f.text) => check_apex(rich(), id, &f.text, out),
                FileKind::Visualforce if contains_ascii_ci(&f.text, "escape") => {
                    check_page(cx, rich(), id, &f.text, out)
                }
                FileKind::AuraMarkup if contains_ascii_ci(&f.text, "aura:unescapedhtml") => {
                    check_aura(cx, rich(), id, out)
                }
                _ => {}
            }
        }
    }
}

fn bytes_contain_ascii_ci(text: &[u8], word: &[u8]) -> bool {
    text.windows(word.len()).any(|s| s.eq_ignore_ascii_case(word))
}

/// Whether some `addError(` has a `false` before its statement ends: only such files are
/// parsed again (the per-file pass keeps no trees; see [`crate::syntax::flat`]). Bytes, not
/// text: the 2000-byte window may end inside a character.
fn may_add_raw_error(text: &str) -> bool {
    let b = text.as_bytes();
    let word = b"adderror";
    b.windows(word.len()).enumerate().any(|(i, w)| {
        w.eq_ignore_ascii_case(word) && {
            let rest = &b[i + word.len()..b.len().min(i + word.len() + 2000)];
            let end = rest.iter().position(|&c| c == b';').unwrap_or(rest.len());
            bytes_contain_ascii_ci(&rest[..end], b"false")
        }
    })
}

// ---- Apex ------------------------------------------------------------------------------------

fn check_apex(rich: &RichText, file: FileId, text: &str, out: &mut Vec<Finding>) {
    let Some(tree) = crate::syntax::apex::parse(&crate::syntax::apex::neutralize_tokens(text)) else {
        return;
    };
    let root = tree.root_node();
    let tests = crate::syntax::apex::test_ranges(root, text);
    let mut cursor = root.walk();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.kind() == "method_invocation"
            && let Some((message, raw)) = raw_error(node, text)
            && !tests.iter().any(|t| t.contains(&node.start_byte()))
            && let Some(part) = Resolver::new(node, text, rich).dynamic(message, 0)
        {
            let shown = excerpt(&text[part.byte_range()]);
            out.push(
                Finding::new(
                    ID,
                    file,
                    message.byte_range(),
                    format!(
                        "`addError` shows `{shown}` as HTML: `{}` turns its escaping off",
                        &text[raw.byte_range()]
                    ),
                )
                .help(APEX_HELP),
            );
        }
        stack.extend(node.named_children(&mut cursor));
    }
}

/// `x.addError(message, false)`: the message and the `false`.
fn raw_error<'t>(call: Node<'t>, text: &str) -> Option<(Node<'t>, Node<'t>)> {
    let name = call.child_by_field_name("name")?;
    if !text[name.byte_range()].eq_ignore_ascii_case("adderror") {
        return None;
    }
    let args = call.child_by_field_name("arguments")?;
    let mut cursor = args.walk();
    let list: Vec<Node<'t>> = args.named_children(&mut cursor).collect();
    match list.as_slice() {
        [message, flag] if flag.kind() == "boolean" && text[flag.byte_range()].eq_ignore_ascii_case("false") => {
            Some((*message, *flag))
        }
        _ => None,
    }
}

fn excerpt(s: &str) -> String {
    crate::diagnostics::finding::excerpt(s, 60)
}

// ---- Visualforce and Aura ----------------------------------------------------------------------

/// Names whose values the code or an administrator wrote: labels, resources, describe
/// results, settings, the current user's and org's own records.
const TRUSTED: &[&str] = &[
    "$label.",
    "$resource.",
    "$site.",
    "$objecttype.",
    "$setup.",
    "$organization.",
    "$user.",
    "$page.",
    "$api.",
    "$component.",
    "$action.",
    "$permission.",
    "$profile.",
    "$currentpage.name",
];

/// `$CurrentPage.parameters` has its own rule, `xss-url-param`.
const PARAMETERS: &str = "$currentpage.parameters";

fn trusted(reference: &str) -> bool {
    let lower = reference.to_ascii_lowercase();
    TRUSTED.iter().any(|t| lower.starts_with(t)) || lower.starts_with(PARAMETERS)
}

/// The first reference of a merge expression that is written as it is, not trusted and not a
/// rich text field.
fn untrusted(expr: &str, rich: &RichText) -> Option<Range<usize>> {
    untrusted_but(expr, rich, |_| false)
}

/// [`untrusted`], where `own` says which other references hold the code's own text.
fn untrusted_but(expr: &str, rich: &RichText, mut own: impl FnMut(&str) -> bool) -> Option<Range<usize>> {
    vf::references(expr).into_iter().find(|r| {
        let name = &expr[r.clone()];
        !trusted(name) && !rich.holds(name) && vf::outputs_raw(expr, r, vf::ENCODERS) && !own(name)
    })
}

/// A formula that picks among `IMAGE(...)` tags and joins no text (`&`): the markup is the
/// formula's, written in the project (a stage's traffic light).
fn image_formula(formula: &str) -> bool {
    contains_ascii_ci(formula, "image(") && !formula.contains('&')
}

fn rich_text_fields(cx: &Ctx<'_>) -> RichText {
    let mut all_rich: foldhash::HashMap<String, bool> = foldhash::HashMap::default();
    let mut note = |name: &str, el: crate::syntax::xml::ElemRef<'_>| {
        let safe = el.child_text("type").is_some_and(|t| t.trim() == "Html")
            || el.child_text("formula").is_some_and(image_formula);
        *all_rich.entry(name.to_ascii_lowercase()).or_insert(true) &= safe;
    };
    for (_, f, doc) in cx.project.xml_of(MetaType::CustomField) {
        if let Some(root) = doc.root() {
            note(root.child_text("fullName").unwrap_or(f.component_name()), root);
        }
    }
    for (_, _, doc) in cx.project.xml_of(MetaType::CustomObject) {
        let Some(root) = doc.root() else { continue };
        for el in root.children_named("fields") {
            if let Some(name) = el.child_text("fullName") {
                note(name, el);
            }
        }
    }
    RichText(
        all_rich
            .into_iter()
            .filter(|(_, rich)| *rich)
            .map(|(name, _)| name)
            .collect(),
    )
}

/// The first `<apex:pageMessages escape="false">` of `page` (every such tag shows the same
/// messages), when a message its controllers add holds text the code did not write.
fn check_page_messages(page: &Page<'_>, file: FileId, out: &mut Vec<Finding>) {
    let raw = vf::start_tags(page.text, "apex:pagemessages")
        .into_iter()
        .find_map(|tag| vf::tag_attribute(tag, "escape").filter(|v| v.trim().eq_ignore_ascii_case("false")));
    let Some(flag) = raw else { return };
    let foreign = page.foreign_messages();
    let Some((in_file, part)) = foreign.first() else { return };
    let at = flag.as_ptr() as usize - page.text.as_ptr() as usize;
    let class = &page.cx.project.files[*in_file];
    let more = match foreign.len() - 1 {
        0 => String::new(),
        1 => " (and 1 other message)".to_string(),
        n => format!(" (and {n} other messages)"),
    };
    out.push(
        Finding::new(
            ID,
            file,
            at..at + flag.len(),
            format!(
                "`<apex:pageMessages escape=\"false\">` shows `{}`, added by `{}`, as HTML{more}",
                excerpt(&class.text[part.clone()]),
                class.component_name()
            ),
        )
        .label(*in_file, part.clone(), "the message takes this text")
        .help(MESSAGES_HELP),
    );
}

fn check_page(cx: &Ctx<'_>, rich: &RichText, file: FileId, text: &str, out: &mut Vec<Finding>) {
    let regions = vf::Regions::of(text);
    let fields = vf::merge_fields(text);
    let page = Page {
        cx,
        rich,
        rel: &cx.project.files[file].rel,
        text,
        inputs: inputs(text, &regions, &fields),
        controllers: std::cell::OnceCell::new(),
    };
    check_page_messages(&page, file, out);
    // One finding per attribute: its first untrusted merge field.
    let mut reported = None;
    for expr in fields {
        let Place::Attribute {
            tag,
            attr,
            tag_range,
            value_start,
        } = regions.place(text, expr.start - 2)
        else {
            continue;
        };
        if reported == Some(value_start) {
            continue;
        }
        if !matches!(attr.as_str(), "value" | "summary" | "detail")
            || !vf::tag_attribute(&text[tag_range], "escape").is_some_and(|v| v.trim().eq_ignore_ascii_case("false"))
        {
            continue;
        }
        let e = &text[expr.clone()];
        let shown = vf::references(e).into_iter().find(|r| {
            let name = &e[r.clone()];
            !trusted(name) && !rich.holds(name) && vf::outputs_raw(e, r, vf::ENCODERS) && !page.code_value(name)
        });
        if let Some(r) = shown {
            reported = Some(value_start);
            out.push(
                Finding::new(
                    ID,
                    file,
                    expr.start + r.start..expr.start + r.end,
                    format!(
                        "`{}` is shown as HTML: `escape=\"false\"` on `<{tag}>` turns its encoding off",
                        &e[r]
                    ),
                )
                .help(MARKUP_HELP),
            );
        }
    }
}

/// Whether markup (an attribute value) writes only the code's text: literals and merge fields
/// with no untrusted reference.
fn markup_is_code(value: &str, rich: &RichText) -> bool {
    vf::merge_fields(value)
        .into_iter()
        .all(|r| untrusted(&value[r], rich).is_none())
}

/// A page or component with escape="false", and where its names get their values.
struct Page<'a> {
    cx: &'a Ctx<'a>,
    rich: &'a RichText,
    rel: &'a str,
    text: &'a str,
    /// The names the page's inputs set (see [`inputs`]).
    inputs: Vec<String>,
    /// The controller and extension class files, parsed once per page: `None` for one
    /// that does not parse.
    controllers: std::cell::OnceCell<Vec<(FileId, &'a str, ClassTree)>>,
}

impl Page<'_> {
    /// Whether reference `name` holds only the code's text.
    fn code_value(&self, name: &str) -> bool {
        if vf::is_property_name(name) {
            return self.literal_variable(name) || self.code_property(name) || self.literal_attribute(name);
        }
        // `o.count`: a member the controllers declare as a number, a Boolean, an Id or a date.
        let last = name.rsplit('.').next().unwrap_or(name).trim();
        vf::is_property_name(last)
            && self.in_controllers(|text, root| {
                let resolver = Resolver {
                    text,
                    scope: Some(root),
                    rich: self.rich,
                };
                resolver.markup_free_type(root, last).then_some(true)
            })
    }

    /// `<apex:variable var="name" value="&nbsp;"/>`: every definition of the variable on the
    /// page is the code's.
    fn literal_variable(&self, name: &str) -> bool {
        let defs: Vec<&str> = vf::start_tags(self.text, "apex:variable")
            .into_iter()
            .filter(|t| vf::tag_attribute(t, "var").is_some_and(|v| v.trim().eq_ignore_ascii_case(name)))
            .collect();
        !defs.is_empty()
            && defs
                .iter()
                .all(|t| vf::tag_attribute(t, "value").is_some_and(|v| markup_is_code(v, self.rich)))
    }

    /// A component's `<apex:attribute name="name">` that every use of the component in the
    /// project (`<c:Name name="...">`) fills with the code's text, or leaves out.
    fn literal_attribute(&self, name: &str) -> bool {
        let path = std::path::Path::new(self.rel);
        let Some(component) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".component"))
        else {
            return false;
        };
        let declared = vf::start_tags(self.text, "apex:attribute")
            .into_iter()
            .any(|t| vf::tag_attribute(t, "name").is_some_and(|v| v.trim().eq_ignore_ascii_case(name)));
        if !declared {
            return false;
        }
        let tag = format!("c:{}", component.to_ascii_lowercase());
        let attr = name.to_ascii_lowercase();
        let mut uses = self
            .cx
            .project
            .files
            .iter()
            .filter(|f| f.kind == FileKind::Visualforce)
            .flat_map(|f| vf::start_tags(&f.text, &tag))
            .peekable();
        uses.peek().is_some() && uses.all(|t| vf::tag_attribute(t, &attr).is_none_or(|v| markup_is_code(v, self.rich)))
    }

    /// Whether the controllers give property `name` only the code's own text (literals,
    /// labels, Ids, numbers), and the page does not set it from an input.
    fn code_property(&self, name: &str) -> bool {
        if self.inputs.iter().any(|i| i.eq_ignore_ascii_case(name)) {
            return false;
        }
        self.in_controllers(|text, root| {
            let resolver = Resolver {
                text,
                scope: Some(root),
                rich: self.rich,
            };
            if resolver.markup_free_type(root, name) {
                return Some(true);
            }
            match resolver.values_in(root, name) {
                Err(()) => Some(false),
                Ok(values) if values.is_empty() => None,
                Ok(values) => Some(
                    values
                        .into_iter()
                        .all(|v| Resolver::new(v, text, self.rich).dynamic(v, HOP).is_none()),
                ),
            }
        })
    }

    /// The first answer `judge` gives on the page's controller and extension classes, in
    /// order; `false` when none answers or a class does not parse.
    fn in_controllers(&self, mut judge: impl FnMut(&str, Node<'_>) -> Option<bool>) -> bool {
        for (_, text, tree) in self.controllers() {
            let Some(tree) = tree.as_ref() else { return false };
            if let Some(answer) = judge(text, tree.root_node()) {
                return answer;
            }
        }
        false
    }
}

impl<'a> Page<'a> {
    /// The page's controller and extension class files, with their trees.
    fn controllers(&self) -> &[(FileId, &'a str, ClassTree)] {
        self.controllers.get_or_init(|| {
            PageClasses::of(self.cx)
                .of_page(self.cx, self.text)
                .into_iter()
                .map(|(id, tree)| (id, self.cx.project.files[id].text.as_str(), tree))
                .collect()
        })
    }

    /// The messages the controllers add (`ApexPages.addMessage(new ApexPages.Message(...))`,
    /// `ApexPages.addMessages(e)`) with a part the code did not write: that part's file and
    /// range, in order. A message built elsewhere (a method's result) is not judged.
    fn foreign_messages(&self) -> Vec<(FileId, Range<usize>)> {
        let mut out = Vec::new();
        for (id, text, tree) in self.controllers() {
            let Some(tree) = tree.as_ref() else { continue };
            let root = tree.root_node();
            let tests = crate::syntax::apex::test_ranges(root, text);
            let mut cursor = root.walk();
            let mut stack = vec![root];
            while let Some(node) = stack.pop() {
                stack.extend(node.named_children(&mut cursor));
                if node.kind() != "method_invocation" || tests.iter().any(|t| t.contains(&node.start_byte())) {
                    continue;
                }
                let name = |n: Option<Node<'_>>| n.map_or("", |n| &text[n.byte_range()]);
                if !name(node.child_by_field_name("object")).eq_ignore_ascii_case("apexpages") {
                    continue;
                }
                let Some(args) = node.child_by_field_name("arguments") else {
                    continue;
                };
                let Some(arg) = args.named_child(0) else { continue };
                let method = name(node.child_by_field_name("name")).to_ascii_lowercase();
                let resolver = Resolver::new(node, text, self.rich);
                let parts: Vec<Node<'_>> = match method.as_str() {
                    // An exception's message: a DML error quotes the record's values.
                    "addmessages" => vec![arg],
                    "addmessage" => messages_built(&resolver, arg, text)
                        .into_iter()
                        .flat_map(|m| message_texts(m))
                        .filter_map(|t| resolver.dynamic(t, 0))
                        .collect(),
                    _ => Vec::new(),
                };
                out.extend(parts.into_iter().map(|p| (*id, p.byte_range())));
            }
        }
        out.sort_by_key(|(id, r)| (*id, r.start));
        out.dedup();
        out
    }
}

/// The `new ApexPages.Message(...)` expressions `arg` is: itself, or every value of the
/// local it names; none when one is something else.
fn messages_built<'t>(resolver: &Resolver<'t>, arg: Node<'t>, text: &str) -> Vec<Node<'t>> {
    let is_message = |n: Node<'_>| {
        n.kind() == "object_creation_expression"
            && n.child_by_field_name("type").is_some_and(|t| {
                text[t.byte_range()]
                    .replace(' ', "")
                    .eq_ignore_ascii_case("apexpages.message")
            })
    };
    if is_message(arg) {
        return vec![arg];
    }
    if arg.kind() != "identifier" {
        return Vec::new();
    }
    let Some(scope) = resolver.scope else { return Vec::new() };
    match resolver.values_in(scope, &text[arg.byte_range()]) {
        Ok(values) if !values.is_empty() && values.iter().all(|v| is_message(*v)) => values,
        _ => Vec::new(),
    }
}

/// A message's summary and detail: its arguments after the severity (a fourth names a
/// component).
fn message_texts(message: Node<'_>) -> Vec<Node<'_>> {
    let Some(args) = message.child_by_field_name("arguments") else {
        return Vec::new();
    };
    let mut cursor = args.walk();
    args.named_children(&mut cursor).skip(1).take(2).collect()
}

/// The names the page's inputs set (`<apex:inputText value="{!name}">`, a select list).
fn inputs(page: &str, regions: &vf::Regions, fields: &[Range<usize>]) -> Vec<String> {
    fields
        .iter()
        .filter(|expr| {
            matches!(regions.place(page, expr.start - 2),
                Place::Attribute { tag, attr, .. } if attr == "value" && (tag.starts_with("apex:input") || tag.starts_with("apex:select")))
        })
        .map(|expr| page[expr.clone()].trim().to_string())
        .collect()
}

fn check_aura(cx: &Ctx<'_>, rich: &RichText, file: FileId, out: &mut Vec<Finding>) {
    let src = &cx.project.files[file];
    let text = src.text.as_str();
    let mut bundle = AuraBundle::new(cx, &src.rel, text);
    let regions = vf::Regions::of(text);
    for expr in aura_expressions(text) {
        let Place::Attribute { tag, attr, .. } = regions.place(text, expr.start - 2) else {
            continue;
        };
        if tag != "aura:unescapedhtml" || attr != "value" {
            continue;
        }
        let e = &text[expr.clone()];
        if let Some(r) = untrusted_but(e, rich, |name| bundle.owns(name)) {
            out.push(
                Finding::new(
                    ID,
                    file,
                    expr.start + r.start..expr.start + r.end,
                    format!("`{}` is shown as HTML by `<aura:unescapedHtml>`", &e[r]),
                )
                .help(MARKUP_HELP),
            );
        }
    }
}

/// Aura's bound `{!...}` and unbound `{#...}` expressions.
fn aura_expressions(text: &str) -> Vec<Range<usize>> {
    let mut all = vf::merge_fields(text);
    // `{#v.x}` read as `{!v.x}`: the same length, so the ranges hold.
    if text.contains("{#") {
        all.extend(
            vf::merge_fields(&text.replace("{#", "{!"))
                .into_iter()
                .filter(|r| text[..r.start].ends_with("{#")),
        );
    }
    all.sort_by_key(|r| r.start);
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lints::test_support::{Hit, run};

    fn apex(body: &str) -> Vec<Hit> {
        run(
            ID,
            &[(
                "force-app/main/default/classes/OrderGuard.cls",
                &format!(
                    "public with sharing class OrderGuard {{\n    static final String BASE = '/lightning/r/';\n{body}\n}}\n"
                ),
            )],
        )
    }

    #[test]
    fn apex_reported() {
        let cases = [
            "void f(Order o, String why) { o.addError(why, false); }",
            "void f(Order o) { o.addError('Blocked by ' + o.Account.Name, false); }",
            "void f(Order o) { String m = 'Order ' + o.Name; o.addError(m, false); }",
            "void f(Order o, Exception e) { o.addError(e.getMessage(), FALSE); }",
            "void f(Order o) { String m; m = describe(o); o.addError('<b>' + m + '</b>', false); }",
            "void f(Order o) { o.addError(o.Id == null ? 'none' : o.Description, false); }",
            "void f(Order o) { o.addError('<a href=\"/' + o.Ship_To__c + '\">', false); }",
        ];
        for case in cases {
            let found = apex(case);
            assert_eq!(found.len(), 1, "{case}: {found:?}");
        }
    }

    #[test]
    fn apex_look_alikes() {
        let cases = [
            "void f(Order o, String why) { o.addError(why); }",
            "void f(Order o, String why) { o.addError(why, true); }",
            "void f(Order o) { o.addError('<a href=\"/' + o.Id + '\">see</a>', false); }",
            "void f(Order o) { o.addError(Label.Order_Locked + ' ' + System.Label.Call_Us, false); }",
            "void f(Order o) { String m = '<b>Locked</b>'; o.addError(m, false); }",
            "void f(Order o) { o.addError(BASE + o.Id, false); }",
            // `Ship_To__c` is a lookup: the file follows `Ship_To__r`.
            "void f(Order o) { o.addError('<a href=\"/' + o.Ship_To__c + '\">' + o.Ship_To__r.Id + '</a>', false); }",
            "void f(Order o) { o.addError('<i>' + o.Name.escapeHtml4() + '</i>', false); }",
            "void f(Order o) { o.addError(String.escapeHtml4(o.Name), false); }",
            "void f(Order o) { o.addError(Order.Status.getDescribe().getLabel() + ' is locked', false); }",
            // `addError(field, message, escape)` names the field first.
            "void f(Order o, String why) { o.addError('Status', why); }",
            // A class's constant, a literal's method, the class's own numeric method.
            "void f(Order o) { o.addError(Messages.ORDER_LOCKED + '<br/>', false); }",
            "void f(Order o, Integer n) { o.addError('<b>Wait</b>' + '.'.repeat(n++), false); }",
            "Integer openCount() { return 3; }\nvoid f(Order o) { o.addError('<b>' + openCount() + '</b> open', false); }",
        ];
        for case in cases {
            assert!(apex(case).is_empty(), "{case}: {:?}", apex(case));
        }
    }

    #[test]
    fn an_unended_call_before_wide_characters_is_not_a_panic() {
        // The prefilter's window ends inside `é` (two bytes) when nothing closes the call.
        let text = format!("public class A {{ void f() {{ addError({}é", "x".repeat(1998));
        assert!(!may_add_raw_error(&text));
        assert!(may_add_raw_error("o.addError(msg, FALSE);"));
        assert!(!may_add_raw_error("o.addError(msg); Boolean b = false;"));
    }

    #[test]
    fn apex_tests_are_not_judged() {
        let found = run(
            ID,
            &[(
                "force-app/main/default/classes/OrderGuardTest.cls",
                "@IsTest private class OrderGuardTest { @IsTest static void t() { Order o; o.addError(o.Name, false); } }",
            )],
        );
        assert!(found.is_empty());
    }

    fn page(body: &str) -> Vec<Hit> {
        run(
            ID,
            &[(
                "force-app/main/default/pages/P.page",
                &format!("<apex:page controller=\"C\">\n{body}\n</apex:page>"),
            )],
        )
    }

    #[test]
    fn markup() {
        let bad = [
            "<apex:outputText escape=\"false\" value=\"{!acct.Description}\"/>",
            "<apex:outputText value=\"{!body}\" escape='False'/>",
            "<apex:pageMessage severity=\"info\" escape=\"false\" summary=\"{!IF(ok, '', note)}\"/>",
            "<apex:outputText escape=\"false\" value=\"{!labels[f]}: \"/>",
            // One finding for the attribute, not one per field.
            "<apex:outputText escape=\"false\" value=\"{!c.City__c} {!c.State__c}\"/>",
        ];
        for case in bad {
            assert_eq!(page(case).len(), 1, "{case}: {:?}", page(case));
        }
        let good = [
            "<apex:outputText value=\"{!acct.Description}\"/>",
            "<apex:outputText escape=\"false\" value=\"{!$Label.Intro}\"/>",
            "<apex:outputText escape=\"false\" value=\"<b>Note</b>\"/>",
            "<apex:outputText escape=\"false\" value=\"{!HTMLENCODE(acct.Description)}\"/>",
            "<apex:outputText escape=\"false\" value=\"{!IF(ok, $Label.Yes, $Label.No)}\"/>",
            "<apex:outputText escape=\"false\" value=\"{!$ObjectType.Account.fields.Name.inlineHelpText}\"/>",
            // The parameter is `xss-url-param`'s.
            "<apex:outputText escape=\"false\" value=\"{!$CurrentPage.parameters.m}\"/>",
            "<apex:outputText escape=\"false\" title=\"{!acct.Name}\" value=\"Hi\"/>",
        ];
        for case in good {
            assert!(page(case).is_empty(), "{case}: {:?}", page(case));
        }
    }

    #[test]
    fn rich_text_fields_are_filtered_by_the_platform() {
        use crate::lints::test_support::setting_field;
        let (notes, notes_xml) = setting_field("Notes__c", "Html");
        let (summary, summary_xml) = setting_field("Summary__c", "LongTextArea");
        let scan = |body: &str| {
            run(
                ID,
                &[
                    (
                        "force-app/main/default/pages/P.page",
                        &format!("<apex:page>\n{body}\n</apex:page>"),
                    ),
                    (notes, &notes_xml),
                    (summary, &summary_xml),
                ],
            )
        };
        assert!(scan("<apex:outputText escape=\"false\" value=\"{!rec.Notes__c}\"/>").is_empty());
        // A long text area is not filtered; nor is a field the project does not define.
        for field in ["Summary__c", "Other__c"] {
            let body = format!("<apex:outputText escape=\"false\" value=\"{{!rec.{field}}}\"/>");
            assert_eq!(scan(&body).len(), 1, "{field}");
        }
        let (stage, stage_xml) = setting_field("Stage_Light__c", "Text");
        let image = stage_xml.replace(
            "<type>",
            "<formula>CASE(StageName, &quot;Won&quot;, IMAGE(&quot;/resource/green&quot;, &quot;won&quot;), IMAGE(&quot;/resource/grey&quot;, &quot;open&quot;))</formula>\n    <type>",
        );
        let (label, label_xml) = setting_field("Stage_Label__c", "Text");
        let joined = label_xml.replace(
            "<type>",
            "<formula>IMAGE(&quot;/img/&quot; &amp; Name, Name)</formula>\n    <type>",
        );
        let formulas = |field: &str| {
            let page =
                format!("<apex:page>\n<apex:outputText escape=\"false\" value=\"{{!rec.{field}}}\"/>\n</apex:page>");
            run(
                ID,
                &[
                    ("force-app/main/default/pages/P.page", &page),
                    (stage, &image),
                    (label, &joined),
                ],
            )
            .len()
        };
        assert_eq!(formulas("Stage_Light__c"), 0);
        assert_eq!(formulas("Stage_Label__c"), 1, "a formula that joins a record's text");
        // The rich text field is skipped, the next reference is not.
        let hits = scan("<apex:outputText escape=\"false\" value=\"{!rec.Notes__c & rec.Summary__c}\"/>");
        assert_eq!(hits.len(), 1);
        assert!(hits[0].message.contains("rec.Summary__c"), "{:?}", hits[0].message);
    }

    #[test]
    fn page_variables_and_component_attributes() {
        // An apex:variable the page sets to literal markup.
        let var = "<apex:variable var=\"gap\" value=\"&nbsp;\"/>";
        assert!(
            page(&format!(
                "{var}<apex:outputText escape=\"false\" value=\"{{!IF(x, gap, '')}}\"/>"
            ))
            .is_empty()
        );
        let var = "<apex:variable var=\"gap\" value=\"{!c.Note__c}\"/>";
        assert_eq!(
            page(&format!("{var}<apex:outputText escape=\"false\" value=\"{{!gap}}\"/>")).len(),
            1
        );
        // A component's attribute: judged by what the project's pages pass it.
        let component = "<apex:component>\n<apex:attribute name=\"tip\" type=\"String\" description=\"d\"/>\n\
                         <apex:outputText escape=\"false\" value=\"{!tip}\"/>\n</apex:component>";
        let scan = |uses: &str| {
            run(
                ID,
                &[
                    ("force-app/main/default/components/Hover.component", component),
                    (
                        "force-app/main/default/pages/P.page",
                        &format!("<apex:page controller=\"C\">\n{uses}\n</apex:page>"),
                    ),
                ],
            )
            .len()
        };
        assert_eq!(
            scan("<c:Hover tip=\"Enter as <b>DD/MM</b>\"/> <c:hover tip='{!$Label.Tip}'/>"),
            0
        );
        assert_eq!(scan("<c:Hover tip=\"Fine\"/> <c:Hover tip=\"{!c.Description}\"/>"), 1);
        assert_eq!(scan("<p>no uses</p>"), 1, "nothing shows what callers pass");
    }

    /// Findings on a page `body` whose controller `Ctl` has the members `class`.
    #[test]
    fn page_messages_shown_unescaped() {
        let files = |page: &str, class: &str| {
            run(
                ID,
                &[
                    ("force-app/main/default/pages/P.page", page),
                    ("force-app/main/default/classes/Ctl.cls", class),
                ],
            )
        };
        let page = "<apex:page controller=\"Ctl\">\n<apex:pageMessages escape=\"false\"/>\n<apex:pageMessages escape=\"false\"/>\n</apex:page>";
        let class = "public with sharing class Ctl {\n\
                     public Account a;\n\
                     public void ok() { ApexPages.addMessage(new ApexPages.Message(ApexPages.Severity.INFO, '<b>' + Label.Done + '</b>')); }\n\
                     public void done() {\n\
                     ApexPages.Message m = new ApexPages.Message(ApexPages.Severity.CONFIRM, 'Saved', '<i>' + a.Name + '</i>');\n\
                     ApexPages.addMessage(m);\n\
                     }\n\
                     public void failed(DmlException e) { ApexPages.addMessages(e); }\n\
                     }";
        let hits = files(page, class);
        assert_eq!(hits.len(), 1, "one finding per page: {hits:?}");
        assert_eq!(
            (hits[0].path.as_str(), hits[0].line),
            ("force-app/main/default/pages/P.page", 2)
        );
        assert_eq!(hits[0].text, "false");
        assert_eq!(
            hits[0].message,
            "`<apex:pageMessages escape=\"false\">` shows `a.Name`, added by `Ctl`, as HTML (and 1 other message)"
        );
        assert_eq!(
            hits[0].labels,
            vec![("the message takes this text".to_string(), "a.Name".to_string())]
        );
        // Encoded messages; messages of the code's own text; a message built elsewhere.
        assert!(files(&page.replace("escape=\"false\"", ""), class).is_empty());
        let own = "public with sharing class Ctl {\n\
                   public void ok() { ApexPages.addMessage(new ApexPages.Message(ApexPages.Severity.INFO, '<b>' + Label.Done + '</b>')); }\n\
                   public void other() { ApexPages.addMessage(Notices.saved()); }\n\
                   }";
        assert!(files(page, own).is_empty());
        // A test class's messages are not the page's.
        let tested = "@IsTest public class Ctl {\n@IsTest static void t() { Account a = new Account(); ApexPages.addMessage(new ApexPages.Message(ApexPages.Severity.INFO, a.Name)); }\n}";
        assert!(files(page, tested).is_empty());
    }

    fn with_controller(body: &str, class: &str) -> usize {
        run(
            ID,
            &[
                (
                    "force-app/main/default/pages/P.page",
                    &format!("<apex:page controller=\"Ctl\">\n{body}\n</apex:page>"),
                ),
                (
                    "force-app/main/default/classes/Ctl.cls",
                    &format!("public with sharing class Ctl {{\n{class}\n}}"),
                ),
            ],
        )
        .len()
    }

    #[test]
    fn members_and_fields_the_code_declares() {
        let check = with_controller;
        let row = "public class Row { public Integer open { get; set; } public String name { get; set; } }";
        assert_eq!(
            check("<apex:outputText escape=\"false\" value=\"{!r.open}<br/>\"/>", row),
            0
        );
        assert_eq!(
            check("<apex:outputText escape=\"false\" value=\"{!r.open} {!r.name}\"/>", row),
            1
        );
        // A number does not hide the text next to it in the same merge field.
        assert_eq!(
            check("<apex:outputText escape=\"false\" value=\"{!r.open & r.name}\"/>", row),
            1
        );
    }

    #[test]
    fn controller_properties() {
        let check = with_controller;
        let shown = "<apex:outputText escape=\"false\" value=\"{!status}\"/>";
        // Only the code's text: literals, labels, a constant.
        let own = "static final String DONE = '<b>Done</b>';\npublic String status { get; set; }\n\
                   public void ok() { status = DONE; }\npublic void ko() { this.status = Label.Failed + '<br/>'; }";
        assert_eq!(check(shown, own), 0);
        // A getter that returns the code's text and numbers; a number.
        for class in [
            "static final Integer LIMIT_ROWS = 50;\npublic String getStatus() { String s = 'Only ' + LIMIT_ROWS + ' rows<br/>'; return s; }",
            "public String getStatus() { Integer n = rows.size(); return '<b>' + n + '</b> of ' + total + ' for ' + q.escapeHtml4(); }\nInteger total;",
            "public String getStatus() { String s = ''; if (q != null) { s = ' for <b>' + q.escapeHtml4() + '</b>'; }\n\
             String o = ''; o += 'None' + s + '. Try again.'; return o; }",
            "public Decimal status { get; set; }\npublic void load(Case c) { status = c.Amount__c; }",
        ] {
            assert_eq!(check(shown, class), 0, "{class}");
        }
        // A record's field, a getter, a computed property, a parameter, an input of the page.
        for class in [
            "public String status { get; set; }\npublic void load(Case c) { status = c.Subject; }",
            "public String getStatus() { return '<b>' + ApexPages.currentPage().getUrl(); }",
            "public String status { get { return c.Subject; } }",
            "public String status { get; set; }\npublic void set(String status) { this.status = status; }",
            "public String other { get; set; }",
        ] {
            assert_eq!(check(shown, class), 1, "{class}");
        }
        let input = "<apex:inputText value=\"{!status}\"/>";
        assert_eq!(check(&format!("{input}{shown}"), own), 1);
    }

    #[test]
    fn aura_attributes_only_the_bundle_sets_with_its_own_text() {
        const CMP: &str = "force-app/main/default/aura/Banner/Banner.cmp";
        let markup = "<aura:component>\n<aura:attribute name=\"content\" type=\"Map\"/>\n<aura:handler name=\"init\" value=\"{!this}\" action=\"{!c.init}\"/>\n<aura:unescapedHtml value=\"{!v.content.body}\"/>\n</aura:component>";
        let controller =
            "({ init: function (cmp, event, helper) { cmp.set('v.content', helper.content(cmp.get('v.kind'))); } })";
        let helper = "({ content: function (kind) {\n  var c = { body: '<b>.gov</b> sites' };\n  if (kind === 'mil') { c.body = '<b>.mil</b> sites'; }\n  return c;\n} })";
        let bundle = |controller: &str, others: &[(&'static str, &'static str)]| {
            let mut files = vec![
                (CMP, markup),
                ("force-app/main/default/aura/Banner/BannerController.js", controller),
                ("force-app/main/default/aura/Banner/BannerHelper.js", helper),
            ];
            files.extend_from_slice(others);
            run(ID, &files)
        };
        assert!(bundle(controller, &[]).is_empty());
        // The record's text, set by the same controller.
        let foreign = "({ init: function (cmp) { cmp.set('v.content', { body: cmp.get('v.record').Description }); } })";
        assert_eq!(bundle(foreign, &[]).len(), 1);
        // A page that uses the component sets it too; App Builder may, through the design file.
        let user = (
            "force-app/main/default/aura/Home/Home.cmp",
            "<aura:component><c:Banner content=\"{!v.news}\"/></aura:component>",
        );
        assert_eq!(bundle(controller, &[user]).len(), 1);
        let design = (
            "force-app/main/default/aura/Banner/Banner.design",
            "<design:component><design:attribute name=\"content\"/></design:component>",
        );
        assert_eq!(bundle(controller, &[design]).len(), 1);
    }

    #[test]
    fn aura() {
        let cmp = |body: &str| {
            run(
                ID,
                &[(
                    "force-app/main/default/aura/News/News.cmp",
                    &format!("<aura:component>\n{body}\n</aura:component>"),
                )],
            )
        };
        assert_eq!(cmp("<aura:unescapedHtml value=\"{!v.item.Body}\"/>").len(), 1);
        assert_eq!(cmp("<aura:unescapedHtml value=\"{#v.item.Body}\"/>").len(), 1);
        assert!(cmp("<aura:unescapedHtml value=\"Syncing in progress\"/>").is_empty());
        assert!(cmp("<aura:unescapedHtml value=\"{!$Label.c.Intro}\"/>").is_empty());
        assert!(cmp("<ui:outputText value=\"{!v.item.Body}\"/>").is_empty());
    }

    #[test]
    fn component_scripts() {
        let js = "import { LightningElement, api } from 'lwc';\n\
                  export default class Card extends LightningElement {\n\
                  @api body;\n\
                  renderedCallback() {\n\
                  let html = '<div>';\n\
                  html += this.body;\n\
                  this.template.querySelector('div').innerHTML = html;\n\
                  this.template.querySelector('p').innerHTML = '<b>Ready</b>';\n\
                  }\n\
                  }\n";
        let at = |path: &str| run(ID, &[(path, js)]);
        let hits = at("force-app/main/default/lwc/card/card.js");
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!((hits[0].line, hits[0].text.as_str()), (6, "this.body"));
        assert_eq!(
            hits[0].message,
            "`this.body` is written into the page as HTML by `innerHTML`"
        );
        assert_eq!(
            hits[0].labels,
            vec![(
                "the value becomes markup here (`innerHTML`)".to_string(),
                "this.template.querySelector('div').innerHTML = html".to_string()
            )]
        );
        assert_eq!(at("force-app/main/default/aura/Card/CardHelper.js").len(), 1);
        // A component's Jest test writes markup on purpose; a static resource is not a component.
        assert!(at("force-app/main/default/lwc/card/__tests__/card.test.js").is_empty());
        assert!(at("force-app/main/default/staticresources/card.js").is_empty());
        let eval = run(
            ID,
            &[(
                "force-app/main/default/lwc/rule/rule.js",
                "export function check(expr) { return eval(expr); }\n",
            )],
        );
        assert_eq!(eval.len(), 1);
        assert_eq!(eval[0].message, "`expr` is run as code by `eval`");
        assert!(eval[0].labels.is_empty(), "the part is in the sink");
    }
}
