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

pub mod cli;
pub mod dataflow;
pub mod diagnostics;
pub mod engine;
pub mod fuzz;
#[doc(hidden)]
pub mod generate;
pub mod lints;
pub mod output;
pub mod semantic;
pub mod syntax;
#[doc(hidden)]
pub mod testing;
pub mod workspace;
