//! Results of other scanners for the security-review document (`report --include`): Salesforce
//! Code Analyzer's JSON and SARIF outputs, and PMD's (or any tool's) SARIF. Read as untrusted
//! input: a value of the wrong type is left out, never a panic; a file that is neither format
//! is an error that names it.

use std::path::Path;

use serde_json::Value;

use crate::workspace::config::ConfigError;

/// One result of another scanner, its location relative to the repository's root when it lies
/// inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ExternalFinding {
    /// "Code Analyzer 5.16.0", "PMD 7.28.0": the tool that wrote the file.
    pub tool: String,
    /// The engine that found it (`pmd`, `eslint`, `retire-js`, ...).
    pub engine: String,
    pub rule: String,
    /// As the tool says it: Code Analyzer's severity 1 to 5 with its name (`2 (High)`), or a
    /// SARIF level.
    pub severity: String,
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Where paths are resolved: the repository's root, and the project's root inside it.
pub(crate) struct Roots<'a> {
    pub repo: &'a Path,
    pub project: &'a Path,
}

/// The findings in `text`, read from the file at `path`; relative paths are from the scanner's
/// run folder, else from the repository's root.
pub(crate) fn parse(path: &Path, text: &str, root: &Roots<'_>) -> Result<Vec<ExternalFinding>, ConfigError> {
    let bad = |what: String| ConfigError::plain(format!("{}: {what}", path.display()));
    let doc: Value = serde_json::from_str(text).map_err(|e| ConfigError {
        path: Some(path.to_path_buf()),
        line: e.line(),
        column: e.column(),
        message: format!("not JSON ({e}); --include reads Code Analyzer's JSON or SARIF output, or PMD's SARIF"),
    })?;
    if let Some(runs) = doc.get("runs").and_then(Value::as_array) {
        Ok(runs.iter().flat_map(|run| sarif_run(run, root)).collect())
    } else if let Some(violations) = doc.get("violations").and_then(Value::as_array) {
        let run_dir = doc.get("runDir").and_then(Value::as_str).unwrap_or("");
        let version = doc.pointer("/versions/code-analyzer").and_then(Value::as_str);
        let tool = version.map_or_else(|| "Code Analyzer".to_string(), |v| format!("Code Analyzer {v}"));
        Ok(violations
            .iter()
            .filter_map(|v| code_analyzer(v, &tool, run_dir, root))
            .collect())
    } else {
        Err(bad(
            "neither SARIF (`runs`) nor Code Analyzer's JSON (`violations`); --include reads Code Analyzer's JSON or SARIF output, or PMD's SARIF".into(),
        ))
    }
}

fn text<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

fn number(v: &Value, pointer: &str) -> usize {
    v.pointer(pointer)
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(0)
}

/// A violation of Code Analyzer's JSON: its primary location.
fn code_analyzer(v: &Value, tool: &str, run_dir: &str, root: &Roots<'_>) -> Option<ExternalFinding> {
    let locations = v.get("locations").and_then(Value::as_array)?;
    let at = number(v, "/primaryLocationIndex");
    let loc = locations.get(at).or(locations.first())?;
    let file = text(loc, "/file")?;
    let severity = match v.get("severity").and_then(Value::as_u64) {
        Some(n @ 1..=5) => format!(
            "{n} ({})",
            ["Critical", "High", "Moderate", "Low", "Info"][n as usize - 1]
        ),
        Some(n) => n.to_string(),
        None => "unknown".to_string(),
    };
    Some(ExternalFinding {
        tool: tool.to_string(),
        engine: text(v, "/engine").unwrap_or("unknown").to_string(),
        rule: text(v, "/rule")?.to_string(),
        severity,
        path: shown(&Path::new(run_dir).join(file), root),
        line: number(loc, "/startLine"),
        column: number(loc, "/startColumn"),
        message: text(v, "/message").unwrap_or("").to_string(),
    })
}

