//! Pavise CORS.
//!
//! The policy ([`policy::CorsPolicy`]) lists, per route, the origins allowed to call it
//! cross-origin and what they may do. At configure time it becomes a [`engine::CorsEngine`];
//! per request, the filter hands it the headers and gets back a [`decision::CorsDecision`]:
//! not cross-origin, allowed (CORS headers go on the response), a preflight answered here with
//! 204, or refused (403 in `enforce` mode, passed without CORS headers in `report` mode).
//! [`origin`] owns parsing and matching origins.
//!
//! Everything but `stage` and `filter` is plain Rust and unit-tested natively; `stage` (the
//! per-request glue, shared with the combined filter) and `filter` (the standalone Envoy
//! filter) are proxy-wasm code, built only for `wasm32`.

pub mod decision;
pub mod engine;
pub mod origin;
pub mod policy;

#[cfg(all(target_arch = "wasm32", feature = "standalone"))]
mod filter;
#[cfg(target_arch = "wasm32")]
pub mod stage;

/// The filter's name in logs and metric names.
pub const FILTER_NAME: &str = "pavise.cors";
