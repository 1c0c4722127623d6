//! The project on disk: which files a scan reads ([`discovery`], with what files given by
//! name are judged with from `context`, confined to the project by [`confine`]), what each one
//! is ([`kind`]), the configuration ([`config`]), the parsed files ([`project`]) and the date a
//! scan judges expiry by ([`clock`]).

pub(crate) mod changes;
pub(crate) mod clock;
pub mod config;
pub mod confine;
mod context;
pub(crate) mod discovery;
pub(crate) mod external;
pub(crate) mod external_notes;
pub(crate) mod kind;
pub(crate) mod project;
