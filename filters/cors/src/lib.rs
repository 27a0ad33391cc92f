//! Pavise CORS.
//!
//! The policy ([`policy::CorsPolicy`]) lists, per route, the origins allowed to call it
//! cross-origin and what they may do. At configure time it becomes a [`engine::CorsEngine`];
//! per request, the filter hands it the headers and gets back a [`decision::CorsDecision`]:
//! not cross-origin, allowed (CORS headers go on the response), a preflight answered here with
//! 204, or refused (403 in `enforce` mode, passed without CORS headers in `report` mode).
//! [`origin`] owns parsing and matching origins.
//!
//! Everything is plain Rust and unit-tested natively: `stage` is the per-request work against
//! the host traits of `pavise_core::host`, which the Wasm filter (`wasm/cors`), the combined
//! filter and the native module run.

pub mod decision;
pub mod engine;
pub mod origin;
pub mod policy;

pub mod stage;

/// The filter's name in logs and metric names.
pub const FILTER_NAME: &str = pavise_core::filter::Filter::Cors.name();
