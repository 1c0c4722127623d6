//! Credentials written into code: string literals in Apex, JavaScript (Aura, LWC, static
//! resources) and Visualforce that match a known token format, or that look generated and are
//! stored in, compared with or passed as a credential.

use crate::syntax::tree::NodeExt;
use std::ops::Range;
use std::sync::LazyLock;

use rayon::prelude::*;
use regex::Regex;
use tree_sitter::Node;

use crate::diagnostics::finding::{FileId, Finding, Severity};
use crate::lints::{Ctx, Lint};
use crate::semantic::secrets::{self, detect};
use crate::syntax::js_lex::{Kind, Token};
use crate::workspace::kind::FileKind;
use crate::workspace::project::SourceFile;

declare_lint!(HardcodedSecret = "hardcoded-secret");

/// `password=...` and friends inside a literal (a request body, a query string).
static PARAM: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(client_secret|password|passwd|api_key|apikey|access_token|refresh_token)=([^&\s'\x22{}+]{6,})")
        .ok()
});

impl Lint for HardcodedSecret {
    fn apex_kinds(&self) -> &'static [&'static str] {
        &["string_literal"]
    }

    fn check_apex(&self, node: Node<'_>, file: FileId, src: &SourceFile, out: &mut Vec<Finding>) {
        let Some((content, at)) = crate::syntax::apex::string_content(node, &src.text) else {
            return;
        };
        // Context and test-ness walk the tree: only asked for when a literal could be a secret.
        literal(
            file,
            content,
            at,
            Context {
                why: || apex_context(node, &src.text),
                password_target: || apex_password_target(node, &src.text),
                in_test: || src.in_apex_test(node),
            },
            out,
        );
    }

    fn check_js(&self, file: FileId, src: &SourceFile, root: Node<'_>, out: &mut Vec<Finding>) {
        if !src.rel.contains("/__tests__/") {
            js(file, src, root, out);
        }
    }

    fn check_js_tokens(&self, file: FileId, src: &SourceFile, tokens: &[Token], out: &mut Vec<Finding>) {
        js_lexed(file, &src.text, tokens, out);
    }

    fn literal_may_matter(&self, content: &str) -> bool {
        shape(content).is_some()
    }

    fn check_project(&self, cx: &Ctx<'_>, out: &mut Vec<Finding>) {
        let found: Vec<Finding> = cx
            .project
            .files
            .par_iter()
            .enumerate()
            .with_max_len(crate::workspace::project::PIECE)
            .flat_map_iter(|(id, f)| {
                let mut v = Vec::new();
                match f.kind {
                    FileKind::Visualforce => markup(id, &f.text, "a page", &mut v),
                    // Expressions in Aura markup build URLs with keys in them (a Maps key in an
                    // `img src`, seen in a public Salesforce Labs app).
                    FileKind::AuraMarkup => markup(id, &f.text, "an Aura component", &mut v),
                    FileKind::StaticText => markup(id, &f.text, "a static resource", &mut v),
                    _ => {}
                }
                v
            })
            .collect();
        out.extend(found);
    }
}

/// The findings for one string literal whose content starts at byte `at` of the file.
/// What a literal's surroundings say, asked for lazily: each walks the tree.
/// What a literal's content alone says about it.
struct Shape {
    hits: Vec<detect::Hit>,
    password: bool,
}

/// `None` when a literal with this content is reported nowhere: no known format, credential
/// parameter, password-like or random-looking value.
fn shape(content: &str) -> Option<Shape> {
    let hits = detect::known(content);
    let param = PARAM.as_ref().is_some_and(|re| re.is_match(content));
    let password = password_like(content);
    (!hits.is_empty() || param || password || detect::random_looking(content)).then_some(Shape { hits, password })
}

struct Context<W, P, T> {
    /// Why its place makes a random-looking literal a secret (a credential name, header...).
    why: W,
    /// The name a password-looking literal is assigned to, when that name is a password's.
    password_target: P,
    in_test: T,
}

