//! sfsec: a static security linter for Salesforce DX projects and managed packages.
//!
//! Pipeline: [`discovery`] -> [`project`] (parse each file once) -> [`lints`] via [`engine`]
//! -> [`report`].

pub mod apex;
pub mod baseline;
pub mod book;
pub mod cache;
pub mod cli;
pub mod clock;
pub mod config;
pub mod confine;
pub mod dataflow;
pub mod discovery;
pub mod engine;
pub mod finding;
pub mod fit;
pub mod flat;
pub mod fuzz;
#[doc(hidden)]
pub mod generate;
pub mod inventory;
pub mod js;
pub mod json;
pub mod kind;
pub mod lints;
pub mod oauth;
pub mod project;
pub mod report;
pub mod review;
pub mod rules;
pub mod secrets;
pub mod severity;
pub mod suppress;
#[doc(hidden)]
pub mod testing;
pub mod tree;
pub mod vf;
pub mod xml;
