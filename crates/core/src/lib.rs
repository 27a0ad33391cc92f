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

pub mod denial;
pub mod event;
pub mod headers;
pub mod metrics;
pub mod path;
pub mod policy;
pub mod readings;
pub mod request_id;
pub mod route;
pub mod secrets;
pub mod timestamp;
pub mod verdict;
