//! How the org's code and configuration reach other sites: in clear text or over TLS.

// The rule modules, one per `lints/<rule-id>.md` of this family (see `build.rs`).
include!(concat!(env!("OUT_DIR"), "/lints/transport.rs"));
