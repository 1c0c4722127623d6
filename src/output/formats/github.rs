//! `--format github`: GitHub Actions workflow commands (`::error file=...::message`), which a
//! workflow step turns into annotations on the pull request's changed lines.

use super::{position, terminal};
use crate::diagnostics::finding::Severity;
use crate::engine::Scan;

pub fn render(scan: &Scan) -> String {
    let mut out = String::new();
    for f in scan.active() {
        let p = position(scan, f);
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let mut message = f.message.clone();
        if let Some(help) = &f.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        message.push_str(&format!("\nsfsec explain {}", f.rule));
        out.push_str(&format!(
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            property(&terminal::escape(&scan.project.shown(f.file))),
            p.start_line,
            p.start_column,
            p.end_line,
            p.end_column,
            property(&format!("sfsec {}", f.rule)),
            data(&terminal::escape(&message)),
        ));
    }
    out
}

/// Escapes a command's message, as the Actions runner decodes it. Control characters are
/// escaped before ([`terminal::escape`]): the log shows ANSI sequences.
fn data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a property value: the message escapes, plus `:` and `,` that delimit properties.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_the_runner_decodes() {
        assert_eq!(data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
