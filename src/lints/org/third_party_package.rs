//! A managed package installed by the repository's metadata that is not the partner's own.

use crate::diagnostics::finding::{FileId, Finding};
use crate::lints::{Ctx, Lint};
use crate::syntax::json::Json;
use crate::syntax::xml::XmlDoc;
use crate::workspace::kind::{FileKind, MetaType};
use crate::workspace::project::SourceFile;

declare_lint!(ThirdPartyPackage = "third-party-package");

impl Lint for ThirdPartyPackage {
    fn xml_types(&self) -> &'static [MetaType] {
        &[MetaType::InstalledPackage]
    }

    /// Package dependencies declared in `sfdx-project.json` that no package directory builds.
    fn check_project(&self, cx: &Ctx<'_>, out: &mut Vec<Finding>) {
        for (id, f, json) in cx.project.json_files() {
            if f.kind != FileKind::ProjectConfig {
                continue;
            }
            let Some(dirs) = json.get("packageDirectories") else {
                continue;
            };
            let Json::Array(dirs) = &dirs.value.value else { continue };
            let own: Vec<&str> = dirs
                .iter()
                .filter_map(|d| d.get("package").and_then(|p| p.value.as_str()))
                .collect();
            for dir in dirs {
                let Some(deps) = dir.get("dependencies") else { continue };
                let Json::Array(deps) = &deps.value.value else { continue };
                for dep in deps {
                    let Some(package) = dep.get("package") else { continue };
                    let Some(name) = package.value.as_str() else { continue };
                    let base = name.split('@').next().unwrap_or(name);
                    if own.iter().any(|o| o.eq_ignore_ascii_case(base)) {
                        continue;
                    }
                    let version = dep
                        .get("versionNumber")
                        .and_then(|v| v.value.as_str())
                        .map_or_else(String::new, |v| format!(" ({v})"));
                    out.push(
                        Finding::new(
                            ID,
                            id,
                            package.value.span.clone(),
                            format!("the project depends on the package `{name}`{version}, which it does not build"),
                        )
                        .help("if it is a third-party package, keep it out of the orgs you build and ship from; if it is yours, suppress this with a reason"),
                    );
                }
            }
        }
    }

    fn check_xml(&self, file: FileId, src: &SourceFile, doc: &XmlDoc, cx: &Ctx<'_>, out: &mut Vec<Finding>) {
        let Some(root) = doc.root() else { return };
        let namespace = src.component_name();
        let own = cx
            .project
            .sfdx
            .as_ref()
            .and_then(|p| p.namespace.as_deref())
            .is_some_and(|ns| ns.eq_ignore_ascii_case(namespace));
        if own {
            return;
        }
        let version = root
            .child_text("versionNumber")
            .map_or_else(|| "an unstated version".to_string(), |v| format!("version {v}"));
        let span = root
            .child("versionNumber")
            .map_or_else(|| root.start_tag(), |v| v.value_span());
        out.push(
            Finding::new(
                ID,
                file,
                span,
                format!("the org installs the third-party managed package `{namespace}` ({version})"),
            )
            .help("partner orgs must not run third-party managed packages: remove it, or keep it out of the orgs you build and ship from"),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::lints::test_support::{cases, run};

    fn package(ns: &str) -> Vec<(&'static str, String)> {
        let path: &'static str = Box::leak(
            format!("force-app/main/default/installedPackages/{ns}.installedPackage-meta.xml").into_boxed_str(),
        );
        vec![(
            path,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<InstalledPackage xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <activateRSS>false</activateRSS>\n    <versionNumber>3.12</versionNumber>\n</InstalledPackage>\n".to_string(),
        )]
    }

    #[test]
    fn table() {
        let mut own = package("acmebill");
        own.push((
            "sfdx-project.json",
            r#"{"packageDirectories":[{"path":"force-app","default":true}],"namespace":"acmebill"}"#.to_string(),
        ));
        let project = |deps: &str| {
            vec![
                (
                    "sfdx-project.json",
                    format!(
                        r#"{{"packageDirectories":[{{"path":"force-app","default":true,"package":"Acme Billing","versionNumber":"1.0.0.NEXT"}},{{"path":"extras","package":"Acme Extras","dependencies":[{deps}]}}]}}"#
                    ),
                ),
                ("extras/README.md", "extras".to_string()),
            ]
        };
        cases(
            "third-party-package",
            &[own, project(r#"{"package":"Acme Billing"}"#), project("")],
            &[
                package("dlrs"),
                package("npsp"),
                project(
                    r#"{"package":"Acme Billing"},{"package":"Nonprofit Success Pack","versionNumber":"3.200.0.LATEST"}"#,
                ),
                project(r#"{"package":"DLRS@2.25.0-1"}"#),
            ],
        );
        let hits = run(
            "third-party-package",
            &[(package("dlrs")[0].0, package("dlrs")[0].1.as_str())],
        );
        assert_eq!(
            hits[0].message,
            "the org installs the third-party managed package `dlrs` (version 3.12)"
        );
    }
}