/// The results of one SARIF run. Code Analyzer writes a run per engine, named after it; PMD
/// writes one, named PMD.
fn sarif_run(run: &Value, root: &Roots<'_>) -> Vec<ExternalFinding> {
    let driver = run.pointer("/tool/driver").unwrap_or(&Value::Null);
    let name = text(driver, "/name").unwrap_or("unknown");
    let version = text(driver, "/version").or(text(driver, "/semanticVersion"));
    // PMD names its run `PMD`; Code Analyzer names each run after its engine, in lower case.
    let tool = match (name, version) {
        ("PMD", Some(v)) => format!("PMD {v}"),
        ("PMD", None) => "PMD".to_string(),
        _ => "Code Analyzer".to_string(),
    };
    let engine = name.to_ascii_lowercase();
    let rules = driver.get("rules").and_then(Value::as_array);
    let bases = run.get("originalUriBaseIds");
    let Some(results) = run.get("results").and_then(Value::as_array) else {
        return Vec::new();
    };
    results
        .iter()
        .filter_map(|r| {
            let rule = text(r, "/ruleId").or(text(r, "/rule/id")).or_else(|| {
                let i = r.get("ruleIndex").and_then(Value::as_u64)?;
                rules?.get(usize::try_from(i).ok()?).and_then(|d| text(d, "/id"))
            })?;
            let loc = r.pointer("/locations/0/physicalLocation")?;
            let uri = text(loc, "/artifactLocation/uri")?;
            // A base is a key of `originalUriBaseIds`; Code Analyzer writes its run folder there.
            let base = text(loc, "/artifactLocation/uriBaseId").map_or("", |b| {
                bases
                    .and_then(|all| all.get(b))
                    .and_then(|d| text(d, "/uri"))
                    .unwrap_or(if b.starts_with('/') || b.starts_with("file:") {
                        b
                    } else {
                        ""
                    })
            });
            // SARIF's default level is `warning`.
            let severity = text(r, "/level").unwrap_or("warning").to_string();
            Some(ExternalFinding {
                tool: tool.clone(),
                engine: engine.clone(),
                rule: rule.to_string(),
                severity,
                path: shown(&Path::new(&file_path(base)).join(file_path(uri)), root),
                line: number(loc, "/region/startLine"),
                column: number(loc, "/region/startColumn"),
                message: text(r, "/message/text")
                    .or(text(r, "/message/markdown"))
                    .unwrap_or("")
                    .to_string(),
            })
        })
        .collect()
}

