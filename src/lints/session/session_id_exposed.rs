//! A session ID that is logged, returned to the client, stored or emailed.

use crate::dataflow::Spec;
use crate::diagnostics::finding::Finding;
use crate::lints::session::{self, EXPOSED, SESSION};
use crate::lints::{Ctx, Lint};

declare_lint!(SessionIdExposed = "session-id-exposed");
const HELP: &str = "do not let the session ID leave the request that owns it; remove this use";

impl Lint for SessionIdExposed {
    fn specs(&self) -> &'static [&'static Spec] {
        session::SPECS
    }

    fn check_project(&self, cx: &Ctx<'_>, out: &mut Vec<Finding>) {
        for flow in cx.flows_of(&SESSION) {
            let sink = &SESSION.sinks[flow.sink];
            if sink.category != EXPOSED {
                continue;
            }
            let message = format!("session ID is {}", sink.note);
            out.push(session::apex_finding(ID, flow, message).help(HELP));
        }
        session::script_limit_findings(cx, out);
        for flow in session::script_flows(cx).iter() {
            if flow.category != EXPOSED {
                continue;
            }
            let message = format!("session ID is {}", flow.note);
            let f = session::flow_finding(ID, flow.file, flow.span.clone(), &flow.path, None, flow.note, message);
            out.push(f.help(HELP));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lints::test_support::{CLASS, cases, run_case as run};

    fn class(body: &str) -> Vec<(&'static str, String)> {
        vec![(CLASS, format!("public with sharing class Auth {{\n{body}\n}}\n"))]
    }

    #[test]
    fn table() {
        cases(
            "session-id-exposed",
            &[
                class("  void m() {\n    System.debug('user: ' + UserInfo.getUserId());\n  }"),
                class(
                    "  @AuraEnabled public static Boolean hasSession() {\n    return UserInfo.getSessionId() != null;\n  }",
                ),
                class("  public static String internalOnly() {\n    return UserInfo.getSessionId();\n  }"),
                class(
                    "  void m() {\n    HttpRequest r = new HttpRequest();\n    r.setHeader('Authorization', 'Bearer ' + UserInfo.getSessionId());\n    System.debug(r);\n  }",
                ),
                // A managed package's call given the session returns a document Id, not the
                // session (17 false findings on a public org).
                class(
                    "  void m() {\n    Id doc = Apttus.MergeWebService.createPDF(UserInfo.getSessionId());\n    System.debug(doc);\n  }",
                ),
                // The session in a page's URL parameter is not what the page renders.
                class(
                    "  void m(Case c) {\n    PageReference pdf = Page.FaxCover;\n    pdf.getParameters().put('session', UserInfo.getSessionId());\n    c.Description = pdf.getContent().toString();\n    update c;\n  }",
                ),
            ],
            &[
                class("  void m() {\n    System.debug(UserInfo.getSessionId());\n  }"),
                class(
                    "  @AuraEnabled(cacheable=true) public static String token() {\n    return UserInfo.getSessionId();\n  }",
                ),
                class(
                    "  @RemoteAction public static Map<String, String> ctx() {\n    return new Map<String, String>{ 'sid' => UserInfo.getSessionId() };\n  }",
                ),
                class("  void m(Account a) {\n    a.Description = UserInfo.getSessionId();\n    update a;\n  }"),
                class(
                    "  void m() {\n    Messaging.SingleEmailMessage mail = new Messaging.SingleEmailMessage();\n    mail.setPlainTextBody('sid=' + UserInfo.getSessionId());\n  }",
                ),
                class(
                    "  static void log(String s) { System.debug(LoggingLevel.INFO, s); }\n  void m() { log(UserInfo.getSessionId()); }",
                ),
                // Apex's own static methods pass the session on.
                class("  void m() {\n    System.debug(System.String.valueOf(UserInfo.getSessionId()));\n  }"),
                class("  void m() {\n    System.debug(EncodingUtil.urlEncode(UserInfo.getSessionId(), 'UTF-8'));\n  }"),
            ],
        );
    }

    #[test]
    fn the_path_is_in_the_labels() {
        let hits = run(
            "session-id-exposed",
            &class("  void m() {\n    String sid = UserInfo.getSessionId();\n    System.debug(sid);\n  }"),
        );
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].message, "session ID is written to the debug log");
        assert_eq!(hits[0].text, "System.debug(sid)");
    }
}