fn literal<W, P, T>(file: FileId, content: &str, at: usize, cx: Context<W, P, T>, out: &mut Vec<Finding>)
where
    W: FnOnce() -> Option<String>,
    P: FnOnce() -> Option<String>,
    T: FnOnce() -> bool,
{
    let Context {
        why: context,
        password_target,
        in_test,
    } = cx;
    let Some(Shape { hits, password }) = shape(content) else {
        return;
    };
    let in_test = in_test();
    let mut reported = false;
    for hit in hits {
        let value = &content[hit.span.clone()];
        out.push(known_finding(
            file,
            at + hit.span.start,
            value,
            hit.detector,
            "code",
            in_test,
        ));
        reported = true;
    }
    // Test code only counts known formats: fixtures are full of random-looking strings.
    if reported || in_test {
        return;
    }
    // A finding on the whole literal, which is the secret.
    let whole = |message: String| {
        let span = at..at + content.len();
        Finding::new(ID, file, span.clone(), message)
            .secret(span)
            .help(help(false))
    };
    if let Some(why) = detect::random_looking(content).then(context).flatten() {
        out.push(whole(format!(
            "a generated-looking secret is {why}: {}",
            secrets::mask(content)
        )));
        return;
    }
    // A word-like password (`fred1234`) is too common a shape to find by entropy; assigned to
    // a password field it is one (seen in public sample code: `pkg.password = '...'`).
    if let Some(target) = password.then(password_target).flatten() {
        out.push(whole(format!(
            "a password is stored in `{target}`: {}",
            secrets::mask(content)
        )));
        return;
    }
    if let Some(re) = PARAM.as_ref() {
        for c in re.captures_iter(content) {
            let (Some(name), Some(value)) = (c.get(1), c.get(2)) else {
                continue;
            };
            let v = value.as_str();
            if ["xxx", "your", "changeme", "placeholder"]
                .iter()
                .any(|p| v.to_ascii_lowercase().contains(p))
            {
                continue;
            }
            let span = at + value.start()..at + value.end();
            out.push(
                Finding::new(
                    ID,
                    file,
                    span.clone(),
                    format!(
                        "a literal `{}` is written into a request: {}",
                        name.as_str(),
                        secrets::mask(v)
                    ),
                )
                .secret(span)
                .help(help(false)),
            );
        }
    }
}

/// A known-format credential at byte `at`: a warning in test code or for an identifier.
fn known_finding(
    file: FileId,
    at: usize,
    value: &str,
    detector: &detect::Detector,
    place: &str,
    in_test: bool,
) -> Finding {
    let span = at..at + value.len();
    let severity = if in_test || detector.identifier {
        Severity::Warning
    } else {
        Severity::Error
    };
    Finding::new(
        ID,
        file,
        span.clone(),
        format!("{place} holds {}: {}", detector.name, secrets::mask(value)),
    )
    .severity(severity)
    .secret(span)
    .help(help(detector.identifier))
}

fn help(identifier: bool) -> &'static str {
    if identifier {
        "an identifier, but it pairs with a secret: keep both in a named or external credential"
    } else {
        "revoke and rotate it, then read it from a named credential or a protected setting instead of the code"
    }
}

fn text<'s>(n: Node<'_>, src: &'s str) -> &'s str {
    src.get(n.byte_range()).unwrap_or("")
}

