//! Credential values committed in metadata: custom metadata records, legacy named credentials,
//! external credential parameters, Connected App and ECA secrets, installed-package keys, custom
//! labels and Lightning page component properties.

use crate::diagnostics::finding::{FileId, Finding};
use crate::lints::{Ctx, Lint};
use crate::semantic::secrets::{self, detect};
use crate::syntax::xml::{ElemRef, XmlDoc};
use crate::workspace::kind::MetaType;
use crate::workspace::project::SourceFile;

declare_lint!(SecretInMetadataRecord = "secret-in-metadata-record");

impl Lint for SecretInMetadataRecord {
    fn xml_types(&self) -> &'static [MetaType] {
        &[
            MetaType::CustomMetadata,
            MetaType::NamedCredential,
            MetaType::ExternalCredential,
            MetaType::ConnectedApp,
            MetaType::EcaGlobalOauthSettings,
            MetaType::EcaPushSettings,
            MetaType::InstalledPackage,
            MetaType::CustomLabels,
            MetaType::FlexiPage,
        ]
    }

    fn check_xml(&self, file: FileId, src: &SourceFile, doc: &XmlDoc, _cx: &Ctx<'_>, out: &mut Vec<Finding>) {
        let Some(root) = doc.root() else { return };
        let name = src.component_name();
        let mut push = |el: ElemRef<'_>, what: String, help: &str| {
            let value = el.text().unwrap_or("");
            out.push(
                Finding::new(
                    ID,
                    file,
                    el.value_span(),
                    format!("{what} is committed: {}", secrets::mask(value)),
                )
                .secret(el.value_span())
                .help(help.to_string()),
            );
        };
        match src.meta_type() {
            Some(MetaType::CustomMetadata) => metadata_record(root, name, &mut push),
            Some(MetaType::NamedCredential) => {
                for k in ["password", "oauthToken", "oauthRefreshToken", "awsAccessSecret"] {
                    if let Some(el) = root.child(k).filter(|e| e.text().is_some_and(committed_value)) {
                        push(
                            el,
                            format!("named credential `{name}` `{k}`"),
                            "remove it from the file and enter it in Setup after deploying; Salesforce never retrieves it",
                        );
                    }
                }
            }
            Some(MetaType::ExternalCredential) => {
                for p in root.children_named("externalCredentialParameters") {
                    let kind = p.child_text("parameterType").unwrap_or("");
                    let pname = p.child_text("parameterName").unwrap_or("");
                    let Some(value) = p
                        .child("parameterValue")
                        .filter(|v| v.text().is_some_and(committed_value))
                    else {
                        continue;
                    };
                    let text = value.text().unwrap_or("");
                    let secret = matches!(kind, "AuthParameter" | "AuthHeader")
                        && (secrets::credential_name(pname).is_some()
                            || detect::random_looking(text)
                            || detect::known(text).iter().any(|h| !h.detector.identifier));
                    if secret {
                        push(
                            value,
                            format!("external credential `{name}` parameter `{pname}`"),
                            "store it in the principal's encrypted credentials, not in the parameter",
                        );
                    }
                }
            }
            Some(MetaType::ConnectedApp) => {
                if let Some(el) = root
                    .path(&["oauthConfig", "consumerSecret"])
                    .filter(|e| e.text().is_some_and(committed_value))
                {
                    push(
                        el,
                        format!("connected app `{name}` `consumerSecret`"),
                        "remove the secret from the repository and rotate it in Setup",
                    );
                }
            }
            Some(MetaType::EcaGlobalOauthSettings) => {
                // Salesforce says never to commit this file; one finding per file.
                match root.child("consumerSecret").filter(|e| e.text().is_some_and(committed_value)) {
                    Some(el) => push(
                        el,
                        format!("the global OAuth settings of `{name}`, with its `consumerSecret`,"),
                        "delete the file from the repository (add it to .forceignore) and rotate the secret",
                    ),
                    None => out.push(
                        Finding::new(
                            ID,
                            file,
                            root.start_tag(),
                            format!("the global OAuth settings of `{name}` are committed; Salesforce says never to commit this file"),
                        )
                        .help("delete the file from the repository and add `**/*.ecaGlblOauth-meta.xml` to .forceignore"),
                    ),
                }
            }
            Some(MetaType::EcaPushSettings) => {
                for k in ["signingKey", "password", "serviceAccount"] {
                    if let Some(el) = root.child(k).filter(|e| e.text().is_some_and(committed_value)) {
                        push(
                            el,
                            format!("push settings `{name}` `{k}`"),
                            "strip the secret and keep only `pushConfigLink` in the repository",
                        );
                    }
                }
            }
            Some(MetaType::InstalledPackage) => {
                if let Some(el) = root.child("password").filter(|e| e.text().is_some_and(committed_value)) {
                    push(
                        el,
                        format!("the installation key of package `{name}`"),
                        "pass the installation key at deploy time instead of committing it",
                    );
                }
            }
            Some(MetaType::CustomLabels) => labels(root, name, &mut push),
            Some(MetaType::FlexiPage) => page_properties(doc, name, &mut push),
            _ => {}
        }
    }
}

