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
        for flow in cx.flows_of(&INPUT) {
            if INPUT.sinks[flow.sink].category != REDIRECT {
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
            let what = if injection::from_open_param(flow) {
                "a parameter nothing validates"
            } else {
                "user input"
            };
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