/// The path a SARIF URI names: `file:` and percent-escapes removed.
fn file_path(uri: &str) -> String {
    let path = uri
        .strip_prefix("file://")
        .map(|p| p.strip_prefix("localhost").unwrap_or(p))
        .or_else(|| uri.strip_prefix("file:"))
        .unwrap_or(uri);
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `path` from the repository's root: when it is inside it, or when it was written on another
/// machine (a CI runner's checkout) and its end names a file of this checkout, from the
/// repository's or the project's root. Else as written.
fn shown(path: &Path, root: &Roots<'_>) -> String {
    let normal = crate::workspace::discovery::normalize(path);
    let slashes = |p: &Path| p.to_string_lossy().replace('\\', "/");
    if let Ok(rel) = normal.strip_prefix(root.repo) {
        return slashes(rel);
    }
    let parts: Vec<_> = normal
        .components()
        .filter(|c| matches!(c, std::path::Component::Normal(_)))
        .collect();
    for i in 0..parts.len() {
        let rest: std::path::PathBuf = parts[i..].iter().collect();
        for base in [root.repo, root.project] {
            let candidate = base.join(&rest);
            if candidate.is_file()
                && let Ok(rel) = candidate.strip_prefix(root.repo)
            {
                return slashes(rel);
            }
        }
    }
    slashes(&normal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sarif_and_code_analyzer_json_are_read_with_paths_from_the_repository_root() {
        let repo = tempfile::tempdir().expect("tmp");
        let project = repo.path().join("sf app");
        let class = project.join("force-app/main/default/classes/A.cls");
        std::fs::create_dir_all(class.parent().expect("parent")).expect("mkdir");
        std::fs::write(&class, "public class A {}\n").expect("write");
        let roots = Roots {
            repo: repo.path(),
            project: &project,
        };
        let p = Path::new("results");
        // PMD's SARIF: a rule by index, a `file:` URI with an escaped blank, inside the repository.
        let uri = format!(
            "file://{}/sf%20app/force-app/main/default/classes/A.cls",
            repo.path().display()
        );
        let pmd = format!(
            r#"{{"runs":[{{"tool":{{"driver":{{"name":"PMD","version":"7.28.0","rules":[{{"id":"ApexDoc"}}]}}}},"results":[{{"ruleIndex":0,"message":{{"text":"Missing"}},"locations":[{{"physicalLocation":{{"artifactLocation":{{"uri":"{uri}"}},"region":{{"startLine":1,"startColumn":8}}}}}}]}}]}}]}}"#
        );
        let got = parse(p, &pmd, &roots).expect("sarif");
        assert_eq!(
            got,
            vec![ExternalFinding {
                tool: "PMD 7.28.0".into(),
                engine: "pmd".into(),
                rule: "ApexDoc".into(),
                severity: "warning".into(),
                path: "sf app/force-app/main/default/classes/A.cls".into(),
                line: 1,
                column: 8,
                message: "Missing".into(),
            }]
        );
        // Code Analyzer's SARIF: a run per engine, its run folder (another machine's) as the base.
        let ca = r#"{"runs":[{"tool":{"driver":{"name":"pmd"}},"results":[{"ruleId":"ApexDoc","level":"note","message":{"text":"m"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"force-app/main/default/classes/A.cls","uriBaseId":"/home/runner/work/x/x/"},"region":{"startLine":1}}}]}]}]}"#;
        let got = parse(p, ca, &roots).expect("sarif");
        assert_eq!(
            (got[0].tool.as_str(), got[0].engine.as_str(), got[0].severity.as_str()),
            ("Code Analyzer", "pmd", "note")
        );
        assert_eq!(got[0].path, "sf app/force-app/main/default/classes/A.cls");
        // Code Analyzer's JSON: the primary location, the severity named.
        let json = r#"{"runDir":"/ci/checkout/","versions":{"code-analyzer":"0.52.0"},"violations":[{"rule":"R","engine":"eslint","severity":2,"primaryLocationIndex":1,"locations":[{"file":"x.js","startLine":3},{"file":"force-app/main/default/classes/A.cls","startLine":1,"startColumn":2}],"message":"m"},{"engine":"pmd"}]}"#;
        let got = parse(p, json, &roots).expect("json");
        assert_eq!(got.len(), 1, "a violation without a rule is left out");
        assert_eq!(
            (got[0].severity.as_str(), got[0].tool.as_str(), got[0].column),
            ("2 (High)", "Code Analyzer 0.52.0", 2)
        );
        assert_eq!(got[0].path, "sf app/force-app/main/default/classes/A.cls");
        // A path that names no file here stays as written.
        let elsewhere = r#"{"violations":[{"rule":"R","engine":"pmd","severity":3,"locations":[{"file":"/ci/other/B.cls","startLine":1}],"message":"m"}]}"#;
        assert_eq!(parse(p, elsewhere, &roots).expect("json")[0].path, "/ci/other/B.cls");

        let e = parse(p, "{\n  \"runs\": [\n  oops", &roots).expect_err("not JSON");
        assert_eq!(e.line, 3, "{e}");
        let e = parse(p, r#"{"results":[]}"#, &roots).expect_err("neither");
        assert!(e.message.contains("neither SARIF"), "{e}");
        assert!(
            parse(p, r#"{"runs":[{"results":[{"ruleId":5}]}, 7]}"#, &roots)
                .expect("odd values")
                .is_empty()
        );
    }
}
