//! A session ID that reaches a request to a host that is not provably this org.

use crate::dataflow::Spec;
use crate::dataflow::url::UrlClass;
use crate::diagnostics::finding::Finding;
use crate::lints::session::{self, EXTERNAL, SESSION};
use crate::lints::{Ctx, Lint};
use crate::syntax::xml::XmlDoc;
use crate::workspace::kind::MetaType;
use crate::workspace::project::SourceFile;

declare_lint!(SessionIdToExternal = "session-id-to-external");

impl Lint for SessionIdToExternal {
    fn specs(&self) -> &'static [&'static Spec] {
        session::SPECS
    }

    fn xml_types(&self) -> &'static [MetaType] {
        &[
            MetaType::CustomField,
            MetaType::WebLink,
            MetaType::CustomObject,
            MetaType::Workflow,
        ]
    }

    fn check_xml(&self, file: usize, src: &SourceFile, doc: &XmlDoc, _cx: &Ctx<'_>, out: &mut Vec<Finding>) {
        if src.meta_type() == Some(MetaType::Workflow) {
            session::markup::check_outbound_messages(ID, file, doc, out);
        } else {
            session::markup::check_metadata(ID, file, src, doc, out);
        }
    }

    fn check_project(&self, cx: &Ctx<'_>, out: &mut Vec<Finding>) {
        for flow in cx.flows_of(&SESSION) {
            let sink = &SESSION.sinks[flow.sink];
            if sink.category != EXTERNAL {
                continue;
            }
            let class = flow.endpoint.as_ref().map_or_else(
                || UrlClass::Unknown("the request's endpoint is not set where sfsec can see it".into()),
                |e| e.class.clone(),
            );
            if class == UrlClass::SameOrg {
                continue;
            }
            let message = format!("session ID is {} {}", sink.note, class.describe());
            out.push(session::apex_finding(ID, flow, message).help(help(&class)));
        }
        session::script_limit_findings(cx, out);
        for flow in session::script_flows(cx).iter() {
            if flow.category != EXTERNAL {
                continue;
            }
            let class = flow
                .endpoint
                .clone()
                .unwrap_or_else(|| UrlClass::Unknown("the request's URL is not visible".into()));
            if class == UrlClass::SameOrg {
                continue;
            }
            let message = format!("session ID is {} {}", flow.note, class.describe());
            let endpoint = flow.endpoint();
            let f = session::flow_finding(
                ID,
                flow.file,
                flow.span.clone(),
                &flow.path,
                endpoint.as_ref(),
                flow.note,
                message,
            );
            out.push(f.help(help(&class)));
        }
        session::markup::check_pages(ID, cx, out);
    }
}

