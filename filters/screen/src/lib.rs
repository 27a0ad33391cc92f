//! Pavise input screening.
//!
//! The policy ([`policy::ScreenPolicy`]) sets size limits and what to look for. At configure
//! time it becomes a [`screen::Screener`]; per request, the filter hands it the headers and
//! gets back a [`screen::HeaderDecision`] (refuse, or pass with what the body needs), then, if
//! the body is inspected, the body and a [`screen::BodyDecision`]. [`decode`] undoes the
//! encodings attackers layer; [`detect`] holds the rules, their tables and checks, and [`engine`]
//! runs them on each value; [`xml`] finds the values of an XML body, [`multipart`] the parts of a
//! form upload; [`header_grammar`] reads the values inside structured headers; [`base64`] finds
//! values that are encoded text.
//!
//! Everything but `stage` and `filter` is plain Rust and unit-tested natively; `stage` (the
//! per-request glue, shared with the combined filter) and `filter` (the standalone Envoy
//! filter) are proxy-wasm code, built only for `wasm32`.

pub mod base64;
pub mod decode;
pub mod detect;
pub mod engine;
pub mod header_grammar;
pub mod multipart;
pub mod policy;
pub mod screen;
pub mod xml;

#[cfg(all(target_arch = "wasm32", feature = "standalone"))]
mod filter;
#[cfg(target_arch = "wasm32")]
pub mod stage;

/// The filter's name in logs and metric names.
pub const FILTER_NAME: &str = "pavise.screen";
