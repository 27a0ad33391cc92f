//! The combined Pavise filter: the audit, cors, auth and screen stages in one Wasm module,
//! loaded as one Envoy filter.
//!
//! Each Pavise filter alone pays Envoy's per-filter cost on every request: a call into its own
//! VM per callback, its own copy of the request headers, and a filter-state round trip to hand
//! its verdict to the audit filter. The combined filter runs the very same stages (the
//! `stage` module of each filter crate) in the documented order in one pass: the headers are
//! fetched once, and verdicts reach the audit stage in memory.
//!
//! Its configuration is one JSON object whose members are the filters' own policies, unchanged:
//! `{"audit": {…}, "cors": {…}, "auth": {…}, "screen": {…}}`; a missing member leaves that
//! stage out. Errors
//! name the path inside the combined document (`$.auth.keys[0].sha256: …`).

pub mod policy;

#[cfg(target_arch = "wasm32")]
mod filter;

/// The filter's name in logs.
pub const FILTER_NAME: &str = "pavise.combined";
