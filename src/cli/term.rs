//! How a terminal is written to: colour or not, and the width to wrap to.

/// Whether the human report is coloured: `CLICOLOR_FORCE` (but `0`) asks for it anywhere;
/// otherwise only on a terminal, unless `NO_COLOR` is set (and not empty) or `TERM=dumb`, which
/// cannot show it.
pub(super) fn colour(
    to_terminal: bool,
    force: Option<&std::ffi::OsStr>,
    no_color: Option<&std::ffi::OsStr>,
    term: Option<&std::ffi::OsStr>,
) -> bool {
    force.is_some_and(|v| v != "0")
        || (to_terminal && no_color.is_none_or(|v| v.is_empty()) && term.is_none_or(|t| t != "dumb"))
}

/// The width the terminal report wraps to: `COLUMNS` when set to a sensible number, else the
/// terminal's own; none when the report goes to a file or a pipe, where a reader's window (or an
/// editor) wraps it, and a hard break would split a path or a link.
pub(super) fn width(to_terminal: bool, columns: Option<&std::ffi::OsStr>, terminal: Option<usize>) -> Option<usize> {
    let columns = columns
        .and_then(|c| c.to_str())
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c >= 40);
    columns.or(if to_terminal {
        terminal.filter(|&w| w >= 40)
    } else {
        None
    })
}

/// Colour and width for text written to standard output (`to_terminal` when it is one), from
/// the environment.
pub(super) fn style(to_terminal: bool) -> (bool, Option<usize>) {
    let color = colour(
        to_terminal,
        std::env::var_os("CLICOLOR_FORCE").as_deref(),
        std::env::var_os("NO_COLOR").as_deref(),
        std::env::var_os("TERM").as_deref(),
    );
    let width = width(
        to_terminal,
        std::env::var_os("COLUMNS").as_deref(),
        terminal_size::terminal_size().map(|(w, _)| usize::from(w.0)),
    );
    (color, width)
}

#[cfg(test)]
mod tests {
    use super::{colour, width};
    use std::ffi::OsStr;

    #[test]
    fn colour_honours_no_color_clicolor_force_and_dumb_terminals() {
        let s = |v: &'static str| Some(OsStr::new(v));
        assert!(colour(true, None, None, s("xterm-256color")));
        assert!(colour(true, None, None, None));
        assert!(!colour(false, None, None, s("xterm")), "not a terminal");
        assert!(!colour(true, None, s("1"), s("xterm")), "NO_COLOR");
        assert!(colour(true, None, s(""), s("xterm")), "an empty NO_COLOR is unset");
        assert!(!colour(true, None, None, s("dumb")), "TERM=dumb");
        assert!(colour(false, s("1"), s("1"), s("dumb")), "CLICOLOR_FORCE wins");
        assert!(!colour(false, s("0"), None, None), "CLICOLOR_FORCE=0 forces nothing");
    }

    #[test]
    fn width_is_columns_else_the_terminals_and_nothing_in_a_pipe() {
        let s = |v: &'static str| Some(OsStr::new(v));
        assert_eq!(width(true, None, Some(132)), Some(132));
        assert_eq!(width(false, None, Some(132)), None, "piped: no wrapping");
        assert_eq!(width(false, s("80"), None), Some(80), "COLUMNS is asked for");
        assert_eq!(width(true, s("200"), Some(80)), Some(200), "COLUMNS wins");
        assert_eq!(width(true, s("wide"), Some(90)), Some(90), "not a number");
        assert_eq!(width(true, s("3"), None), None, "too narrow to mean it");
    }
}
