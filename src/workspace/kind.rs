//! Classifies files by Salesforce's folder/suffix table, in source (`-meta.xml`) and
//! metadata-API format alike.

use std::path::Path;

/// The metadata types sfsec knows by name. Anything else XML-shaped is [`MetaType::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum MetaType {
    ConnectedApp,
    ExternalClientApplication,
    EcaOauthSettings,
    EcaGlobalOauthSettings,
    EcaOauthPolicies,
    EcaPolicies,
    EcaMobileSettings,
    EcaMobilePolicies,
    EcaNotificationSettings,
    EcaPushSettings,
    EcaPushPolicies,
    EcaSamlPolicies,
    EcaCanvasSettings,
    EcaOauthSecuritySettings,
    Settings,
    CustomObject,
    CustomField,
    /// A custom button or link.
    WebLink,
    /// Workflow rules and actions of one object (outbound messages among them).
    Workflow,
    CustomMetadata,
    NamedCredential,
    ExternalCredential,
    RemoteSiteSetting,
    CspTrustedSite,
    CorsWhitelistOrigin,
    Profile,
    PermissionSet,
    PermissionSetGroup,
    MutingPermissionSet,
    ProfileSessionSetting,
    ProfilePasswordPolicy,
    CustomSite,
    Network,
    InstalledPackage,
    AuthProvider,
    SamlSsoConfig,
    OauthCustomScope,
    /// The custom labels file (`CustomLabels`), or one decomposed `CustomLabel`.
    CustomLabels,
    /// A Lightning page: its components' properties are configured values.
    FlexiPage,
    /// `package.xml` and the destructive-changes manifests.
    Manifest,
    /// An Apex class's `-meta.xml` companion (`Foo.cls-meta.xml`): its API version decides the
    /// class's default access mode (user mode from 67.0).
    ApexClass,
    /// The `-meta.xml` companion of another content file (trigger, page...), or an unknown type.
    Other,
}

