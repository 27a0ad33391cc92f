//! The combined Pavise filter: the audit, cors, auth and screen stages as one chain, loaded as
//! one Envoy filter (`wasm/combined`, and the native module).
//!
//! Each Pavise filter alone pays Envoy's per-filter cost on every request: a call into its own
//! VM per callback, its own copy of the request headers, and a filter-state round trip to hand
//! its verdict to the audit filter. The combined filter runs the very same stages in chain
//! order in one pass ([`pavise_core::chain`]): the headers are fetched once, and verdicts
//! reach the audit stage in memory.
//!
//! Its configuration is one JSON object whose members are the filters' own policies, unchanged:
//! `{"audit": {…}, "cors": {…}, "auth": {…}, "screen": {…}}`; a missing member leaves that
//! stage out. Errors name the path inside the combined document (`$.auth.keys[0].sha256: …`).

pub mod policy;

use pavise_audit::stage::AuditStage;
use pavise_auth::stage::AuthStage;
use pavise_core::host::ConfigHost;
use pavise_core::policy::PolicyErrors;
use pavise_core::stage::Stage;
use pavise_cors::stage::CorsStage;
use pavise_screen::stage::ScreenStage;
use policy::{auth_credentials, split, Members};

/// The filter's name in logs.
pub const FILTER_NAME: &str = "pavise.combined";

/// The four stages in chain order, each present if its member is.
pub type Combined = (
    Option<AuditStage>,
    (
        Option<CorsStage>,
        (Option<AuthStage>, (Option<ScreenStage>, ())),
    ),
);

/// Loads one member with its stage's own loader, its errors placed under `$.<member>`.
fn load_member<S: Stage, H: ConfigHost>(
    members: &Members,
    host: &mut H,
    load: impl FnOnce(&[u8], &mut H) -> Result<S, PolicyErrors>,
) -> Result<Option<S>, PolicyErrors> {
    let name = S::FILTER.member();
    members
        .get(S::FILTER)
        .map(|text| load(text, host).map_err(|e| e.nested(name)))
        .transpose()
}

/// Parses the combined policy and loads every stage it configures.
pub fn load(json: &[u8], host: &mut impl ConfigHost) -> Result<Combined, PolicyErrors> {
    let members = split(json)?;
    let credentials = auth_credentials(&members);
    let credentials = credentials
        .as_ref()
        .map(|(header, query)| (header.as_str(), query.as_deref()));
    let audit = load_member(&members, host, |text, host| {
        AuditStage::load_with_credentials(text, credentials, host)
    })?;
    let cors = load_member(&members, host, CorsStage::load)?;
    let auth = load_member(&members, host, AuthStage::load)?;
    let screen = load_member(&members, host, ScreenStage::load)?;
    Ok((audit, (cors, (auth, (screen, ())))))
}

#[cfg(test)]
mod tests;
