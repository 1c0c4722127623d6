//! The front ends: each file is parsed once into a model that keeps byte spans. Apex and
//! JavaScript through tree-sitter ([`tree`], [`apex`], [`js`]) and kept compact ([`flat`]);
//! metadata XML ([`xml`]), JSON ([`json`]) and the scripts of Visualforce pages ([`vf`]).

pub mod apex;
pub mod fit;
pub mod flat;
pub mod js;
pub mod json;
pub mod tree;
pub mod vf;
pub mod xml;
