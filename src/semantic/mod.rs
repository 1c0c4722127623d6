//! What the metadata means across files: the OAuth apps and their policies ([`oauth`]), and
//! credentials, settings and the names that hold them ([`secrets`]).

pub(crate) mod oauth;
pub(crate) mod secrets;