/// A custom metadata record: a value of a field named like a credential, or one that matches a
/// known token format or looks generated.
fn metadata_record(root: ElemRef<'_>, name: &str, push: &mut impl FnMut(ElemRef<'_>, String, &str)) {
    for v in root.children_named("values") {
        let (Some(field), Some(value)) = (v.child_text("field"), v.child("value")) else {
            continue;
        };
        let Some(text) = value.text().filter(|t| committed_value(t)) else {
            continue;
        };
        let hits = detect::known(text);
        // A consumer key is an identifier, whatever its shape.
        let identifier = hits.iter().any(|h| h.detector.identifier);
        let why = secrets::credential_name(field)
            .map(|w| format!("its field is named like a {w}"))
            .or_else(|| {
                hits.iter()
                    .find(|h| !h.detector.identifier)
                    .map(|h| format!("it looks like {}", h.detector.name))
            })
            .or_else(|| {
                // A random-looking value of a field whose name says what else it
                // holds (`ClientId__c`, `SslPin__c`, `TemplateCode__c`: 32 on one
                // public org) is that, not a secret.
                (!identifier
                    && !secrets::names_other_content(field)
                    && detect::random_looking(text)
                    && !text.bytes().all(|b| b.is_ascii_hexdigit()))
                .then(|| "it looks like a generated secret".to_string())
            });
        if let Some(why) = why {
            push(
                value,
                format!("the value of `{field}` in custom metadata record `{name}` ({why})"),
                "move the secret to a named or external credential, or to a protected setting filled at install time",
            );
        }
    }
}

/// Custom labels: the labels file holds many `labels`; a decomposed file is one `CustomLabel`.
fn labels(root: ElemRef<'_>, name: &str, push: &mut impl FnMut(ElemRef<'_>, String, &str)) {
    let labels: Vec<ElemRef<'_>> = if root.name() == "CustomLabel" {
        vec![root]
    } else {
        root.children_named("labels").collect()
    };
    for l in labels {
        let label = l.child_text("fullName").unwrap_or(name);
        let Some(value) = l.child("value") else { continue };
        if let Some(why) = named_value_secret(label, value.text().unwrap_or("")) {
            push(
                value,
                format!("custom label `{label}` ({why})"),
                "a label is shipped with the package and readable by every user and page ($Label): rotate the secret and keep it in a named or external credential",
            );
        }
    }
}

