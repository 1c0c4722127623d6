//! The project on disk: which files a scan reads ([`discovery`], confined to the project by
//! [`confine`]), what each one is ([`kind`]), the configuration ([`config`]) and the parsed files
//! ([`project`]).

pub mod config;
pub mod confine;
pub mod discovery;
pub mod kind;
pub mod project;
