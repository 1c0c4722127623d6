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
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().expect("output");
            panic!(
                "sfsec {args:?} did not end within {limit:?} (hung); stderr: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
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
