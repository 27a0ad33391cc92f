//! The audit policy: what is logged, what is redacted, where events go, and what happens when
//! the HTTP sink cannot keep up.
//!
//! ```json
//! {
//!   "sample_allowed": 0.25,
//!   "exclude": [{"path_prefix": "/healthz"}],
//!   "redact": {"query_params": ["session"], "mask_emails": true, "mask_card_numbers": true},
//!   "local": {"enabled": true},
//!   "http": {"cluster": "otel", "path": "/v1/logs", "format": "otlp",
//!            "batch_max_events": 100, "flush_interval_ms": 1000, "buffer_max_events": 10000},
//!   "on_sink_failure": "drop"
//! }
//! ```

use pavise_core::policy::{JsonPath, Problems, Validate};
use pavise_core::route::RouteMatch;
use schemars::JsonSchema;
use serde::Deserialize;

/// The audit policy.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditPolicy {
    /// Share of allowed requests logged, 0.0 to 1.0, decided per request id so that every
    /// Envoy worker samples the same requests. Denied and flagged requests are always logged.
    #[serde(default = "one")]
    pub sample_allowed: f64,
    /// Only requests matching one of these are logged (empty: all).
    #[serde(default)]
    pub include: Vec<RouteMatch>,
    /// Requests matching one of these are not logged unless denied (e.g. `/healthz`).
    #[serde(default)]
    pub exclude: Vec<RouteMatch>,
    /// What is kept out of events.
    #[serde(default)]
    pub redact: Redaction,
    /// The local sink: each event as Envoy filter state for a file access log.
    #[serde(default)]
    pub local: LocalSink,
    /// The HTTP sink: events batched and POSTed to an Envoy cluster.
    #[serde(default)]
    pub http: Option<HttpSink>,
    /// What to do while the HTTP sink's buffer is full.
    #[serde(default)]
    pub on_sink_failure: OnSinkFailure,
}

fn one() -> f64 {
    1.0
}

/// Redaction rules. Secret headers (`authorization`, `cookie`, `set-cookie`, `x-api-key`,
/// `proxy-authorization`) are never logged whatever this says: events carry no headers but
/// the user agent, and query values are redacted by name.
#[derive(Debug, Clone, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Redaction {
    /// Query parameters whose values are replaced by `[REDACTED]`, case-insensitively, on top
    /// of the built-in list (names containing password, passwd, secret, token, key, auth,
    /// session, signature, credential).
    #[serde(default)]
    pub query_params: Vec<String>,
    /// Redact every query value, keeping only the names.
    #[serde(default)]
    pub all_query_values: bool,
    /// Replace e-mail addresses in logged values with `[EMAIL]`.
    #[serde(default = "yes")]
    pub mask_emails: bool,
    /// Replace card numbers (13 to 19 digits passing the Luhn check) with `[CARD]`.
    #[serde(default = "yes")]
    pub mask_card_numbers: bool,
}

fn yes() -> bool {
    true
}

impl Default for Redaction {
    fn default() -> Self {
        Redaction {
            query_params: Vec::new(),
            all_query_values: false,
            mask_emails: true,
            mask_card_numbers: true,
        }
    }
}

/// The local sink.
#[derive(Debug, Clone, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LocalSink {
    /// Publish each event as filter state `pavise.audit.event`, for an access log that writes
    /// `%FILTER_STATE(wasm.pavise.audit.event:PLAIN)%` to its own file.
    #[serde(default = "yes")]
    pub enabled: bool,
}

impl Default for LocalSink {
    fn default() -> Self {
        LocalSink { enabled: true }
    }
}

