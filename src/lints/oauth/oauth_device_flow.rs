//! `oauth-device-flow`: an app enables the OAuth 2.0 device flow, or code requests it.

use tree_sitter::Node;

use super::{FlowRequest, STRING_KINDS, flow_in_literal, requests_flow};
use crate::diagnostics::finding::{FileId, Finding};
use crate::lints::{Ctx, Lint};
use crate::semantic::oauth::{Flag, RequestedFlow};
use crate::workspace::project::SourceFile;

declare_lint!(DeviceFlow = "oauth-device-flow");
const CODE: FlowRequest = FlowRequest {
    rule: ID,
    flow: RequestedFlow::Device,
    what: "OAuth device flow",
    help: "remove the device-flow request; authenticate with a flow that has the user present",
};
const HELP: &str = "disable the device flow (`isDeviceFlowEnabled` false) and use a flow with the user present";

impl Lint for DeviceFlow {
    fn check_project(&self, cx: &Ctx<'_>, out: &mut Vec<Finding>) {
        for app in cx.oauth.apps.iter().filter(|a| a.oauth_enabled()) {
            if let Some(s) = app.flag(Flag::DeviceFlow).filter(|s| s.value) {
                out.push(
                    Finding::new(ID, s.file, s.span, format!("{} allows the device flow", app.describe())).help(HELP),
                );
            }
        }
    }

    fn apex_kinds(&self) -> &'static [&'static str] {
        STRING_KINDS
    }

    fn check_apex(&self, node: Node<'_>, file: FileId, src: &SourceFile, out: &mut Vec<Finding>) {
        flow_in_literal(&CODE, node, file, src, out);
    }

    fn literal_may_matter(&self, content: &str) -> bool {
        requests_flow(&CODE, content)
    }
}

#[cfg(test)]
mod tests {
    use crate::lints::test_support::*;

    #[test]
    fn device_flow() {
        let global = |v: &str| {
            eca_file(
                "ExtlClntAppGlobalOauthSettings",
                &format!("    <isDeviceFlowEnabled>{v}</isDeviceFlowEnabled>"),
            )
        };
        cases(
            "oauth-device-flow",
            &[
                vec![(ECA, eca_header()), (ECA_GLOBAL, global("false"))],
                vec![(
                    ECA_GLOBAL,
                    eca_file("ExtlClntAppGlobalOauthSettings", "    <label>x</label>"),
                )],
                vec![(
                    CLASS,
                    "class Auth { String s = 'response_type=device_codes'; // ok\n String t = 'device flow'; }".into(),
                )],
            ],
            &[
                vec![(ECA, eca_header()), (ECA_GLOBAL, global("true"))],
                vec![(
                    CA,
                    connected_app(
                        "    <oauthConfig>\n        <callbackUrl>https://a.example.com/cb</callbackUrl>\n        <isDeviceFlowEnabled>true</isDeviceFlowEnabled>\n    </oauthConfig>",
                    ),
                )],
                vec![(
                    CLASS,
                    "class Auth { String s = 'response_type=device_code&client_id=' + id; }".into(),
                )],
            ],
        );
        let hits = run(
            "oauth-device-flow",
            &[(ECA, &eca_header()), (ECA_GLOBAL, &global("true"))],
        );
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].message, "external client app `Portal` allows the device flow");
        assert_eq!(hits[0].text, "<isDeviceFlowEnabled>true</isDeviceFlowEnabled>");
        assert_eq!(hits[0].path, ECA_GLOBAL);
    }
}
