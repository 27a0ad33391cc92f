//! The audit event: one per request, versioned, its JSON Schema generated from [`AuditEvent`]
//! and checked in at `policies/schemas/audit-event.schema.json`.
//!
//! The filter gathers [`RequestFacts`] at the request headers and [`EndFacts`] when the stream
//! ends, reads the other filters' verdicts, and [`build_event`] turns them into an event.
//! Everything that reaches an event passes through [`crate::redact`] first.

use crate::both;
use crate::json::Writer;
use crate::policy::AuditPolicy;
use crate::redact::{mask_text, redact_path};
use pavise_core::event::MAX_LOGGED_CHARS;
use pavise_core::headers::{loggable, HeaderList};
use pavise_core::request_id::{RequestId, REQUEST_ID_HEADER};
use pavise_core::route::RouteMatch;
use pavise_core::timestamp::rfc3339_millis;
use pavise_core::verdict::{Outcome, Verdict};
use schemars::JsonSchema;
use serde::Serialize;

/// The event schema's version. Bumped on any incompatible change; fields may be added within
/// a version.
pub const SCHEMA_VERSION: &str = "1";

/// One audit event.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct AuditEvent {
    /// [`SCHEMA_VERSION`].
    pub schema_version: &'static str,
    /// When the request arrived, RFC 3339 UTC with milliseconds.
    pub timestamp: String,
    /// Envoy's `x-request-id`.
    pub request_id: Option<String>,
    /// The W3C trace id from `traceparent`, when the request carried a valid one.
    pub trace_id: Option<String>,
    /// The span id (the caller's, the parent of this request) from the same `traceparent`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub span_id: Option<String>,
    /// The client the auth filter authenticated.
    pub client_id: Option<String>,
    /// The downstream address, `ip:port`.
    pub source_address: Option<String>,
    pub method: String,
    /// The `:authority`.
    pub host: String,
    /// Path and query, secret query values redacted and personal data masked.
    pub path: String,
    /// The response status sent to the client (0 if none was sent).
    pub status: u16,
    /// `denied` if a Pavise filter refused the request, else `allowed`.
    pub outcome: EventOutcome,
    /// The filter that refused the request, with its reason or rule id.
    pub decided_by: Option<Decision>,
    /// Findings of filters in detect or report mode, which let the request through.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub flagged_by: Vec<Decision>,
    /// From the first request byte to the end of the response, in milliseconds.
    pub duration_ms: Option<f64>,
    /// Bytes received from the client (headers and body).
    pub request_bytes: Option<u64>,
    /// Bytes sent to the client (headers and body).
    pub response_bytes: Option<u64>,
    /// The `User-Agent`, capped and masked.
    pub user_agent: Option<String>,
}

/// Allowed or denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventOutcome {
    Allowed,
    Denied,
}

/// One filter's decision, as the event reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Decision {
    /// `audit`, `cors`, `auth` or `screen`.
    pub filter: String,
    pub reason: Option<String>,
    pub rule_id: Option<String>,
}

impl AuditEvent {
    /// The event as JSON, byte for byte what `serde_json` writes for it (a test holds the two
    /// together), written straight into one buffer: this runs for every audited request.
    pub fn to_json(&self) -> String {
        let mut w = Writer::plain(self.capacity());
        self.write(&mut w);
        w.finish()
    }

    /// [`AuditEvent::to_json`] escaped as the inside of a JSON string, as an OTLP record's
    /// body carries it, written in one pass.
    pub fn to_embedded_json(&self) -> String {
        let mut w = Writer::embedded(self.capacity() + 96);
        self.write(&mut w);
        w.finish()
    }

    fn capacity(&self) -> usize {
        360 + self.path.len() + self.host.len() + self.user_agent.as_ref().map_or(0, String::len)
    }

