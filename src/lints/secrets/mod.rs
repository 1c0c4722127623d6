//! Secrets: credentials stored in settings (to disclose and rotate), committed in metadata, or
//! written into code. Values are always masked in messages.

use std::sync::Arc;

use crate::lints::Ctx;
use crate::semantic::secrets::settings::{self, SettingField, SettingObject, Settings};

// The rule modules, one per `lints/<rule-id>.md` of this family (see `build.rs`).
include!(concat!(env!("OUT_DIR"), "/lints/secrets.rs"));

/// The project's settings and their uses, built once per scan for every lint that asks.
pub(crate) fn settings(cx: &Ctx<'_>) -> Arc<Settings> {
    cx.memo
        .get("secrets.settings", || settings::build(cx.project))
        .unwrap_or_default()
}

/// Every credential field of settings matching `visibility`, with why it is one.
pub(crate) fn credential_fields<'s>(
    s: &'s Settings,
    protected: bool,
) -> impl Iterator<Item = (&'s SettingObject, &'s SettingField, String)> + 's {
    s.objects
        .iter()
        .filter(move |o| o.is_protected() == protected)
        .flat_map(move |o| {
            o.fields
                .iter()
                .filter_map(move |f| s.credential_reason(o, f).map(|why| (o, f, why)))
        })
}