/// The HTTP sink.
#[derive(Debug, Clone, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct HttpSink {
    /// The Envoy cluster to POST to.
    pub cluster: String,
    /// The `:authority` of the POST (default: the cluster name).
    #[serde(default)]
    pub authority: Option<String>,
    /// The path, e.g. `/v1/logs` for an OpenTelemetry Collector.
    #[serde(default = "default_path")]
    pub path: String,
    /// `otlp` (OTLP/HTTP JSON logs) or `json_array` (a plain JSON array of events).
    #[serde(default)]
    pub format: SinkFormat,
    /// Most events in one POST.
    #[serde(default = "default_batch")]
    pub batch_max_events: u32,
    /// Longest an event waits before its batch is sent, in milliseconds.
    #[serde(default = "default_flush")]
    pub flush_interval_ms: u32,
    /// Most events held (waiting or in flight); past it events are dropped, or requests
    /// refused with `on_sink_failure: deny`.
    #[serde(default = "default_buffer")]
    pub buffer_max_events: u32,
    /// Timeout of one POST, in milliseconds.
    #[serde(default = "default_timeout")]
    pub timeout_ms: u32,
    /// First retry delay after a failed POST, doubled per failure up to `max_backoff_ms`.
    #[serde(default = "default_backoff")]
    pub initial_backoff_ms: u32,
    #[serde(default = "default_max_backoff")]
    pub max_backoff_ms: u32,
}

fn default_path() -> String {
    "/v1/logs".to_string()
}
fn default_batch() -> u32 {
    100
}
fn default_flush() -> u32 {
    1000
}
fn default_buffer() -> u32 {
    10_000
}
fn default_timeout() -> u32 {
    5000
}
fn default_backoff() -> u32 {
    200
}
fn default_max_backoff() -> u32 {
    10_000
}

/// The HTTP sink's body format.
#[derive(Debug, Clone, Copy, Default, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SinkFormat {
    /// OTLP/HTTP JSON (`ExportLogsServiceRequest`), for an OpenTelemetry Collector.
    #[default]
    Otlp,
    /// A JSON array of events, for a plain webhook.
    JsonArray,
}

/// What happens while the HTTP sink's buffer is full.
#[derive(Debug, Clone, Copy, Default, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum OnSinkFailure {
    /// Count and warn; traffic is unaffected and the events are lost.
    #[default]
    Drop,
    /// Answer 503 until there is room: no request goes unaudited.
    Deny,
}

impl Validate for AuditPolicy {
    fn validate(&self, at: &JsonPath, problems: &mut Problems) {
        if !(0.0..=1.0).contains(&self.sample_allowed) {
            problems.push(
                &at.field("sample_allowed"),
                "expected a share from 0.0 to 1.0",
            );
        }
        for (field, list) in [("include", &self.include), ("exclude", &self.exclude)] {
            for (i, m) in list.iter().enumerate() {
                m.validate(&at.field(field).index(i), problems);
            }
        }
        for (i, name) in self.redact.query_params.iter().enumerate() {
            if name.is_empty() {
                problems.push(
                    &at.field("redact").field("query_params").index(i),
                    "expected a parameter name",
                );
            }
        }
        if let Some(http) = &self.http {
            http.validate(&at.field("http"), problems);
        } else if self.on_sink_failure == OnSinkFailure::Deny {
            problems.push(
                &at.field("on_sink_failure"),
                "\"deny\" needs an \"http\" sink: only its buffer can be full",
            );
        }
        if !self.local.enabled && self.http.is_none() {
            problems.push(at, "no sink: enable \"local\" or configure \"http\"");
        }
    }
}

impl HttpSink {
    fn validate(&self, at: &JsonPath, problems: &mut Problems) {
        if self.cluster.is_empty() {
            problems.push(&at.field("cluster"), "expected an Envoy cluster name");
        }
        if !self.path.starts_with('/') {
            problems.push(&at.field("path"), "must start with '/'");
        }
        let positive = [
            ("batch_max_events", self.batch_max_events),
            ("flush_interval_ms", self.flush_interval_ms),
            ("buffer_max_events", self.buffer_max_events),
            ("timeout_ms", self.timeout_ms),
            ("initial_backoff_ms", self.initial_backoff_ms),
            ("max_backoff_ms", self.max_backoff_ms),
        ];
        for (field, value) in positive {
            if value == 0 {
                problems.push(&at.field(field), "must be greater than 0");
            }
        }
        if self.batch_max_events > self.buffer_max_events {
            problems.push(
                &at.field("batch_max_events"),
                "must not exceed \"buffer_max_events\"",
            );
        }
        if self.initial_backoff_ms > self.max_backoff_ms {
            problems.push(
                &at.field("initial_backoff_ms"),
                "must not exceed \"max_backoff_ms\"",
            );
        }
    }
}

