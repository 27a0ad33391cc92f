//! Pavise audit logging.
//!
//! One structured event per request, including the requests another Pavise filter refused:
//! the audit filter runs first in the chain, captures the request when its headers arrive
//! ([`event::RequestFacts`], already redacted by [`redact`]), and when the stream ends reads
//! the verdicts the other filters published as filter state and builds the
//! [`event::AuditEvent`]. Events go to the local sink (filter state for a dedicated file access
//! log) and to the HTTP sink ([`outbox`] batches and retries, [`sink`] renders OTLP or a JSON
//! array).
//!
//! Everything but `stage` and `filter` is plain Rust and unit-tested natively; `stage` (the
//! per-request glue, shared with the combined filter) and `filter` (the standalone Envoy
//! filter) are proxy-wasm code, built only for `wasm32`.

pub mod event;
pub mod outbox;
pub mod policy;
pub mod redact;
pub mod sink;

#[cfg(all(target_arch = "wasm32", feature = "standalone"))]
mod filter;
#[cfg(target_arch = "wasm32")]
pub mod stage;

/// The filter's name in logs and metric names.
pub const FILTER_NAME: &str = "pavise.audit";

/// The filter state the local sink publishes each event under (Envoy prefixes `wasm.`).
pub const EVENT_PROPERTY: &str = "pavise.audit.event";
