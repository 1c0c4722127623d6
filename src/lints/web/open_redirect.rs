//! A redirect whose address user input decides: a link to the org that sends its user on to
//! any site.

use std::ops::Range;

use crate::dataflow::js::redirect;
use crate::dataflow::url::UrlClass;
use crate::dataflow::{Flow, Hop, Spec};
use crate::diagnostics::finding::{FileId, Finding};
use crate::lints::injection::{self, INPUT, REDIRECT};
use crate::lints::{Ctx, Lint};
use crate::workspace::project::SourceFile;

declare_lint!(OpenRedirect = "open-redirect");
const HELP: &str = "redirect only to a path of this org (start the address with a literal `/` and refuse `//`), \
     or look the destination up in a list of your own (a page name, a record Id)";

impl Lint for OpenRedirect {
    fn check_js(&self, file: FileId, src: &SourceFile, root: tree_sitter::Node<'_>, out: &mut Vec<Finding>) {
        // Lightning components' own code; their Jest tests redirect on purpose.
        let component = src.rel.contains("/lwc/") || src.rel.contains("/aura/");
        if !component || src.rel.contains("/__tests__/") || !redirect::may_redirect(&src.text) {
            return;
        }
        for r in redirect::url_redirects(root, &src.text) {
            let read = &src.text[r.source.byte_range()];
            let mut finding = Finding::new(
                ID,
                file,
                r.at.byte_range(),
                format!(
                    "the page's address (`{read}`) decides where `{}` sends the browser",
                    r.what
                ),
            )
            .help(HELP);
            if !r.at.byte_range().contains(&r.source.start_byte()) {
                finding = finding.label(file, r.source.byte_range(), "the destination starts with this");
            }
            out.push(finding);
        }
    }

    fn specs(&self) -> &'static [&'static Spec] {
        injection::SPECS
    }

    fn check_project(&self, cx: &Ctx<'_>, out: &mut Vec<Finding>) {
        // The trees of the files with a redirect, parsed once each: few files have one.
        let mut trees: Vec<(FileId, Option<tree_sitter::Tree>)> = Vec::new();
        for flow in cx.flows_of(&INPUT) {
            // What a user types into a page's form redirects only that user's browser, which
            // they could send anywhere themselves: a redirect is open when another site can
            // hand its victims a link (a request parameter), not a postback.
            if INPUT.sinks[flow.sink].category != REDIRECT || injection::from_page_form(flow) {
                continue;
            }
            let text = cx.project.files[flow.file].text.as_str();
            let tree = match trees.iter().position(|(f, _)| *f == flow.file) {
                Some(i) => &trees[i].1,
                None => {
                    trees.push((flow.file, crate::syntax::apex::parse(text)));
                    &trees[trees.len() - 1].1
                }
            };
            if !tree.as_ref().is_some_and(|t| returned(t.root_node(), text, &flow.span)) {
                continue;
            }
            // A literal start (`'/apex/Next?id=' + v`, `'https://help.example.com/' + v`)
            // fixes the site: the input chooses a page there, not where the browser goes.
            let Some(endpoint) = &flow.endpoint else { continue };
            if !matches!(endpoint.class, UrlClass::Unknown(_)) {
                continue;
            }
            if !input_leads(cx, flow) {
                continue;
            }
            let what = injection::origin(flow);
            let message = format!("{what} decides {}", INPUT.sinks[flow.sink].note);
            out.push(injection::finding(ID, flow, message).help(HELP));
        }
    }
}

