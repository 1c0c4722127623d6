//! sfsec: a static security linter for Salesforce DX projects and managed packages.
//!
//! The layers, each importing only those below it (`tests/architecture.rs` holds the code to this):
//!
//! - [`cli`]: the commands, their arguments and exit codes.
//! - [`output`]: every format of `check`, the baseline, the inventory and the review report.
//! - [`engine`]: one scan: what to keep of each tree, dispatch to the lints, suppressions and
//!   the result cache.
//! - [`lints`]: one file per rule.
//! - [`dataflow`]: the taint engine the session rules (and the next injection rules) run on.
//! - [`semantic`]: what the metadata means: OAuth apps, settings, credentials.
//! - [`workspace`]: the project on disk: discovery, file kinds, configuration, the parsed files
//!   and the scan's date.
//! - [`syntax`]: Apex, JavaScript, XML, JSON and Visualforce front ends.
//! - [`diagnostics`]: findings, severities and the rule documentation.

//!
//! The public API is small: [`cli::run`] (what the binary calls), [`engine::scan`] with its
//! request and result, [`workspace::config`], the findings and rule docs of [`diagnostics`], the
//! options the rules declare ([`rule_options`]) and the [`output::formats`]. Everything else is `pub(crate)`; the
//! `unreachable_pub` lint keeps it so. Test and fuzz support is behind the `test-support`
//! feature, which only this crate's own tests, benches and fuzz targets enable.

#![warn(unreachable_pub)]

pub mod cli;
pub(crate) mod dataflow;
pub mod diagnostics;
pub mod engine;
#[cfg(feature = "test-support")]
pub mod fuzz;
/// Synthetic projects for the benches and `sfsec-gen`; not a supported API.
#[doc(hidden)]
pub mod generate;
pub(crate) mod lints;
pub mod output;
pub(crate) mod semantic;
pub(crate) mod syntax;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;
pub mod workspace;

/// The options every rule declares, for [`workspace::config::Config::load`] to check
/// `[rules.<id>]` tables against.
pub fn rule_options() -> Vec<&'static diagnostics::rules::RuleOption> {
    lints::options()
}
