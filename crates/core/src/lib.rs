//! Host-independent building blocks shared by every Pavise filter.
//!
//! Nothing in this crate talks to a proxy: plain Rust values go in, plain Rust values come out,
//! so every piece is unit-tested natively and reused unchanged by the filters (compiled to
//! `wasm32-wasip1`) and by native tools such as the CLI.
//!
//! - [`policy`]: parsing a JSON policy into typed structs; every error names its JSON path.
//! - [`denial`]: the uniform JSON error response every filter sends.
//! - [`request_id`]: which request id may be echoed back to a client.
//! - [`headers`]: case-insensitive access to a request's header list.
//! - [`route`]: host and path-prefix matching, first match wins.
//! - [`path`]: splitting and normalising the request path before matching.
//! - [`readings`]: the other paths a server could take a request path for, and what to do when
//!   they fall under different rules.
//! - [`metrics`]: how counter names are spelled.
//! - [`timestamp`]: RFC 3339 instants in policies.
//! - [`event`]: the structured JSON log line written for a decision.
//! - [`verdict`]: how a filter hands its decision to the audit filter.
//! - [`filter`]: the one list of filters, their names and chain order.
//! - [`host`]: what a stage may ask of the proxy (the host traits).
//! - [`chain`]: the one runner of a list of stages through every phase.
//! - [`stage`]: a filter's per-request work, phase by phase, against the host traits.
//! - `testing` (tests and the `testing` feature only): a fake host that records what a stage did.

pub mod chain;
pub mod denial;
pub mod event;
pub mod filter;
pub mod headers;
pub mod host;
pub mod metrics;
pub mod path;
pub mod policy;
pub mod readings;
pub mod request_id;
pub mod route;
pub mod secrets;
pub mod stage;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod timestamp;
pub mod verdict;