/// (directoryName, suffix, type), from Salesforce's source-deploy-retrieve registry.
const TABLE: &[(&str, &str, MetaType)] = &[
    ("classes", "cls", MetaType::ApexClass),
    ("connectedApps", "connectedApp", MetaType::ConnectedApp),
    ("externalClientApps", "eca", MetaType::ExternalClientApplication),
    ("extlClntAppOauthSettings", "ecaOauth", MetaType::EcaOauthSettings),
    (
        "extlClntAppGlobalOauthSets",
        "ecaGlblOauth",
        MetaType::EcaGlobalOauthSettings,
    ),
    ("extlClntAppOauthPolicies", "ecaOauthPlcy", MetaType::EcaOauthPolicies),
    ("extlClntAppPolicies", "ecaPlcy", MetaType::EcaPolicies),
    ("extlClntAppMobileSettings", "ecaMobile", MetaType::EcaMobileSettings),
    (
        "extlClntAppMobilePolicies",
        "ecaMobilePlcy",
        MetaType::EcaMobilePolicies,
    ),
    (
        "extlClntAppNotifSettings",
        "ecaNotifications",
        MetaType::EcaNotificationSettings,
    ),
    ("extlClntAppPushSettings", "ecaPush", MetaType::EcaPushSettings),
    ("extlClntAppPushPolicies", "ecaPushPlcy", MetaType::EcaPushPolicies),
    (
        "extlClntAppSamlConfigurablePolicies",
        "ecaSamlPlcy",
        MetaType::EcaSamlPolicies,
    ),
    ("extlClntAppCanvasSettings", "ecaCanvas", MetaType::EcaCanvasSettings),
    (
        "extlClntAppOauthSecuritySettings",
        "ecaOauthSecurity",
        MetaType::EcaOauthSecuritySettings,
    ),
    ("settings", "settings", MetaType::Settings),
    ("objects", "object", MetaType::CustomObject),
    ("fields", "field", MetaType::CustomField),
    ("webLinks", "webLink", MetaType::WebLink),
    ("workflows", "workflow", MetaType::Workflow),
    ("customMetadata", "md", MetaType::CustomMetadata),
    ("namedCredentials", "namedCredential", MetaType::NamedCredential),
    (
        "externalCredentials",
        "externalCredential",
        MetaType::ExternalCredential,
    ),
    ("remoteSiteSettings", "remoteSite", MetaType::RemoteSiteSetting),
    ("cspTrustedSites", "cspTrustedSite", MetaType::CspTrustedSite),
    (
        "corsWhitelistOrigins",
        "corsWhitelistOrigin",
        MetaType::CorsWhitelistOrigin,
    ),
    ("profiles", "profile", MetaType::Profile),
    ("permissionsets", "permissionset", MetaType::PermissionSet),
    (
        "permissionsetgroups",
        "permissionsetgroup",
        MetaType::PermissionSetGroup,
    ),
    (
        "mutingpermissionsets",
        "mutingpermissionset",
        MetaType::MutingPermissionSet,
    ),
    (
        "profileSessionSettings",
        "profileSessionSetting",
        MetaType::ProfileSessionSetting,
    ),
    (
        "profilePasswordPolicies",
        "profilePasswordPolicy",
        MetaType::ProfilePasswordPolicy,
    ),
    ("sites", "site", MetaType::CustomSite),
    ("networks", "network", MetaType::Network),
    ("installedPackages", "installedPackage", MetaType::InstalledPackage),
    ("authproviders", "authprovider", MetaType::AuthProvider),
    ("samlssoconfigs", "samlssoconfig", MetaType::SamlSsoConfig),
    ("oauthcustomscopes", "oauthcustomscope", MetaType::OauthCustomScope),
    ("labels", "labels", MetaType::CustomLabels),
    // Source format may decompose the labels file into one file per label.
    ("labels", "label", MetaType::CustomLabels),
    ("flexipages", "flexipage", MetaType::FlexiPage),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum FileKind {
    /// Metadata XML of a known or unknown type.
    Metadata(MetaType),
    /// Apex source (`.cls`, `.trigger`).
    Apex,
    /// Visualforce page or component markup.
    Visualforce,
    /// Aura or LWC JavaScript, or a JavaScript static resource.
    JavaScript,
    /// Aura component or application markup (`.cmp`, `.app`), which names the Apex controller,
    /// and a bundle's design file (`.design`).
    AuraMarkup,
    /// A text static resource (JSON, plain text, CSV, properties, YAML, HTML).
    StaticText,
    /// An Experience Cloud site's configuration (`experiences/<site>/config/*.json`).
    ExperienceConfig,
    /// `sfdx-project.json` at the project root (for its declared dependencies).
    ProjectConfig,
    /// A scratch-org definition (`config/*-scratch-def.json`).
    ScratchDef,
    /// Not something sfsec reads.
    Ignored,
}

impl FileKind {
    pub(crate) fn is_scanned(self) -> bool {
        self != FileKind::Ignored
    }
}

/// Classifies a path (relative or absolute) by its name and parent folders.
pub(crate) fn classify(path: &Path) -> FileKind {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return FileKind::Ignored;
    };
    let parent = path
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|p| p.to_str())
        .unwrap_or("");

    if let Some(stem) = name.strip_suffix("-meta.xml") {
        let Some((_, suffix)) = stem.rsplit_once('.') else {
            return FileKind::Metadata(MetaType::Other);
        };
        return FileKind::Metadata(by_suffix(suffix).unwrap_or(MetaType::Other));
    }
    if matches!(
        name,
        "package.xml" | "destructiveChanges.xml" | "destructiveChangesPre.xml" | "destructiveChangesPost.xml"
    ) {
        return FileKind::Metadata(MetaType::Manifest);
    }
    if path == Path::new("sfdx-project.json") {
        return FileKind::ProjectConfig;
    }
    if name.ends_with("scratch-def.json") {
        return FileKind::ScratchDef;
    }
    let Some((_, ext)) = name.rsplit_once('.') else {
        return FileKind::Ignored;
    };
    match ext {
        "cls" | "trigger" => return FileKind::Apex,
        "page" | "component" if matches!(parent, "pages" | "components") => {
            return FileKind::Visualforce;
        }
        "js" if in_bundle(path) => return FileKind::JavaScript,
        "json" if parent == "config" && path.components().any(|c| c.as_os_str() == "experiences") => {
            return FileKind::ExperienceConfig;
        }
        // LWR sites (DigitalExperienceBundle): the access setting sits in one of the nodes'
        // `content.json` files.
        "json" if name == "content.json" && path.components().any(|c| c.as_os_str() == "digitalExperiences") => {
            return FileKind::ExperienceConfig;
        }
        "json" | "txt" | "csv" | "properties" | "yaml" | "yml" | "html" | "htm" | "env"
            if path.components().any(|c| c.as_os_str() == "staticresources") =>
        {
            return FileKind::StaticText;
        }
        // A bundle's design file says which attributes App Builder sets.
        "cmp" | "app" | "design" if path.components().any(|c| c.as_os_str() == "aura") => {
            return FileKind::AuraMarkup;
        }
        _ => {}
    }
    // Metadata-API format: the suffix alone, in its own folder (so a stray `notes.site`
    // elsewhere is not mistaken for a CustomSite).
    match TABLE.iter().find(|(_, suffix, _)| *suffix == ext) {
        Some((dir, _, ty)) if *dir == parent => FileKind::Metadata(*ty),
        _ => FileKind::Ignored,
    }
}

