//! What a request to a page makes the code do: state changed on a page load, redirects to
//! where the request says.

// The rule modules, one per `lints/<rule-id>.md` of this family (see `build.rs`).
include!(concat!(env!("OUT_DIR"), "/lints/web.rs"));

pub(crate) mod aura_bundle;
pub(crate) mod page_classes;
