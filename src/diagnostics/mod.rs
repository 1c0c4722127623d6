//! What a scan says: [`finding`]s with a [`severity`], and the rule documentation ([`rules`],
//! compiled from `lints/*.md`, whose examples [`book`] extracts for tests).

pub mod book;
pub mod finding;
pub mod rules;
pub mod severity;