/// Whether the input starts the address. The flow joins whole values, so its steps are read
/// again: where a step puts the value into an expression (an assignment's value, the
/// redirect's argument) and the step before points inside that expression, the expression must
/// start there. `'/' + v`, `prefix + v` and `url += v` put the input after a start the code
/// chose: the site is the code's, whatever the input says.
fn input_leads(cx: &Ctx<'_>, flow: &Flow) -> bool {
    let sink = Hop {
        file: flow.file,
        span: flow.span.clone(),
        note: String::new(),
    };
    let steps: Vec<&Hop> = flow.path.iter().chain(std::iter::once(&sink)).collect();
    steps.windows(2).all(|w| {
        let (prev, cur) = (w[0], w[1]);
        let text = cx.project.files[cur.file].text.as_str();
        let value = if std::ptr::eq(cur, &sink) {
            argument(text, &cur.span)
        } else if cur.note.starts_with("stored in") {
            match assigned(text, cur.span.end) {
                Some((true, _)) => return false,
                Some((false, value)) => Some(value),
                None => None,
            }
        } else {
            None
        };
        let Some(v) = value else { return true };
        // Where the value comes in: the step before, if it points inside, and every mention
        // of the name it carries (a parameter, a local, a field).
        let mut at: Vec<usize> = Vec::new();
        if prev.file == cur.file && v.start <= prev.span.start && prev.span.end <= v.end {
            at.push(prev.span.start);
        }
        if let Some(name) = carried(&prev.note) {
            at.extend(mentions(text, &v, name));
        }
        at.is_empty() || at.iter().any(|&a| starts_at(text, v.start, a))
    })
}

/// Whether the `PageReference` built at `span` leaves its method, which is what sends the
/// browser there: returned where it is built (`return new PageReference(url)`), or kept in a
/// variable the method returns. An action that builds a reference only to read its URL
/// (`p.getUrl()`) and returns `null` redirects nowhere.
fn returned(root: tree_sitter::Node<'_>, text: &str, span: &Range<usize>) -> bool {
    let Some(mut node) = root.descendant_for_byte_range(span.start, span.end) else {
        return false;
    };
    while node.kind() != "object_creation_expression" || node.byte_range() != *span {
        let Some(p) = node.parent() else { return false };
        node = p;
    }
    // Up through the expression to its statement: a `return`, or where its value is kept.
    let mut kept: Option<&str> = None;
    let mut up = node;
    while let Some(parent) = up.parent() {
        match parent.kind() {
            "return_statement" => return true,
            "method_invocation" if is_aura_redirect(parent, text) => return true,
            "variable_declarator" => {
                kept = parent
                    .child_by_field_name("name")
                    .and_then(|n| text.get(n.byte_range()))
            }
            "assignment_expression" if parent.child_by_field_name("right") == Some(up) => {
                kept = parent.child_by_field_name("left").and_then(|l| {
                    let name = if l.kind() == "field_access" {
                        l.child_by_field_name("field")?
                    } else {
                        l
                    };
                    text.get(name.byte_range())
                });
            }
            "parenthesized_expression"
            | "ternary_expression"
            | "cast_expression"
            | "argument_list"
            | "method_invocation" => {
                up = parent;
                continue;
            }
            _ => {}
        }
        break;
    }
    let Some(name) = kept else { return false };
    // Then a `return` of it on the way out: in the statements after it, or after the blocks
    // around it (not in another branch of its `if`, nor after a `return` of something else).
    let returns = |n: tree_sitter::Node<'_>| match n.kind() {
        "return_statement" => gives(n, text, name),
        "method_invocation" => {
            is_aura_redirect(n, text)
                && n.child_by_field_name("arguments")
                    .and_then(|a| a.named_child(0))
                    .is_some_and(|a| {
                        a.kind() == "identifier"
                            && text.get(a.byte_range()).is_some_and(|t| t.eq_ignore_ascii_case(name))
                    })
        }
        _ => false,
    };
    let mut stmt = up;
    loop {
        while stmt.parent().is_some_and(|p| p.kind() != "block") {
            let Some(p) = stmt.parent() else { return false };
            if matches!(p.kind(), "method_declaration" | "constructor_declaration") {
                return false;
            }
            stmt = p;
        }
        let mut next = stmt.next_named_sibling();
        while let Some(s) = next {
            if s.kind() == "return_statement" {
                return gives(s, text, name);
            }
            if any_node(s, &returns) {
                return true;
            }
            next = s.next_named_sibling();
        }
        let Some(block) = stmt.parent() else { return false };
        stmt = block;
    }
}

