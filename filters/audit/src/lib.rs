//! Pavise audit logging.
//!
//! One structured event per request, including the requests another Pavise filter refused:
//! the audit filter runs first in the chain, captures the request when its headers arrive
//! ([`event::RequestFacts`], already redacted by [`redact`]), and when the stream ends reads
//! the verdicts the other filters handed over and builds the
//! [`event::AuditEvent`]. Events go to the local sink (filter state for a dedicated file access
//! log) and to the HTTP sink ([`outbox`] batches and retries, [`sink`] renders OTLP or a JSON
//! array).
//!
//! Everything is plain Rust and unit-tested natively: `stage` is the filter's work against the
//! host traits of `pavise_core::host`, which the Wasm filter (`wasm/audit`), the combined
//! filter and the native module run.

pub mod event;
pub mod json;
pub mod outbox;
pub mod policy;
pub mod redact;
pub mod sink;
pub mod stage;

/// The filter's name in logs and metric names.
pub const FILTER_NAME: &str = pavise_core::filter::Filter::Audit.name();

/// The filter state the local sink publishes each event under (Envoy prefixes `wasm.`).
pub const EVENT_PROPERTY: &str = "pavise.audit.event";