/// The JSON Schema of [`AuditPolicy`], as checked in at `policies/schemas/audit.schema.json`.
pub fn schema() -> String {
    pavise_core::policy::policy_schema_json::<AuditPolicy>()
}

/// Parses and validates an audit policy.
pub fn parse(json: &[u8]) -> Result<AuditPolicy, pavise_core::policy::PolicyErrors> {
    pavise_core::policy::parse_policy(json)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(json: &str) -> String {
        match parse(json.as_bytes()) {
            Ok(_) => "ok".to_string(),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn empty_policy_logs_everything_locally() {
        let p = parse(b"{}").unwrap();
        assert_eq!(p.sample_allowed, 1.0);
        assert!(p.local.enabled);
        assert!(p.http.is_none());
        assert!(p.redact.mask_emails && p.redact.mask_card_numbers);
        assert_eq!(p.on_sink_failure, OnSinkFailure::Drop);
    }

    #[test]
    fn http_defaults() {
        let p = parse(br#"{"http": {"cluster": "otel"}}"#).unwrap();
        let h = p.http.unwrap();
        assert_eq!(h.path, "/v1/logs");
        assert_eq!(h.format, SinkFormat::Otlp);
        assert_eq!((h.batch_max_events, h.buffer_max_events), (100, 10_000));
    }

    #[test]
    fn bad_values_are_named() {
        assert_eq!(
            errors(r#"{"sample_allowed": 1.5}"#),
            "$.sample_allowed: expected a share from 0.0 to 1.0"
        );
        let e = errors(
            r#"{"http": {"cluster": "", "path": "logs", "batch_max_events": 50, "buffer_max_events": 10, "timeout_ms": 0}}"#,
        );
        assert!(
            e.contains("$.http.cluster: expected an Envoy cluster name"),
            "{e}"
        );
        assert!(e.contains("$.http.path: must start with '/'"), "{e}");
        assert!(
            e.contains("$.http.timeout_ms: must be greater than 0"),
            "{e}"
        );
        assert!(
            e.contains("$.http.batch_max_events: must not exceed \"buffer_max_events\""),
            "{e}"
        );
        assert_eq!(
            errors(r#"{"on_sink_failure": "deny"}"#),
            "$.on_sink_failure: \"deny\" needs an \"http\" sink: only its buffer can be full"
        );
        assert_eq!(
            errors(r#"{"local": {"enabled": false}}"#),
            "$: no sink: enable \"local\" or configure \"http\""
        );
        assert!(errors(r#"{"exclude": [{"path_prefix": "healthz"}]}"#)
            .starts_with("$.exclude[0].path_prefix: must start with '/'"));
        assert!(errors(r#"{"http": {"cluster": "x", "format": "xml"}}"#)
            .starts_with("$.http.format: unknown variant `xml`"));
        assert!(errors(r#"{"sinks": {}}"#).starts_with("$.sinks: unknown field `sinks`"));
    }

    /// `UPDATE_SCHEMAS=1 cargo test -p pavise-audit` regenerates the checked-in schemas.
    #[test]
    fn checked_in_schema_is_current() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../policies/schemas/audit.schema.json"
        );
        pavise_core::policy::check_schema_file(path, &schema(), "pavise-audit").unwrap();
    }

    #[test]
    fn example_policy_is_valid() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../policies/audit.example.json"
        );
        let text = std::fs::read(path).unwrap();
        if let Err(e) = parse(&text) {
            panic!("{path}: {e}");
        }
    }
}
