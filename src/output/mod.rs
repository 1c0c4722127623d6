//! What a scan is turned into: the formats of `check` ([`formats`]), baselines ([`baseline`]),
//! the credential inventory ([`inventory`]) and the security-review report ([`review`]).

pub(crate) mod baseline;
pub(crate) mod explain;
pub mod formats;
pub(crate) mod inventory;
pub(crate) mod review;

/// `n` and the noun, singular for one: "1 file", "2 files".
pub(crate) fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}
