//! The front ends: each file is parsed once into a model that keeps byte spans. Apex and
//! JavaScript through tree-sitter ([`tree`], [`apex`], [`js`]) and kept compact ([`flat`]), library
//! scripts through a lexer ([`js_lex`]);
//! metadata XML ([`xml`]), JSON ([`json`]) and the scripts of Visualforce pages ([`vf`]).

pub(crate) mod apex;
pub(crate) mod fit;
pub(crate) mod flat;
pub(crate) mod js;
pub(crate) mod js_lex;
pub(crate) mod json;
pub(crate) mod tree;
pub(crate) mod vf;
pub(crate) mod xml;