    fn write(&self, w: &mut Writer) {
        w.raw(both!("{\"schema_version\":"));
        w.string(self.schema_version);
        w.raw(both!(",\"timestamp\":"));
        w.string(&self.timestamp);
        w.raw(both!(",\"request_id\":"));
        w.string_or_null(self.request_id.as_deref());
        w.raw(both!(",\"trace_id\":"));
        w.string_or_null(self.trace_id.as_deref());
        if let Some(span_id) = &self.span_id {
            w.raw(both!(",\"span_id\":"));
            w.string(span_id);
        }
        w.raw(both!(",\"client_id\":"));
        w.string_or_null(self.client_id.as_deref());
        w.raw(both!(",\"source_address\":"));
        w.string_or_null(self.source_address.as_deref());
        w.raw(both!(",\"method\":"));
        w.string(&self.method);
        w.raw(both!(",\"host\":"));
        w.string(&self.host);
        w.raw(both!(",\"path\":"));
        w.string(&self.path);
        w.raw(both!(",\"status\":"));
        w.uint(u64::from(self.status));
        w.raw(match self.outcome {
            EventOutcome::Allowed => both!(",\"outcome\":\"allowed\",\"decided_by\":"),
            EventOutcome::Denied => both!(",\"outcome\":\"denied\",\"decided_by\":"),
        });
        match &self.decided_by {
            Some(decision) => decision.write(w),
            None => w.raw(both!("null")),
        }
        if !self.flagged_by.is_empty() {
            w.raw(both!(",\"flagged_by\":["));
            for (i, decision) in self.flagged_by.iter().enumerate() {
                if i > 0 {
                    w.raw(both!(","));
                }
                decision.write(w);
            }
            w.raw(both!("]"));
        }
        w.raw(both!(",\"duration_ms\":"));
        w.float_or_null(self.duration_ms);
        w.raw(both!(",\"request_bytes\":"));
        w.uint_or_null(self.request_bytes);
        w.raw(both!(",\"response_bytes\":"));
        w.uint_or_null(self.response_bytes);
        w.raw(both!(",\"user_agent\":"));
        w.string_or_null(self.user_agent.as_deref());
        w.raw(both!("}"));
    }
}

impl Decision {
    fn write(&self, w: &mut Writer) {
        w.raw(both!("{\"filter\":"));
        w.string(&self.filter);
        w.raw(both!(",\"reason\":"));
        w.string_or_null(self.reason.as_deref());
        w.raw(both!(",\"rule_id\":"));
        w.string_or_null(self.rule_id.as_deref());
        w.raw(both!("}"));
    }
}

impl From<&Verdict> for Decision {
    fn from(v: &Verdict) -> Self {
        Decision {
            filter: v.filter.clone(),
            reason: v.reason.clone(),
            rule_id: v.rule_id.clone(),
        }
    }
}

/// What the request headers tell, captured when they arrive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestFacts {
    pub start_unix_nanos: u64,
    pub request_id: Option<String>,
    pub trace_id: Option<String>,
    pub span_id: Option<String>,
    pub method: String,
    pub host: String,
    /// Already redacted.
    pub path: String,
    pub user_agent: Option<String>,
}

impl RequestFacts {
    /// Captures the facts, redacting as the policy says: the raw path and user agent are not
    /// kept, so nothing unredacted outlives this call.
    pub fn capture(headers: &HeaderList, start_unix_nanos: u64, policy: &AuditPolicy) -> Self {
        let (trace_id, span_id) = headers.get("traceparent").and_then(trace_context).unzip();
        RequestFacts {
            start_unix_nanos,
            request_id: headers
                .get(REQUEST_ID_HEADER)
                .and_then(RequestId::parse)
                .map(|r| r.as_str().to_string()),
            trace_id,
            span_id,
            method: headers
                .get(":method")
                .map(|m| loggable(m, 32))
                .unwrap_or_default(),
            host: headers
                .get(":authority")
                .map(|h| loggable(h, MAX_LOGGED_CHARS))
                .unwrap_or_default(),
            path: redact_path(
                &loggable(headers.get(":path").unwrap_or(b"/"), 2048),
                &policy.redact,
            ),
            user_agent: headers
                .get("user-agent")
                .filter(|_| !policy.redact.redacts_header("user-agent"))
                .map(|ua| mask_text(&loggable(ua, MAX_LOGGED_CHARS), &policy.redact)),
        }
    }
}

/// What is known when the stream ends.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EndFacts {
    pub status: u16,
    pub source_address: Option<String>,
    pub duration_ms: Option<f64>,
    pub request_bytes: Option<u64>,
    pub response_bytes: Option<u64>,
}