fn by_suffix(suffix: &str) -> Option<MetaType> {
    TABLE.iter().find(|(_, s, _)| *s == suffix).map(|(_, _, ty)| *ty)
}

fn in_bundle(path: &Path) -> bool {
    path.components()
        .any(|c| matches!(c.as_os_str().to_str(), Some("lwc" | "aura" | "staticresources")))
}

/// The component name Salesforce derives from the file name (`Foo.connectedApp-meta.xml` -> `Foo`).
pub(crate) fn component_name(path: &Path) -> &str {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let name = name.strip_suffix("-meta.xml").unwrap_or(name);
    name.rsplit_once('.').map_or(name, |(stem, _)| stem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_formats() {
        let cases = [
            (
                "force-app/main/default/connectedApps/A.connectedApp-meta.xml",
                FileKind::Metadata(MetaType::ConnectedApp),
            ),
            (
                "src/connectedApps/A.connectedApp",
                FileKind::Metadata(MetaType::ConnectedApp),
            ),
            (
                "x/extlClntAppGlobalOauthSets/A.ecaGlblOauth-meta.xml",
                FileKind::Metadata(MetaType::EcaGlobalOauthSettings),
            ),
            (
                "src/settings/OauthOidc.settings",
                FileKind::Metadata(MetaType::Settings),
            ),
            ("src/objects/A__c.object", FileKind::Metadata(MetaType::CustomObject)),
            ("notes/A.site", FileKind::Ignored),
            ("src/classes/A.cls", FileKind::Apex),
            ("src/classes/A.cls-meta.xml", FileKind::Metadata(MetaType::ApexClass)),
            ("src/triggers/A.trigger-meta.xml", FileKind::Metadata(MetaType::Other)),
            ("src/triggers/A.trigger", FileKind::Apex),
            ("src/pages/A.page", FileKind::Visualforce),
            ("force-app/lwc/a/a.js", FileKind::JavaScript),
            ("force-app/aura/B/BHelper.js", FileKind::JavaScript),
            ("force-app/aura/B/B.cmp", FileKind::AuraMarkup),
            ("force-app/aura/B/B.design", FileKind::AuraMarkup),
            ("force-app/staticresources/lib.js", FileKind::JavaScript),
            ("force-app/staticresources/config.json", FileKind::StaticText),
            ("sfdx-project.json", FileKind::ProjectConfig),
            ("force-app/sfdx-project.json", FileKind::Ignored),
            (
                "force-app/experiences/Portal1/config/portal.json",
                FileKind::ExperienceConfig,
            ),
            ("force-app/experiences/Portal1/views/home.json", FileKind::Ignored),
            (
                "force-app/digitalExperiences/site/Portal1/sfdc_cms__site/Portal1/content.json",
                FileKind::ExperienceConfig,
            ),
            ("force-app/staticresources/bundle/keys/.env", FileKind::StaticText),
            ("force-app/other/config.json", FileKind::Ignored),
            ("force-app/lwc/a/a.html", FileKind::Ignored),
            ("scripts/build.js", FileKind::Ignored),
            (
                "force-app/objects/Account/webLinks/Go.webLink-meta.xml",
                FileKind::Metadata(MetaType::WebLink),
            ),
            ("scripts/a.js", FileKind::Ignored),
            ("config/project-scratch-def.json", FileKind::ScratchDef),
            ("src/package.xml", FileKind::Metadata(MetaType::Manifest)),
            (
                "force-app/main/default/labels/CustomLabels.labels-meta.xml",
                FileKind::Metadata(MetaType::CustomLabels),
            ),
            (
                "src/labels/CustomLabels.labels",
                FileKind::Metadata(MetaType::CustomLabels),
            ),
            (
                "force-app/main/default/labels/Api_Key.label-meta.xml",
                FileKind::Metadata(MetaType::CustomLabels),
            ),
            (
                "force-app/main/default/flexipages/Case_Page.flexipage-meta.xml",
                FileKind::Metadata(MetaType::FlexiPage),
            ),
            (
                "src/flexipages/Case_Page.flexipage",
                FileKind::Metadata(MetaType::FlexiPage),
            ),
            ("README.md", FileKind::Ignored),
        ];
        for (path, want) in cases {
            assert_eq!(classify(Path::new(path)), want, "{path}");
        }
    }

    #[test]
    fn component_names() {
        assert_eq!(component_name(Path::new("a/Foo.connectedApp-meta.xml")), "Foo");
        assert_eq!(component_name(Path::new("a/Foo.connectedApp")), "Foo");
        assert_eq!(component_name(Path::new("a/My.App.eca-meta.xml")), "My.App");
    }
}