/// The properties of a Lightning page's components, at any depth (regions, item instances,
/// facets).
fn page_properties(doc: &XmlDoc, name: &str, push: &mut impl FnMut(ElemRef<'_>, String, &str)) {
    for p in (0..doc.elements.len()).filter_map(|i| {
        let e = doc.get(u32::try_from(i).ok()?);
        (e.name() == "componentInstanceProperties").then_some(e)
    }) {
        let (Some(prop), Some(value)) = (p.child_text("name"), p.child("value")) else {
            continue;
        };
        if let Some(why) = named_value_secret(prop, value.text().unwrap_or("")) {
            push(
                value,
                format!("property `{prop}` of a component on Lightning page `{name}` ({why})"),
                "page properties are readable by everyone who can open the page and by the component: rotate the secret and have the component's Apex read it from a named or external credential",
            );
        }
    }
}

/// Why a configured value is a secret, judged by the name it is configured under (a label, a
/// component property): a known token format anywhere in it, or a name that says credential and
/// a value shaped like one. Labels are mostly words shown to users ("Password", "Access token
/// cannot be null"), so a credential name alone is not enough.
fn named_value_secret(name: &str, text: &str) -> Option<String> {
    if let Some(hit) = detect::known(text).into_iter().find(|h| !h.detector.identifier) {
        return Some(format!("it holds {}", hit.detector.name));
    }
    let word = secrets::credential_name(name)?;
    let t = text.trim();
    // A key shaped like a UUID (HubSpot's were) counts: the name already says what it is.
    let token = t.chars().count() >= 12
        && !t.contains(char::is_whitespace)
        && !t.contains("://")
        && !t.contains("{!")
        && t.bytes().any(|b| b.is_ascii_digit())
        && committed_value(t);
    (token && !secrets::names_other_content(name) && !secrets::names_an_identifier(name))
        .then(|| format!("its name says {word}"))
}

/// A value that is really there: not a merge field, placeholder or masked value.
fn committed_value(t: &str) -> bool {
    let t = t.trim();
    let lower = t.to_ascii_lowercase();
    // "Get Token from Parent Org": instructions, not a value.
    let sentence = t.split_whitespace().count() >= 3;
    !(t.is_empty()
        || sentence
        || t.starts_with("{!")
        || t.chars().all(|c| c == '*' || c == 'x' || c == 'X')
        || ["placeholder", "changeme", "your_", "<", "none", "null", "n/a"]
            .iter()
            .any(|p| lower.starts_with(p)))
}

#[cfg(test)]
mod tests {
    use crate::lints::test_support::{CA, ECA_GLOBAL, cases, connected_app, eca_file, run};

    const MD: &str = "force-app/main/default/customMetadata/Acme_Config.Prod.md-meta.xml";
    const NC: &str = "force-app/main/default/namedCredentials/Billing.namedCredential-meta.xml";
    const PKG: &str = "force-app/main/default/installedPackages/acmeutil.installedPackage-meta.xml";

    fn record(field: &str, value: &str) -> Vec<(&'static str, String)> {
        vec![(
            MD,
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CustomMetadata xmlns=\"http://soap.sforce.com/2006/04/metadata\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\">\n    <label>Prod</label>\n    <protected>true</protected>\n    <values>\n        <field>{field}</field>\n        <value xsi:type=\"xsd:string\">{value}</value>\n    </values>\n</CustomMetadata>\n"
            ),
        )]
    }

    fn named(inner: &str) -> Vec<(&'static str, String)> {
        vec![(
            NC,
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<NamedCredential xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <endpoint>https://billing.example.com</endpoint>\n    <label>Billing</label>\n    <principalType>NamedUser</principalType>\n    <protocol>Password</protocol>\n{inner}\n</NamedCredential>\n"
            ),
        )]
    }

    const LABELS: &str = "force-app/main/default/labels/CustomLabels.labels-meta.xml";
    const PAGE: &str = "force-app/main/default/flexipages/Case_Page.flexipage-meta.xml";

    fn label(name: &str, value: &str) -> Vec<(&'static str, String)> {
        vec![(
            LABELS,
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CustomLabels xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <labels>\n        <fullName>{name}</fullName>\n        <language>en_US</language>\n        <protected>false</protected>\n        <shortDescription>{name}</shortDescription>\n        <value>{value}</value>\n    </labels>\n</CustomLabels>\n"
            ),
        )]
    }

    fn page_property(name: &str, value: &str) -> Vec<(&'static str, String)> {
        vec![(
            PAGE,
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<FlexiPage xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <flexiPageRegions>\n        <itemInstances>\n            <componentInstance>\n                <componentInstanceProperties>\n                    <name>{name}</name>\n                    <value>{value}</value>\n                </componentInstanceProperties>\n                <componentName>acme:voiceAssist</componentName>\n            </componentInstance>\n        </itemInstances>\n        <name>main</name>\n        <type>Region</type>\n    </flexiPageRegions>\n    <masterLabel>Case Page</masterLabel>\n    <type>RecordPage</type>\n</FlexiPage>\n"
            ),
        )]
    }

    const PEM: &str = "-----BEGIN RSA PRIVATE KEY----- MIIEpAIBAAKCAQEA5hu67TxkKOv9mlriEueDsaViaKrix1bUhikgNg95pWuHoaai -----END RSA PRIVATE KEY-----";

    #[test]
    fn table() {
        cases(
            "secret-in-metadata-record",
            &[
                record("Endpoint__c", "https://api.example.com"),
                record("Api_Key__c", "{!$Credential.Password}"),
                record("Consumer_Key__c", "3MVG9fMtCkV6eLhdOY8pT0nQJ2dyvmOzh5U7vG2p0qfXs0uQbVwB1xWn3p4sYlZc9EhG_jKmA"),
                record("Record_Type__c", "012Ks000000AbCdIAK"),
                record("Checksum__c", "e3b0c44298fc1c149afbf4c8996fb924"),
                record("Token_Count__c", "5"),
                // A random-looking value whose field says what it is (the same value in
                // `Notes__c` below is reported): client IDs, TLS pins, template codes.
                record("ClientId__c", "Zk8Lq2Vn9Tr4Wm7Xp1Yb"),
                record("SslPin__c", "Zk8Lq2Vn9Tr4Wm7Xp1Yb"),
                record("TemplateCode__c", "Zk8Lq2Vn9Tr4Wm7Xp1Yb"),
                named("    <username>svc-billing</username>"),
                // Labels are words shown to users, even under credential names; endpoints and
                // identifiers are not secrets.
                label("Password", "Password"),
                label("ffhttp_NullAccessToken", "AccessToken cannot be null"),
                label("AWS_SNS_oauth_token_endpoint", "https://auth.example.com/oauth/token"),
                label("Api_Client_Id", "0b490840-6d49-4477-8e0e-085792d9b209"),
                label("PEM_Header", "-----BEGIN PRIVATE KEY-----"),
                page_property("keyHeader", "-----BEGIN RSA PRIVATE KEY-----"),
                label("Greeting", "q8Vn3LkP0xZr7TgW2mYs"),
                page_property("contactCenterName", "unifiedcontactcenter"),
                page_property("privateKey", "{!$Label.Voice_Key}"),
                page_property("recordCount", "20"),
                vec![(CA, connected_app("    <oauthConfig>\n        <callbackUrl>https://app.example.com/cb</callbackUrl>\n        <consumerKey>3MVG9abc</consumerKey>\n    </oauthConfig>"))],
            ],
            &[
                record("Api_Key__c", "q8Vn3LkP0xZr7TgW2mYs"),
                record("Config_Value__c", "sk_live_51HqLyjWDarjtT1zdp7dcQ9"),
                record("Notes__c", "Zk8Lq2Vn9Tr4Wm7Xp1Yb"),
                named("    <username>svc-billing</username>\n    <password>Winter2026!</password>"),
                vec![(CA, connected_app("    <oauthConfig>\n        <callbackUrl>https://app.example.com/cb</callbackUrl>\n        <consumerSecret>8F1D2C3B4A5E6F708192A3B4C5D6E7F8</consumerSecret>\n    </oauthConfig>"))],
                vec![(ECA_GLOBAL, eca_file("ExtlClntAppGlobalOauthSettings", "    <label>Portal</label>"))],
                label("AWS_SNS_client_secret", "wgcyRDtjRKmNUPcmDQ0GbfuWdCdCW7bXqnlssvBwdyKCHs3_Hp"),
                label("Hubspot_Api_Key", "0b490840-6d49-4477-8e0e-085792d9b209"),
                label("Welcome_Text", "Use sk_live_51HqLyjWDarjtT1zdp7dcQ9 to pay"),
                page_property("privateKey", PEM),
                page_property("apiToken", "Zk8Lq2Vn9Tr4Wm7Xp1Yb"),
                vec![(PKG, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<InstalledPackage xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <password>acme-install-2026</password>\n    <versionNumber>1.4</versionNumber>\n</InstalledPackage>\n".to_string())],
            ],
        );
    }

    /// A decomposed label file is one `CustomLabel`, named by its `fullName`.
    #[test]
    fn decomposed_label_and_messages() {
        let hits = run(
            "secret-in-metadata-record",
            &[(
                "force-app/main/default/labels/Billing_Secret.label-meta.xml",
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CustomLabel xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <fullName>Billing_Secret</fullName>\n    <language>en_US</language>\n    <protected>true</protected>\n    <shortDescription>Billing secret</shortDescription>\n    <value>d5e82a7f1b8b22c3ed082178e9cc46ee6e412d2b</value>\n</CustomLabel>\n",
            )],
        );
        assert_eq!(hits.len(), 1);
        assert_eq!(
            hits[0].message,
            "custom label `Billing_Secret` (its name says secret) is committed: d5e8…2b (40 characters)"
        );
        let hits = run(
            "secret-in-metadata-record",
            &[(PAGE, &page_property("privateKey", PEM)[0].1)],
        );
        assert_eq!(hits.len(), 1);
        assert!(
            hits[0]
                .message
                .starts_with("property `privateKey` of a component on Lightning page `Case_Page` (it holds a PEM private key) is committed: "),
            "{}",
            hits[0].message
        );
    }

    #[test]
    fn values_are_masked_and_committed_eca_settings_report_once() {
        let hits = run(
            "secret-in-metadata-record",
            &[(
                ECA_GLOBAL,
                &eca_file(
                    "ExtlClntAppGlobalOauthSettings",
                    "    <consumerKey>3MVG9abcdef</consumerKey>\n    <consumerSecret>8F1D2C3B4A5E6F708192A3B4C5D6E7F8</consumerSecret>",
                ),
            )],
        );
        assert_eq!(hits.len(), 1);
        assert!(hits[0].message.contains("8F1D…F8"), "{}", hits[0].message);
        assert!(!hits[0].message.contains("8F1D2C3B4A5E6F708192A3B4C5D6E7F8"));
    }
}
