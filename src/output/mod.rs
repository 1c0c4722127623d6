//! What a scan is turned into: the formats of `check` ([`formats`]), baselines ([`baseline`]),
//! the credential inventory ([`inventory`]) and the security-review report ([`review`]).

pub(crate) mod baseline;
pub mod formats;
pub(crate) mod inventory;
pub(crate) mod review;
