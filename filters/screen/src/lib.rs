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
//! Everything is plain Rust and unit-tested natively: `stage` is the per-request work against
//! the host traits of `pavise_core::host`, which the Wasm filter (`wasm/screen`), the combined
//! filter and the native module run.

pub mod base64;
pub mod body;
pub mod decode;
pub mod detect;
pub mod engine;
pub mod header_grammar;
pub mod multipart;
pub mod policy;
pub mod screen;
pub mod stage;
pub mod xml;

/// The filter's name in logs and metric names.
pub const FILTER_NAME: &str = pavise_core::filter::Filter::Screen.name();