/// Why the place a literal sits in makes it a credential: the variable, field, map key,
/// header, parameter or comparison it belongs to.
fn apex_context(lit: Node<'_>, src: &str) -> Option<String> {
    let mut child = lit;
    for _ in 0..4 {
        let p = child.parent()?;
        match p.kind() {
            "variable_declarator" => {
                let name = text(p.field("name")?, src);
                return secrets::credential_name(name).map(|w| format!("stored in `{name}` ({w})"));
            }
            "assignment_expression" => {
                let left = text(p.field("left")?, src);
                let last = left.rsplit('.').next().unwrap_or(left);
                return secrets::credential_name(last).map(|w| format!("stored in `{left}` ({w})"));
            }
            "map_key_initializer" => {
                let key = p.named_child(0)?;
                if key == child {
                    return None;
                }
                let k = text(key, src).trim_matches('\'');
                return secrets::credential_name(k).map(|_| format!("the value of `{k}`"));
            }
            "binary_expression" => {
                let op = p.field("operator").map(|o| text(o, src)).unwrap_or("");
                let (l, r) = (p.field("left")?, p.field("right")?);
                let other = if l == child { r } else { l };
                if matches!(op, "==" | "!=") || text(p, src).contains("==") {
                    let name = text(other, src);
                    let last = name.rsplit('.').next().unwrap_or(name);
                    return secrets::credential_name(last).map(|_| format!("compared with `{name}`"));
                }
            }
            "argument_list" => {
                let call = p.parent().filter(|c| c.kind() == "method_invocation")?;
                let method = text(call.field("name")?, src).to_ascii_lowercase();
                let qualifier = call
                    .field("object")
                    .map(|o| text(o, src).to_ascii_lowercase())
                    .unwrap_or_default();
                let first = p.named_child(0).map(|a| text(a, src).trim_matches('\'').to_string());
                let second_is_us = p.named_child(1) == Some(child);
                match method.as_str() {
                    "setpassword" => return Some("passed to `setPassword`".into()),
                    "setheader" if second_is_us => {
                        let h = first.unwrap_or_default();
                        let lh = h.to_ascii_lowercase();
                        if lh == "authorization"
                            || ["key", "token", "secret", "password"].iter().any(|k| lh.contains(k))
                        {
                            return Some(format!("sent in the `{h}` header"));
                        }
                    }
                    "put" if second_is_us => {
                        let k = first.unwrap_or_default();
                        return secrets::credential_name(&k).map(|_| format!("put under `{k}`"));
                    }
                    "equals" | "equalsignorecase" => {
                        let recv = call.field("object").map(|o| text(o, src)).unwrap_or("");
                        let last = recv.rsplit('.').next().unwrap_or(recv);
                        return secrets::credential_name(last).map(|_| format!("compared with `{recv}`"));
                    }
                    _ if qualifier.ends_with("crypto") => return Some(format!("used as a key for `Crypto.{method}`")),
                    // `Crypto.generateMac('hmacSHA256', data, Blob.valueOf('...'))`.
                    "valueof" if qualifier.ends_with("blob") => {}
                    _ => return None,
                }
            }
            "parenthesized_expression" | "cast_expression" => {}
            _ if p.kind().ends_with("statement") => return None,
            _ => {}
        }
        child = p;
    }
    None
}

/// Could this literal be a real password: one token of 6 to 64 characters with a letter and a
/// digit or symbol, and not a placeholder or a merge field.
fn password_like(s: &str) -> bool {
    let n = s.chars().count();
    let lower = s.to_ascii_lowercase();
    (6..=64).contains(&n)
        && !s.chars().any(char::is_whitespace)
        && s.chars().any(|c| c.is_ascii_alphabetic())
        && s.chars().any(|c| c.is_ascii_digit() || c.is_ascii_punctuation())
        && !s.starts_with("{!")
        && ![
            "xxx",
            "your",
            "changeme",
            "placeholder",
            "example",
            "dummy",
            "{0}",
            "***",
        ]
        .iter()
        .any(|p| lower.contains(p))
}

/// The name the literal is declared as or assigned to, when that name ends in "password"
/// (`password`, `adminPassword`, `pkg.password`; not `changePasswordPage`).
fn apex_password_target(lit: Node<'_>, src: &str) -> Option<String> {
    let p = lit.parent()?;
    let name = match p.kind() {
        "variable_declarator" => text(p.field("name")?, src),
        "assignment_expression" if p.field("right") == Some(lit) => text(p.field("left")?, src),
        _ => return None,
    };
    let last = name.rsplit('.').next().unwrap_or(name).to_ascii_lowercase();
    (last.ends_with("password") || last.ends_with("passwd")).then(|| name.to_string())
}

/// JavaScript string literals: known formats anywhere, generated-looking ones where a
/// credential name, header or property receives them.
fn js(file: FileId, src: &SourceFile, root: Node<'_>, out: &mut Vec<Finding>) {
    let text_of = |n: Node<'_>| src.text.get(n.byte_range()).unwrap_or("");
    crate::syntax::tree::preorder(root, |n| {
        if n.kind() == "string"
            || n.kind() == "string_fragment" && n.parent().is_some_and(|p| p.kind() == "template_string")
        {
            let (content, at) = if n.kind() == "string" {
                let t = text_of(n);
                (t.get(1..t.len().saturating_sub(1)).unwrap_or(""), n.start_byte() + 1)
            } else {
                (text_of(n), n.start_byte())
            };
            let cx = Context {
                why: || js_context(n, &src.text),
                password_target: || None,
                in_test: || false,
            };
            literal(file, content, at, cx, out);
        }
        // A string's fragments are the string.
        n.kind() != "string"
    });
}