fn help(class: &UrlClass) -> &'static str {
    match class {
        UrlClass::Unknown(_) => {
            "build the endpoint from `URL.getOrgDomainUrl()` if it is this org; never send the session ID elsewhere"
        }
        _ => {
            "authenticate to other servers with their own credentials (a named credential), never the user's session ID"
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lints::test_support::{CLASS, cases, run_case as run};

    fn class(body: &str) -> Vec<(&'static str, String)> {
        vec![(CLASS, format!("public with sharing class Auth {{\n{body}\n}}\n"))]
    }

    const SEND: &str = "    HttpRequest req = new HttpRequest();\n    req.setEndpoint(EP);\n    req.setMethod('GET');\n    req.setHeader('Authorization', 'Bearer ' + UserInfo.getSessionId());\n    new Http().send(req);";

    fn send(endpoint: &str) -> String {
        format!(
            "  public static void call(String p) {{\n{}\n  }}",
            SEND.replace("EP", endpoint)
        )
    }

    #[test]
    fn table() {
        cases(
            "session-id-to-external",
            &[
                class(&send(
                    "URL.getOrgDomainUrl().toExternalForm() + '/services/data/v60.0/limits'",
                )),
                class(&send(
                    "System.Url.getSalesforceBaseUrl().toExternalForm() + '/services/apexrest/x'",
                )),
                class(&send("'/services/data/v60.0'")),
                // Not the session: a variable named like one.
                class(
                    "  void m() {\n    String sessionId = 'abc';\n    HttpRequest r = new HttpRequest();\n    r.setEndpoint('https://api.example.com');\n    r.setBody(sessionId);\n    new Http().send(r);\n  }",
                ),
                // A hash of the session is not the session.
                class(
                    "  void m() {\n    HttpRequest r = new HttpRequest();\n    r.setEndpoint('https://api.example.com');\n    r.setBody(EncodingUtil.convertToHex(Crypto.generateDigest('SHA-256', Blob.valueOf(UserInfo.getSessionId()))));\n    new Http().send(r);\n  }",
                ),
                // Test code.
                vec![(
                    CLASS,
                    format!(
                        "@IsTest\nprivate class Auth {{\n  @IsTest static void t() {{\n{}\n  }}\n}}\n",
                        SEND.replace("EP", "'https://api.example.com'")
                    ),
                )],
            ],
            &[
                class(&send("'https://api.example.com/v1'")),
                class(&send("'callout:Partner_API/v1'")),
                class(&send("p")),
                class(
                    "  void m() {\n    PageReference pr = new PageReference('https://app.example.com/sso?sid=' + UserInfo.getSessionId());\n  }",
                ),
            ],
        );
    }

    const WORKFLOW: &str = "force-app/main/default/workflows/Order.workflow-meta.xml";

    fn outbound(include: &str, endpoint: &str) -> Vec<(&'static str, String)> {
        vec![(
            WORKFLOW,
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Workflow xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <outboundMessages>\n        <fullName>Send_Order</fullName>\n        <apiVersion>60.0</apiVersion>\n{endpoint}        <fields>Id</fields>\n        <includeSessionId>{include}</includeSessionId>\n        <integrationUser>integration@acme.example</integrationUser>\n        <name>Send Order</name>\n        <protected>false</protected>\n        <useDeadLetterQueue>false</useDeadLetterQueue>\n    </outboundMessages>\n</Workflow>\n"
            ),
        )]
    }

    #[test]
    fn outbound_messages() {
        let url = |u: &str| format!("        <endpointUrl>{u}</endpointUrl>\n");
        cases(
            "session-id-to-external",
            &[outbound("false", &url("https://erp.acme.example/orders"))],
            &[
                outbound("true", &url("https://erp.acme.example/orders")),
                outbound("true", ""),
            ],
        );
        let hits = run(
            "session-id-to-external",
            &outbound("true", &url("https://erp.acme.example/orders")),
        );
        assert_eq!(
            hits[0].message,
            "outbound message `Send_Order` sends a session ID to `erp.acme.example`"
        );
        // The finding underlines the flag that sends the session.
        assert_eq!(hits[0].text, "true");
    }

    const LWC: &str = "force-app/main/default/lwc/beacon/beacon.js";
    const PAGE: &str = "force-app/main/default/pages/Widget.page";

    /// An Apex class with a method LWC imports, and an LWC module using it.
    fn lwc(js_body: &str) -> Vec<(&'static str, String)> {
        vec![
            (
                CLASS,
                "public with sharing class Auth {\n  @AuraEnabled public static String sid() { return UserInfo.getSessionId(); }\n  @AuraEnabled public static String name() { return UserInfo.getName(); }\n}\n".to_string(),
            ),
            (
                LWC,
                format!("import {{ LightningElement }} from 'lwc';\nimport sid from '@salesforce/apex/Auth.sid';\nimport name from '@salesforce/apex/Auth.name';\nexport default class Beacon extends LightningElement {{\n  async go() {{\n{js_body}\n  }}\n}}\n"),
            ),
        ]
    }

    fn page(script: &str) -> Vec<(&'static str, String)> {
        vec![(
            PAGE,
            format!("<apex:page>\n<script>\n{script}\n</script>\n</apex:page>\n"),
        )]
    }

    #[test]
    fn javascript_table() {
        cases(
            "session-id-to-external",
            &[
                lwc(
                    "    const s = await sid();\n    await fetch('/services/data/v60.0/limits', { headers: { Authorization: 'Bearer ' + s } });",
                ),
                lwc("    const n = await name();\n    await fetch('https://api.example.com/hello?n=' + n);"),
                lwc(
                    "    const s = await sid();\n    await fetch(window.location.origin + '/services/apexrest/x', { headers: { Authorization: 'Bearer ' + s } });",
                ),
                page(
                    "var sid = '{!$Api.Session_ID}';\nsforce.connection.sessionId = sid;\n$.ajax({ url: '/services/data/v60.0/sobjects', headers: { Authorization: 'Bearer ' + sid } });",
                ),
                page("var conn = new jsforce.Connection({ accessToken: '{!$Api.Session_ID}' });"),
                page("var sessionId = 'not-a-session';\nfetch('https://api.example.com/x?s=' + sessionId);"),
            ],
            &[
                lwc(
                    "    const s = await sid();\n    await fetch('https://api.example.com/v1', { method: 'POST', body: JSON.stringify({ s }) });",
                ),
                lwc("    sid().then((s) => { window.location.href = `https://app.example.com/sso?sid=${s}`; });"),
                lwc("    const s = await sid();\n    navigator.sendBeacon('https://stats.example.com/b', s);"),
                lwc("    const ws = new WebSocket('wss://push.example.com/live?token=' + (await sid()));"),
                page(
                    "var xhr = new XMLHttpRequest();\nxhr.open('POST', 'https://hooks.example.com/in');\nxhr.setRequestHeader('X-Session', '{!$Api.Session_ID}');\nxhr.send();",
                ),
                page("$.post('https://hooks.example.com/in', { sid: '{!GETSESSIONID()}' });"),
            ],
        );
    }

    const OBJECT: &str = "force-app/main/default/objects/Contact.object";

    /// A metadata-API object with one custom button whose URL is given.
    fn button(url: &str) -> Vec<(&'static str, String)> {
        vec![(
            OBJECT,
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CustomObject xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <webLinks>\n        <fullName>Generate_PDF</fullName>\n        <availability>online</availability>\n        <displayType>button</displayType>\n        <linkType>url</linkType>\n        <openType>newWindow</openType>\n        <url>{url}</url>\n    </webLinks>\n</CustomObject>\n"
            ),
        )]
    }

    /// An onClick JavaScript button (in source format) whose script is given.
    fn js_button(script: &str) -> Vec<(&'static str, String)> {
        vec![(
            "force-app/main/default/objects/Contact/webLinks/Template_Admin.webLink-meta.xml",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<WebLink xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <fullName>Template_Admin</fullName>\n    <availability>online</availability>\n    <displayType>button</displayType>\n    <linkType>javascript</linkType>\n    <masterLabel>Template Admin</masterLabel>\n    <openType>onClickJavaScript</openType>\n    <protected>false</protected>\n    <url>{script}</url>\n</WebLink>\n"
            ),
        )]
    }

    fn handler(attr: &str) -> Vec<(&'static str, String)> {
        vec![(
            PAGE,
            format!(
                "<apex:page standardController=\"Contact\">\n<apex:form>\n<apex:commandButton value=\"PDF\" {attr}/>\n</apex:form>\n</apex:page>\n"
            ),
        )]
    }

    #[test]
    fn buttons_and_event_handlers() {
        // Shapes seen in a public org repository: document-generation buttons.
        cases(
            "session-id-to-external",
            &[
                button("/apex/Composer?sessionId={!API.Session_ID}&amp;serverUrl={!API.Partner_Server_URL_290}"),
                button("https://composer.example.com/index.html?id={!Contact.Id}&amp;myApi.Session_Id__c=1"),
                handler("onclick=\"window.open('/apex/Print?sid={!$Api.Session_ID}');\""),
                handler("onclick=\"window.open('https://composer.example.com/?id={!Contact.Id}');\""),
                // A public org's Template Admin button: a helper first, then a relative page.
                js_button(
                    "function warn(msg) { // see https://help.example.com\n    var box = new SimpleDialog(&quot;d&quot; + Math.random(), true);\n    box.setTitle(&quot;Template Admin&quot;);\n}\nif (&quot;{!Contact.Id}&quot; !== &quot;&quot;) {\n    var CongaURL = &quot;/apex/APXTConga4__Conga_Composer&quot; +\n    &quot;?sessionId={!API.Session_ID}&quot; +\n    &quot;&amp;id={!Contact.Id}&quot;;\n    window.open(CongaURL, &quot;Conga&quot;);\n} else { warn(&quot;Pick one&quot;); }",
                ),
            ],
            &[
                button(
                    "https://composer.example.com/index.html\n?sessionId={!API.Session_ID}\n&amp;serverUrl={!API.Partner_Server_URL_290}",
                ),
                handler(
                    "onclick=\"window.open('https://composer.example.com/index.html?SessionId={!$Api.Session_ID}&amp;ServerUrl={!$Api.Partner_Server_URL_210}');\"",
                ),
                js_button(
                    "var box = &quot;/apex/Local&quot;;\nvar CongaURL = &quot;https://composer.example.com&quot; +\n&quot;?sessionId={!API.Session_ID}&quot;;\nwindow.open(CongaURL);",
                ),
                js_button(
                    "if (x == 1) { window.open( &apos;https://composer.example.com?sessionId={!API.Session_ID}&apos; ); }",
                ),
            ],
        );
    }

    fn markup(body: &str) -> Vec<(&'static str, String)> {
        vec![(PAGE, format!("<apex:page>\n{body}\n</apex:page>\n"))]
    }

    /// Shapes a public org's pages hid: an immediately invoked function, a script after a
    /// self-closed `<script src=.../>`, a hidden form field posted to another host.
    #[test]
    fn invoked_functions_scripts_after_self_closed_tags_and_form_fields() {
        let iife = "(function () {\n    var congaUrl = 'https://composer.example.com/?sessionId={!$Api.Session_ID}';\n    var emailUrl = congaUrl + '&email=1';\n    window.open(emailUrl);\n})();";
        cases(
            "session-id-to-external",
            &[
                markup(&format!(
                    "<script>\n{}\n</script>",
                    iife.replace("https://composer.example.com/", "/apex/Composer")
                )),
                markup(
                    "<script src=\"https://cdn.example.com/jq.js\"/>\n<script>\nvar u = '/apex/Print?sid={!$Api.Session_ID}';\nwindow.open(u);\n</script>",
                ),
                markup(
                    "<form action=\"/apex/Local\" method=\"post\">\n<input type=\"hidden\" name=\"sid\" value=\"{!$Api.Session_ID}\"/>\n</form>",
                ),
                markup(
                    "<form method=\"post\"><input type=\"hidden\" name=\"sid\" value=\"{!GETSESSIONID()}\"/></form>",
                ),
                markup(
                    "<form action=\"https://forms.example.com/in\"></form>\n<input type=\"hidden\" name=\"sid\" value=\"{!$Api.Session_ID}\"/>",
                ),
            ],
            &[
                markup(&format!("<script>\n{iife}\n</script>")),
                markup(
                    "<script src=\"https://cdn.example.com/jq.js\"/>\n<script>\nvar u = 'https://app.example.com/x?sid={!$Api.Session_ID}';\nwindow.open(u);\n</script>",
                ),
                markup(
                    "<FORM Method=\"post\" ACTION = 'https://forms.example.com/in'>\n<input type=\"hidden\" name=\"sid\" value=\"{!$Api.Session_ID}\"/>\n</FORM>",
                ),
            ],
        );
    }

    #[test]
    fn a_long_concatenation_is_decided_by_its_first_part() {
        let parts: String = (0..15).map(|i| format!(" +\n    '&p{i}={{!Account.Id}}'")).collect();
        let js = format!("var u = 'https://composer.example.com/?sid={{!$Api.Session_ID}}'{parts};\nwindow.open(u);");
        let hits = run("session-id-to-external", &page(&js));
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(
            hits[0].message.contains("`composer.example.com`"),
            "{}",
            hits[0].message
        );
        let apex = format!(
            "public class Push {{\n  void m(String a) {{\n    HttpRequest r = new HttpRequest();\n    r.setEndpoint('https://hooks.example.com/in?x=' {});\n    r.setBody(UserInfo.getSessionId());\n    new Http().send(r);\n  }}\n}}",
            " + a".repeat(15)
        );
        let hits = run("session-id-to-external", &[(CLASS, apex)]);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(hits[0].message.contains("`hooks.example.com`"), "{}", hits[0].message);
    }

    /// An Aura bundle whose helper calls a wrapper component with a controller action name
    /// and a callback (a public org's Conga launcher).
    fn aura_wrapper(action: &str, callback: &str) -> Vec<(&'static str, String)> {
        vec![
            (
                CLASS,
                "public with sharing class Auth {\n  @AuraEnabled public static String sid() { return UserInfo.getSessionId(); }\n  @AuraEnabled public static String name() { return UserInfo.getName(); }\n}\n".to_string(),
            ),
            (
                "force-app/main/default/aura/Launch/Launch.cmp",
                "<aura:component controller=\"Auth\">\n<c:ApexService aura:id=\"service\"/>\n</aura:component>\n".to_string(),
            ),
            (
                "force-app/main/default/aura/Launch/LaunchHelper.js",
                format!(
                    "({{\n  go: function (component, helper) {{\n    component.find('service').callApex(component, helper, '{action}', {{}}, {callback});\n  }},\n  done: function (component, value, helper) {{\n    window.open('https://composer.example.com/?s=' + value);\n  }}\n}})"
                ),
            ),
        ]
    }

    #[test]
    fn an_aura_wrapper_hands_the_action_result_to_its_callback() {
        cases(
            "session-id-to-external",
            &[
                aura_wrapper("c.name", "this.done"),
                aura_wrapper("c.sid", "function (c) {}"),
            ],
            &[
                aura_wrapper("c.sid", "this.done"),
                aura_wrapper(
                    "c.sid",
                    "function (component, r) { window.open('https://x.example/?s=' + r); }",
                ),
            ],
        );
    }

    #[test]
    fn javascript_comments_suppress() {
        let files = lwc(
            "    const s = await sid();\n    // sfsec-ignore session-id-to-external: the partner relay is covered by the DPA\n    await fetch('https://relay.example.com', { body: s });",
        );
        let project = crate::testing::TempProject::new(&files).expect("project");
        let req = crate::engine::ScanRequest {
            paths: Vec::new(),
            cwd: project.path().to_path_buf(),
            config: crate::workspace::config::Config {
                select: vec!["session-id-to-external".into()],
                ..Default::default()
            },
            now: crate::lints::test_support::NOW,
        };
        let scan = crate::engine::scan(&req).expect("scan");
        let f: Vec<_> = scan
            .findings
            .iter()
            .filter(|f| f.rule == "session-id-to-external")
            .collect();
        assert_eq!(f.len(), 1);
        let s = f[0].suppression.as_ref().expect("suppressed");
        assert_eq!(s.reason, "the partner relay is covered by the DPA");
    }

    #[test]
    fn messages_name_the_destination() {
        let hits = run("session-id-to-external", &class(&send("'https://api.example.com/v1'")));
        assert_eq!(hits.len(), 1);
        assert_eq!(
            hits[0].message,
            "session ID is sent in an HTTP callout to `api.example.com`"
        );
        assert_eq!(hits[0].text, "new Http().send(req)");
        let hits = run("session-id-to-external", &class(&send("p")));
        assert!(
            hits[0]
                .message
                .contains("could not be shown to be this org (it comes from the parameter `p`)"),
            "{}",
            hits[0].message
        );
    }
}