/// Whether a call is `aura.redirect(...)`, which sends a Lightning page's browser to its
/// argument as an action's `return` does a Visualforce page's.
fn is_aura_redirect(call: tree_sitter::Node<'_>, text: &str) -> bool {
    let named = |field: &str, want: &str| {
        call.child_by_field_name(field)
            .and_then(|n| text.get(n.byte_range()))
            .is_some_and(|t| t.eq_ignore_ascii_case(want))
    };
    named("name", "redirect") && named("object", "aura")
}

/// Whether a `return` statement gives back the variable `name` (`return p;`, `return (this.p);`).
fn gives(ret: tree_sitter::Node<'_>, text: &str, name: &str) -> bool {
    let Some(mut e) = ret.named_child(0) else { return false };
    loop {
        let inner = match e.kind() {
            "parenthesized_expression" => e.named_child(0),
            "field_access" => e.child_by_field_name("field"),
            _ => break,
        };
        let Some(i) = inner else { return false };
        e = i;
    }
    e.kind() == "identifier" && text.get(e.byte_range()).is_some_and(|t| t.eq_ignore_ascii_case(name))
}

/// Whether `test` holds for `node` or a node inside it.
fn any_node(node: tree_sitter::Node<'_>, test: &dyn Fn(tree_sitter::Node<'_>) -> bool) -> bool {
    let mut cursor = node.walk();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        if test(n) {
            return true;
        }
        stack.extend(n.named_children(&mut cursor));
    }
    false
}

/// The name a step's value goes by: the last segment of its note's last `code` span
/// (`passed to `Nav.to` as `url``: `url`; `read from field `Nav.next``: `next`).
fn carried(note: &str) -> Option<&str> {
    let end = note.rfind('`')?;
    let start = note[..end].rfind('`')? + 1;
    let name = note[start..end].rsplit('.').next()?;
    name.chars().all(|c| c.is_alphanumeric() || c == '_').then_some(name)
}

/// Where `name` is written as a whole word in `range` of `text`, case-insensitively.
fn mentions(text: &str, range: &Range<usize>, name: &str) -> Vec<usize> {
    let Some(hay) = text.get(range.clone()) else {
        return Vec::new();
    };
    let lower = code_only(hay).to_ascii_lowercase();
    let name = name.to_ascii_lowercase();
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    // `x.url` is another value; `url.trim()` is this one.
    let before = |i: usize| lower[..i].chars().next_back();
    lower
        .match_indices(&name)
        .filter(|&(i, _)| !word(before(i)) && before(i) != Some('.') && !word(lower[i + name.len()..].chars().next()))
        .map(|(i, _)| range.start + i)
        .collect()
}

/// The argument of `new PageReference(...)` spanning `span`.
fn argument(text: &str, span: &Range<usize>) -> Option<Range<usize>> {
    let expr = text.get(span.clone())?;
    let open = expr.find('(')?;
    let close = expr.rfind(')')?;
    (open < close).then(|| span.start + open + 1..span.start + close)
}

/// After an assignment's target (ending at `end`): whether it appends (`+=`), and the value's
/// range, up to the statement's `;`.
fn assigned(text: &str, end: usize) -> Option<(bool, Range<usize>)> {
    let rest = text.get(end..)?;
    let op = rest.len() - rest.trim_start().len();
    let after = &rest[op..];
    let (appends, skip) = if after.starts_with("+=") {
        (true, 2)
    } else if after.starts_with('=') && !after.starts_with("==") {
        (false, 1)
    } else {
        return None;
    };
    let start = end + op + skip;
    let stop = text.get(start..)?.find(';').map_or(text.len(), |i| start + i);
    Some((appends, start..stop))
}

/// Whether only whitespace, parentheses and casts come before `at` in the expression that
/// starts at `start`, or in a branch of a conditional (`c ? a : b`).
fn starts_at(text: &str, start: usize, at: usize) -> bool {
    let Some(before) = text.get(start..at) else { return true };
    let before = code_only(before);
    let branch = before.rfind(['?', ':']).map_or(before.as_str(), |i| &before[i + 1..]);
    let mut rest = branch.trim_start();
    while let Some(r) = rest.strip_prefix('(') {
        rest = r.trim_start();
        // A cast: `(String) v`.
        if let Some(close) = rest.find(')')
            && rest[..close]
                .trim()
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
        {
            rest = rest[close + 1..].trim_start();
        }
    }
    rest.is_empty()
}