/// A library's script, from its tokens: the same literals as [`js`], and what the few tokens
/// before each say of it, as [`js_context`] reads the tree (`name = '...'`, `key: '...'`,
/// `setRequestHeader('Authorization', '...')`).
fn js_lexed(file: FileId, src: &str, tokens: &[Token], out: &mut Vec<Finding>) {
    // The last significant tokens, newest last.
    let mut before: Vec<&Token> = Vec::with_capacity(8);
    for t in tokens.iter().filter(|t| t.kind != Kind::Comment) {
        let (content, at) = match t.kind {
            Kind::Str => (&src[t.span.start + 1..t.span.end - 1], t.span.start + 1),
            Kind::Fragment => (&src[t.span.clone()], t.span.start),
            _ => ("", 0),
        };
        if !content.is_empty() || t.kind == Kind::Str {
            let why = || (t.kind == Kind::Str).then(|| lexed_context(&before, src)).flatten();
            let cx = Context {
                why,
                password_target: || None,
                in_test: || false,
            };
            literal(file, content, at, cx, out);
        }
        if before.len() == 8 {
            before.remove(0);
        }
        before.push(t);
    }
}

/// [`js_context`] for a string after `before` (its last tokens).
fn lexed_context(before: &[&Token], src: &str) -> Option<String> {
    let text = |i: usize| {
        before
            .len()
            .checked_sub(i)
            .map(|k| (before[k].kind, &src[before[k].span.clone()]))
    };
    match text(1)? {
        (Kind::Punct, "=") => {
            // `a.b.c = '...'`: the whole name, judged by its last part.
            let mut k = 2;
            while matches!(text(k), Some((Kind::Ident, _))) && matches!(text(k + 1), Some((Kind::Punct, "."))) {
                k += 2;
            }
            let (Kind::Ident, _) = text(k)? else { return None };
            let from = before[before.len() - k].span.start;
            let left = &src[from..before[before.len() - 2].span.end];
            let last = left.rsplit('.').next().unwrap_or(left);
            secrets::credential_name(last).map(|w| format!("stored in `{left}` ({w})"))
        }
        (Kind::Punct, ":") => {
            let (Kind::Ident | Kind::Str | Kind::Number, key) = text(2)? else {
                return None;
            };
            let (Kind::Punct, "{" | ",") = text(3)? else {
                return None;
            };
            let key = key.trim_matches(['\'', '"']);
            secrets::credential_name(key).map(|_| format!("the value of `{key}`"))
        }
        (Kind::Punct, ",") => {
            let (Kind::Str, header) = text(2)? else { return None };
            let (Kind::Punct, "(") = text(3)? else { return None };
            let (Kind::Ident, "setRequestHeader") = text(4)? else {
                return None;
            };
            let h = header.trim_matches(['\'', '"']).to_ascii_lowercase();
            (h == "authorization" || h.contains("key") || h.contains("token"))
                .then(|| format!("sent in the `{h}` header"))
        }
        _ => None,
    }
}

fn js_context(lit: Node<'_>, src: &str) -> Option<String> {
    let p = lit.parent()?;
    match p.kind() {
        "variable_declarator" | "field_definition" => {
            let name = text(p.field("name").or_else(|| p.field("property"))?, src);
            secrets::credential_name(name).map(|w| format!("stored in `{name}` ({w})"))
        }
        "assignment_expression" => {
            let left = text(p.field("left")?, src);
            let last = left.rsplit('.').next().unwrap_or(left);
            secrets::credential_name(last).map(|w| format!("stored in `{left}` ({w})"))
        }
        "pair" => {
            let key = text(p.field("key")?, src).trim_matches(['\'', '"']);
            secrets::credential_name(key).map(|_| format!("the value of `{key}`"))
        }
        "arguments" => {
            let call = p.parent()?;
            let callee = text(call.field("function")?, src);
            let header = p
                .named_child(0)
                .map(|h| text(h, src).trim_matches(['\'', '"']).to_ascii_lowercase());
            (callee.ends_with("setRequestHeader") && p.named_child(1) == Some(lit))
                .then_some(header)
                .flatten()
                .filter(|h| h == "authorization" || h.contains("key") || h.contains("token"))
                .map(|h| format!("sent in the `{h}` header"))
        }
        _ => None,
    }
}

/// Visualforce markup and text static resources: known formats only, outside HTML comments.
fn markup(file: FileId, text: &str, place: &str, out: &mut Vec<Finding>) {
    let comments = html_comments(text);
    for hit in detect::known(text) {
        if comments
            .iter()
            .any(|c| c.start <= hit.span.start && hit.span.end <= c.end)
        {
            continue;
        }
        let value = &text[hit.span.clone()];
        out.push(known_finding(file, hit.span.start, value, hit.detector, place, false));
    }
}

