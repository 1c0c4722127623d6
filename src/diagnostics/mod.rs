//! What a scan says: [`finding`]s with a [`severity`], and the rule documentation ([`rules`],
//! compiled from `lints/*.md`, whose examples [`book`] extracts for tests), and how far a running
//! scan has got ([`progress`]).

pub mod book;
pub mod finding;
pub(crate) mod progress;
pub mod rules;
pub mod severity;