/// `code` with the insides of its string literals blanked (same length), so that a `?` or a
/// name in `'?state='` is not read as code.
fn code_only(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let (mut quoted, mut escaped) = (false, false);
    for c in code.chars() {
        let blank = quoted && (c != '\'' || escaped);
        escaped = quoted && c == '\\' && !escaped;
        if c == '\'' && !blank {
            quoted = !quoted;
        }
        if blank {
            out.extend(std::iter::repeat_n(' ', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::lints::test_support::{CLASS, auth_class, cases, run_case as run};

    fn class(body: &str) -> Vec<(&'static str, String)> {
        auth_class(body)
    }

    /// A controller method whose `next` local holds the page's `retURL` parameter.
    fn page(rest: &str) -> Vec<(&'static str, String)> {
        class(&format!(
            "  public PageReference back() {{\n    String next = ApexPages.currentPage().getParameters().get('retURL');\n{rest}\n  }}"
        ))
    }

    #[test]
    fn table() {
        cases(
            "open-redirect",
            &[
                // The code chooses the site: a path of this org, a host of its own, a page.
                page("    return new PageReference('/' + next);"),
                page("    return new PageReference('https://help.example.com/articles/' + next);"),
                page("    String url = '/apex/Orders?retURL=';\n    url += next;\n    return new PageReference(url);"),
                page("    return new PageReference(Url.getOrgDomainUrl().toExternalForm() + '/' + next);"),
                page("    PageReference p = Page.Orders;\n    p.getParameters().put('retURL', next);\n    return p;"),
                // A helper that keeps the path only.
                class(
                    "  private static String internal(String url) {\n    String path = '/' + url.replaceFirst('^/+', '');\n    return path;\n  }\n  public PageReference back() {\n    return new PageReference(internal(ApexPages.currentPage().getParameters().get('retURL')));\n  }",
                ),
                // Built to read its address, never returned: nothing redirects.
                page("    PageReference p = new PageReference(next);\n    String shown = p.getUrl();\n    return null;"),
                page("    PageReference p;\n    p = new PageReference(next);\n    System.debug(p.getUrl());\n    return Page.Orders;"),
                // The `return p` is another branch's.
                page(
                    "    PageReference p = Page.Orders;\n    if (next == null) {\n      return p;\n    } else {\n      p = new PageReference(next);\n      System.debug(p.getUrl());\n      return null;\n    }",
                ),
                // A constant and a literal.
                class("  private static final String HOME = '/home/home.jsp';\n  public PageReference back() { return new PageReference(HOME); }"),
                // A private method nothing calls, and an authentication plugin's `initiate`.
                class("  private PageReference go(String url) { return new PageReference(url); }"),
                vec![(
                    CLASS,
                    "global class Auth extends Auth.AuthProviderPluginClass {\n  global PageReference initiate(Map<String, String> config, String state) {\n    return new PageReference(config.get('Authorize_Url__c') + '?state=' + state);\n  }\n}\n"
                        .to_string(),
                )],
            ],
            &[
                page("    return new PageReference(next);"),
                page("    return new PageReference(next + '&from=orders');"),
                page("    String url = String.isBlank(next) ? '/home/home.jsp' : next;\n    return new PageReference(url);"),
                page("    return new PageReference((String) next);"),
                // Kept in a local that a `return` hands back, in a branch or not.
                page("    PageReference p = new PageReference(next);\n    p.setRedirect(true);\n    return p;"),
                page("    PageReference p = Page.Orders;\n    if (next != null) {\n      p = new PageReference(next);\n    }\n    return (p);"),
                // Lightning's way: `aura.redirect`, directly or through a local.
                class(
                    "  @AuraEnabled public static void go(String url) {\n    PageReference ref = new PageReference(url);\n    aura.redirect(ref);\n  }",
                ),
                class("  @AuraEnabled public static void go(String url) {\n    aura.redirect(new PageReference(url));\n  }"),
                page("    PageReference p = null;\n    try {\n      p = new PageReference(next);\n    } catch (Exception e) {\n      return null;\n    }\n    if (p != null) {\n      return p;\n    }\n    return null;"),
                class(
                    "  @AuraEnabled public static String go(String target) {\n    return new PageReference(target).getUrl();\n  }",
                ),
                class("  public PageReference go(String target) { return new PageReference(target); }"),
                class(
                    "  public PageReference back() {\n    String referer = ApexPages.currentPage().getHeaders().get('Referer');\n    return new PageReference(referer);\n  }",
                ),
            ],
        );
    }

    #[test]
    fn a_property_the_pages_form_posts_redirects_only_its_user() {
        let files = |input: &str| {
            vec![
                (
                    CLASS,
                    "public with sharing class Auth {\n  public String next { get; set; }\n  public PageReference go() {\n    return new PageReference(next);\n  }\n}\n".to_string(),
                ),
                (
                    "force-app/main/default/pages/Go.page",
                    format!("<apex:page controller=\"Auth\">\n  <apex:form>{input}</apex:form>\n</apex:page>\n"),
                ),
            ]
        };
        let hits = run("open-redirect", &files("<apex:inputHidden value=\"{!next}\"/>"));
        assert!(hits.is_empty(), "{hits:#?}");
        // The same property read from the request is a link another site can send.
        let mut linked = files("");
        linked[0].1 = linked[0].1.replace(
            "return new PageReference(next);",
            "next = ApexPages.currentPage().getParameters().get('next');\n    return new PageReference(next);",
        );
        assert_eq!(run("open-redirect", &linked).len(), 1);
    }

    #[test]
    fn a_flow_through_three_methods_and_a_field_is_found_with_its_path() {
        let hits = run(
            "open-redirect",
            &class(
                "  private String target;\n  public Auth() {\n    target = read();\n  }\n  private String read() {\n    return ApexPages.currentPage().getParameters().get('next');\n  }\n  public PageReference done() {\n    return send(target);\n  }\n  private PageReference send(String url) {\n    PageReference p = new PageReference(url);\n    p.setRedirect(true);\n    return p;\n  }",
            ),
        );
        assert_eq!(hits.len(), 1, "{hits:#?}");
        assert_eq!(hits[0].message, "user input decides the address a page redirects to");
        assert_eq!(hits[0].text, "new PageReference(url)");
        hits[0].assert_labels(&[
            "read from the page's request (`getParameters()`)",
            "returned by `Auth.read`",
            "stored in field `Auth.target`",
            "read from field `Auth.target`",
            "passed to `Auth.send` as `url`",
        ]);
    }

    #[test]
    fn pmd_suppressions_silence_it() {
        let hits = run(
            "open-redirect",
            &class(
                "  public PageReference back() {\n    String next = ApexPages.currentPage().getParameters().get('retURL');\n    return new PageReference(next); // NOPMD: checked by the login flow\n  }",
            ),
        );
        assert_eq!(hits.len(), 1, "{hits:#?}");
        assert!(hits[0].suppressed);
    }

    #[test]
    fn component_scripts() {
        let js = "({\n  go: function (cmp) {\n    const next = new URLSearchParams(window.location.search).get('next');\n    window.location.href = next;\n  }\n})\n";
        let at = |path: &str| crate::lints::test_support::run(super::ID, &[(path, js)]);
        let hits = at("force-app/main/default/aura/Back/BackController.js");
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0].line, 4);
        assert_eq!(
            hits[0].message,
            "the page's address (`window.location.search`) decides where `window.location` sends the browser"
        );
        assert_eq!(hits[0].labels.len(), 1, "the read is on another line");
        assert_eq!(at("force-app/main/default/lwc/back/back.js").len(), 1);
        assert!(at("force-app/main/default/lwc/back/__tests__/back.test.js").is_empty());
        assert!(at("force-app/main/default/staticresources/back.js").is_empty());
    }
}