fn html_comments(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find("<!--") {
        let start = from + i;
        let end = text[start..].find("-->").map_or(text.len(), |e| start + e + 3);
        out.push(start..end);
        from = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::diagnostics::finding::Severity;
    use crate::lints::test_support::{CLASS, cases, run_case};

    fn class(body: &str) -> Vec<(&'static str, String)> {
        vec![(CLASS, format!("public with sharing class Auth {{\n{body}\n}}\n"))]
    }

    const LWC: &str = "force-app/main/default/lwc/pay/pay.js";
    const PAGE: &str = "force-app/main/default/pages/Pay.page";
    const STATIC: &str = "force-app/main/default/staticresources/settings.json";
    const CMP: &str = "force-app/main/default/aura/map/map.cmp";

    #[test]
    fn table() {
        cases(
            "hardcoded-secret",
            &[
                class("  static final String ENDPOINT = 'https://api.example.com/v1/charges';"),
                class("  Id acct = '001Ks00000AbCdEIAV';"),
                class("  String requestId = '3f2504e0-4f89-11d3-9a0c-0305e82c3301';"),
                class("  void m(HttpRequest r, String token) { r.setHeader('Authorization', 'Bearer ' + token); }"),
                class(
                    "  // sk_live_51HqLyjWDarjtT1zdp7dcQ9 was rotated\n  String cls = 'slds-grid slds-wrap slds-gutters_small';",
                ),
                class("  String apiKeyLabel = 'Enter the API key issued by Acme';"),
                class("  String secretName = 'Acme_Billing_Credential';"),
                class(
                    "  String icon = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';",
                ),
                class(
                    "  @IsTest static void t() { System.assertEquals('e3b0c44298fc1c149afbf4c8996fb924', Crypto.generateDigest('MD5', Blob.valueOf('')).toString()); }",
                ),
                class("  String pw = '{!$Credential.Password}';"),
                // A header to strip from a key read elsewhere holds no key.
                class("  String strip(String k) { return k.remove('-----BEGIN PRIVATE KEY-----').trim(); }"),
                class("  void m(Site s) { s.changePasswordPage = 'ChangePassword1'; }"),
                class("  void m(Pkg p) { p.password = 'changeme123'; }"),
                class("  String password = 'Password';"),
                class("  @IsTest static void t() { String password = 'fred1234'; }"),
                vec![(
                    LWC,
                    "const apiKey = process.env.KEY;\nconst label = 'Client secret';\n".to_string(),
                )],
                vec![(
                    PAGE,
                    "<apex:page>\n<!-- old key: sk_live_51HqLyjWDarjtT1zdp7dcQ9 -->\n</apex:page>\n".to_string(),
                )],
                vec![(
                    CMP,
                    "<aura:component>\n<!-- key: AIzaSyD4t5Q7v9xB2nM8kL1pR3sT6uW0yZ2aC4e -->\n<img src=\"{!v.url}\"/>\n</aura:component>\n"
                        .to_string(),
                )],
            ],
            &[
                class("  static final String STRIPE = 'sk_live_51HqLyjWDarjtT1zdp7dcQ9';"),
                class("  private static final String API_SECRET = 'q8Vn3LkP0xZr7TgW2mYs';"),
                class("  void m(HttpRequest r) { r.setHeader('X-Api-Key', 'Zk8Lq2Vn9Tr4Wm7Xp1Yb'); }"),
                class("  void m(HttpRequest r) { r.setHeader('Authorization', 'Bearer 7f3kQ9xL2mN8pR4sT6vW1yZ0aB'); }"),
                class(
                    "  void m(HttpRequest r) { r.setBody('grant_type=password&username=svc&password=Winter2026!x'); }",
                ),
                class("  Boolean ok(String token) { return token == 'Xq7Lp2Vm9Nr4Tw8Zk3Yb'; }"),
                class(
                    "  Map<String, String> m = new Map<String, String>{ 'client_secret' => 'Pz4Kq8Ln2Vr7Tx1Wm5Yb' };",
                ),
                class(
                    "  Blob mac = Crypto.generateMac('hmacSHA256', Blob.valueOf('x'), Blob.valueOf('Hk2Lq8Vn4Tr9Wm1Xp7Zb'));",
                ),
                class("  @IsTest static void t() { String k = 'AKIAIOSFODNN7TESTKEY'; }"),
                class("  void m(InstalledPackage p) { p.password = 'fred1234'; }"),
                class("  static final String ADMIN_PASSWORD = 'Winter2026!';"),
                vec![(
                    LWC,
                    "const stripeKey = 'sk_live_51HqLyjWDarjtT1zdp7dcQ9';\n".to_string(),
                )],
                vec![(
                    LWC,
                    "export default { headers: { 'x-api-key': 'Zk8Lq2Vn9Tr4Wm7Xp1Yb' } };\n".to_string(),
                )],
                vec![(
                    PAGE,
                    "<apex:page>\n<script>var k = 'AIzaSyD4t5Q7v9xB2nM8kL1pR3sT6uW0yZ2aC4e';</script>\n</apex:page>\n"
                        .to_string(),
                )],
                vec![(STATIC, "{ \"slack\": \"xoxb-2048-1024-aBcDeFgHiJkLmN\" }\n".to_string())],
                vec![(
                    CMP,
                    "<aura:component>\n<img src=\"{!'https://maps.googleapis.com/maps/api/staticmap?center=' + v.at + '&amp;key=AIzaSyD4t5Q7v9xB2nM8kL1pR3sT6uW0yZ2aC4e'}\"/>\n</aura:component>\n"
                        .to_string(),
                )],
            ],
        );
    }

    /// A library in a static resource is lexed, not parsed: the same literals, judged by the
    /// same tokens before them, give the same findings as in a parsed script.
    #[test]
    fn library_scripts_are_lexed_with_the_same_findings() {
        const LIBRARY: &str = "force-app/main/default/staticresources/vendor/lib.js";
        let scripts = [
            "const stripeKey = 'sk_live_51HqLyjWDarjtT1zdp7dcQ9';",
            "window.cfg.apiSecret = 'q8Vn3LkP0xZr7TgW2mYs';",
            "export default { headers: { 'x-api-key': 'Zk8Lq2Vn9Tr4Wm7Xp1Yb' } };",
            "x.setRequestHeader('Authorization', 'Bearer 7f3kQ9xL2mN8pR4sT6vW1yZ0aB');",
            "var re = /['\"]/g, token = 'Xq7Lp2Vm9Nr4Tw8Zk3Yb';",
            "var u = `https://x.example/?key=${k}&k2=AIzaSyD4t5Q7v9xB2nM8kL1pR3sT6uW0yZ2aC4e`;",
            // Not stored in a credential: a ternary's branch, a compared value.
            "var t = ok ? token : 'Xq7Lp2Vm9Nr4Tw8Zk3Yb'; if (secret == 'Pz4Kq8Ln2Vr7Tx1Wm5Yb') {}",
        ];
        let mut found = 0;
        for js in scripts {
            let parsed = run_case("hardcoded-secret", &[(LWC, format!("{js}\n"))]);
            // A banner makes it a library.
            let lexed = run_case("hardcoded-secret", &[(LIBRARY, format!("/*! lib */\n{js}\n"))]);
            let key = |h: &crate::lints::test_support::Hit| (h.message.clone(), h.text.clone(), h.severity);
            assert_eq!(
                parsed.iter().map(key).collect::<Vec<_>>(),
                lexed.iter().map(key).collect::<Vec<_>>(),
                "{js}"
            );
            found += parsed.len();
        }
        assert!(found >= 6, "{found}");
    }

    #[test]
    fn known_formats_in_tests_are_warnings_and_messages_are_masked() {
        let hits = run_case(
            "hardcoded-secret",
            &class("  @IsTest static void t() { String k = 'AKIAIOSFODNN7TESTKEY'; }"),
        );
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].severity, Severity::Warning);
        assert_eq!(
            hits[0].message,
            "code holds an AWS access key ID: AKIA…EY (20 characters)"
        );
    }

    /// Test-ness is found once per file: asking it of each of 60,000 literals searched the whole
    /// file each time (40,000 on one line took 1.9 s, quadratic; this case would take about 40 s).
    #[test]
    fn many_literals_in_one_test_class_are_linear() {
        let body: String = (0..60_000)
            .map(|i| format!(" String k{i} = 'AKIAIOSFODNN7{i:07}';"))
            .collect();
        let hits = run_case(
            "hardcoded-secret",
            &[(
                CLASS,
                format!("@IsTest public class Auth {{{body}\n  void m() {{ }} }}\n"),
            )],
        );
        assert_eq!(hits.len(), 60_000);
        assert!(hits.iter().all(|h| h.severity == Severity::Warning));
    }
}