/// The trace id of a W3C `traceparent` (`00-<32 hex>-<16 hex>-<2 hex>`), if valid and not
/// all zeros.
pub fn trace_id(traceparent: &[u8]) -> Option<String> {
    trace_context(traceparent).map(|(trace, _)| trace)
}

/// The trace id and parent span id of a W3C `traceparent`, if valid (see [`trace_id`]).
pub fn trace_context(traceparent: &[u8]) -> Option<(String, String)> {
    let text = std::str::from_utf8(pavise_core::headers::trim_ows(traceparent)).ok()?;
    let mut parts = text.split('-');
    let version = parts.next()?;
    let trace = parts.next()?;
    let span = parts.next()?;
    let flags = parts.next()?;
    let hex = |s: &str, n: usize| {
        s.len() == n && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    };
    let valid = hex(version, 2)
        && version != "ff"
        && hex(trace, 32)
        && hex(span, 16)
        && hex(flags, 2)
        && (version != "00" || parts.next().is_none())
        && trace.bytes().any(|b| b != b'0')
        && span.bytes().any(|b| b != b'0');
    valid.then(|| (trace.to_string(), span.to_string()))
}

/// The event for a request, from its facts and the verdicts the filters published. The facts
/// are moved into the event, not copied.
pub fn build_event(request: RequestFacts, end: EndFacts, verdicts: &[Verdict]) -> AuditEvent {
    let denied = verdicts.iter().find(|v| v.outcome == Outcome::Denied);
    AuditEvent {
        schema_version: SCHEMA_VERSION,
        timestamp: rfc3339_millis(request.start_unix_nanos),
        request_id: request.request_id,
        trace_id: request.trace_id,
        span_id: request.span_id,
        client_id: verdicts.iter().find_map(|v| v.client_id.clone()),
        source_address: end.source_address,
        method: request.method,
        host: request.host,
        path: request.path,
        status: end.status,
        outcome: if denied.is_some() {
            EventOutcome::Denied
        } else {
            EventOutcome::Allowed
        },
        decided_by: denied.map(Decision::from),
        flagged_by: verdicts
            .iter()
            .filter(|v| v.outcome == Outcome::Flagged)
            .map(Decision::from)
            .collect(),
        duration_ms: end.duration_ms,
        request_bytes: end.request_bytes,
        response_bytes: end.response_bytes,
        user_agent: request.user_agent,
    }
}

/// Whether an event is written for this request: denied and flagged requests always; allowed
/// ones when in scope (`include`, `exclude`) and sampled.
pub fn should_log(
    policy: &AuditPolicy,
    request: &RequestFacts,
    normalized_path: &str,
    verdicts: &[Verdict],
) -> bool {
    if verdicts.iter().any(|v| v.outcome != Outcome::Allowed) {
        return true;
    }
    let matches = |list: &[RouteMatch]| {
        list.iter()
            .any(|m| m.matches(&request.host, normalized_path))
    };
    if !policy.include.is_empty() && !matches(&policy.include) {
        return false;
    }
    if matches(&policy.exclude) {
        return false;
    }
    sampled(policy.sample_allowed, request)
}

/// A per-request coin with the given bias, decided by a hash of the request id so that a
/// request is either logged by every component that samples on it, or by none.
fn sampled(rate: f64, request: &RequestFacts) -> bool {
    if rate >= 1.0 {
        return true;
    }
    if rate <= 0.0 {
        return false;
    }
    // FNV-1a: small, stable across builds and platforms; no request-controlled bias matters
    // here (sampling is not a security boundary: denials are always logged).
    let key = match &request.request_id {
        Some(id) => id.as_bytes().to_vec(),
        None => request.start_unix_nanos.to_le_bytes().to_vec(),
    };
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    // FNV alone leaves the high bits poorly mixed for similar ids; MurmurHash3's finaliser
    // spreads them.
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    hash ^= hash >> 33;
    // The top 53 bits as a fraction in [0, 1).
    let fraction = (hash >> 11) as f64 / (1u64 << 53) as f64;
    fraction < rate
}

/// The JSON Schema of [`AuditEvent`], checked in at `policies/schemas/audit-event.schema.json`.
pub fn schema() -> String {
    pavise_core::policy::schema_json::<AuditEvent>()
}

#[cfg(test)]
mod tests;
