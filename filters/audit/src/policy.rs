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
    /// session, signature, credential, jwt, otp, or equal to pwd, sig, code, pin). List the auth
    /// policy's `credentials.query_param` here when it is not such a name (the combined filter
    /// adds it itself, and a bundle that forgets it is refused).
    #[serde(default)]
    pub query_params: Vec<String>,
    /// Request headers that carry credentials (the auth policy's `credentials.header`): their
    /// values never reach an event. Events record no header but `user-agent`, which is left out
    /// when listed here.
    #[serde(default)]
    pub headers: Vec<String>,
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

/// The request headers an event records a value of; every other header never reaches one.
pub const LOGGED_HEADERS: [&str; 1] = ["user-agent"];

impl Redaction {
    /// Whether the value of query parameter `name` is redacted.
    pub fn redacts_query_param(&self, name: &str) -> bool {
        self.all_query_values
            || pavise_core::secrets::is_secret_name(name)
            || self
                .query_params
                .iter()
                .any(|p| p.eq_ignore_ascii_case(name))
    }

    /// Whether the value of request header `name` is kept out of events.
    pub fn redacts_header(&self, name: &str) -> bool {
        !LOGGED_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name))
            || self.headers.iter().any(|h| h.eq_ignore_ascii_case(name))
    }

    /// Adds credential locations (another filter's: the combined filter passes the auth
    /// policy's) so that their values are redacted too.
    pub fn add_credentials(&mut self, header: &str, query_param: Option<&str>) {
        if !self.redacts_header(header) {
            self.headers.push(header.to_string());
        }
        if let Some(q) = query_param {
            if !self.redacts_query_param(q) {
                self.query_params.push(q.to_string());
            }
        }
    }

    /// The credential locations (a key header, a key query parameter) whose values these
    /// rules would let into an event, each as the `redact` field to list it in and why.
    pub fn unredacted_credentials(
        &self,
        header: &str,
        query_param: Option<&str>,
    ) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if !self.redacts_header(header) {
            out.push((
                "headers",
                format!(
                    "the auth policy reads keys from header '{header}', which events record; \
                     list it here so no key reaches the audit log"
                ),
            ));
        }
        if let Some(q) = query_param.filter(|q| !self.redacts_query_param(q)) {
            out.push((
                "query_params",
                format!(
                    "the auth policy reads keys from query parameter '{q}'; list it here so no \
                     key reaches the audit log"
                ),
            ));
        }
        out
    }
}

impl Default for Redaction {
    fn default() -> Self {
        Redaction {
            query_params: Vec::new(),
            headers: Vec::new(),
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
    /// Longest wait between retries, also the cap on a collector's `Retry-After`.
    #[serde(default = "default_max_backoff")]
    pub max_backoff_ms: u32,
    /// Extra request headers on every POST, e.g. a collector's API key. A secret goes in an
    /// environment variable named by `env`, never in the policy.
    #[serde(default)]
    pub headers: Vec<SinkHeader>,
    /// OTLP resource attribute `service.name`.
    #[serde(default = "default_service_name")]
    pub service_name: String,
    /// OTLP resource attribute `service.instance.id` (e.g. `{"env": "POD_NAME"}`); omitted:
    /// not sent.
    #[serde(default)]
    pub service_instance_id: Option<ValueSource>,
}

/// A request header the HTTP sink sends with each batch.
#[derive(Debug, Clone, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SinkHeader {
    /// Lowercase header name, e.g. `authorization` or `x-api-key`.
    pub name: String,
    /// Where the value comes from.
    #[serde(flatten)]
    pub value: ValueSource,
    /// Text put before the value, e.g. `"Bearer "`.
    #[serde(default)]
    pub prefix: String,
}

/// A configured value: inline, or read at load from an environment variable that Envoy passes
/// to the VM (`vm_config.environment_variables.host_env_keys`; Istio: `vmConfig.env`).
#[derive(Debug, Clone, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ValueSource {
    /// The value itself; refused for a header whose name says it is secret.
    #[serde(default)]
    pub value: Option<String>,
    /// The name of the environment variable holding the value.
    #[serde(default)]
    pub env: Option<String>,
}

impl ValueSource {
    /// The value, reading the environment through `env` (the VM's, in a filter).
    pub fn resolve(&self, env: impl Fn(&str) -> Option<String>) -> Option<String> {
        match (&self.value, &self.env) {
            (Some(v), _) => Some(v.clone()),
            (None, Some(name)) => env(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty()),
            (None, None) => None,
        }
    }

    fn validate(&self, at: &JsonPath, problems: &mut Problems) {
        match (&self.value, &self.env) {
            (Some(_), Some(_)) => problems.push(at, "give either \"value\" or \"env\", not both"),
            (None, None) => problems.push(at, "give a \"value\" or an \"env\" variable name"),
            (None, Some(name)) if !is_env_name(name) => problems.push(
                &at.field("env"),
                "expected an environment variable name such as PAVISE_OTLP_TOKEN",
            ),
            _ => {}
        }
    }
}

/// The environment variables a policy reads (each must be passed into the VM).
impl AuditPolicy {
    pub fn env_keys(&self) -> Vec<String> {
        let Some(http) = &self.http else {
            return Vec::new();
        };
        http.headers
            .iter()
            .map(|h| &h.value)
            .chain(http.service_instance_id.as_ref())
            .filter_map(|v| v.env.clone())
            .collect()
    }
}

fn is_env_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_uppercase() || b == b'_')
        && bytes.all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b"!#$%&'*+-.^_`|~".contains(&b)
        })
}

/// Headers the sink sets itself or that belong to the connection, not to a batch.
const RESERVED_SINK_HEADERS: [&str; 7] = [
    "content-type",
    "content-length",
    "host",
    "connection",
    "transfer-encoding",
    "te",
    "upgrade",
];

fn default_service_name() -> String {
    "pavise".to_string()
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
        for (i, name) in self.redact.headers.iter().enumerate() {
            if !is_header_name(name) {
                problems.push(
                    &at.field("redact").field("headers").index(i),
                    "expected a lowercase HTTP header name",
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
        if self.service_name.is_empty() {
            problems.push(&at.field("service_name"), "expected a service name");
        }
        if let Some(id) = &self.service_instance_id {
            id.validate(&at.field("service_instance_id"), problems);
        }
        for (i, h) in self.headers.iter().enumerate() {
            let at = at.field("headers").index(i);
            if !is_header_name(&h.name) {
                problems.push(&at.field("name"), "expected a lowercase HTTP header name");
            } else if RESERVED_SINK_HEADERS.contains(&h.name.as_str()) {
                problems.push(
                    &at.field("name"),
                    "set by the sink itself; cannot be configured",
                );
            } else if h.value.value.is_some() && pavise_core::secrets::is_secret_name(&h.name) {
                problems.push(
                    &at.field("value"),
                    "a secret never goes in a policy in plaintext: put it in an environment \
                     variable and name it in \"env\"",
                );
                continue;
            }
            h.value.validate(&at, problems);
            if h.prefix.bytes().any(|b| b.is_ascii_control()) {
                problems.push(&at.field("prefix"), "control characters are not allowed");
            }
        }
        let mut seen = std::collections::HashSet::new();
        for (i, h) in self.headers.iter().enumerate() {
            if !seen.insert(h.name.as_str()) {
                problems.push(&at.field("headers").index(i).field("name"), "listed twice");
            }
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

    #[test]
    fn sink_headers_and_resource() {
        let p = parse(
            br#"{"http": {"cluster": "otel", "service_name": "edge", "service_instance_id": {"env": "POD_NAME"},
                "headers": [{"name": "authorization", "env": "OTLP_TOKEN", "prefix": "Bearer "},
                            {"name": "x-scope-orgid", "value": "tenant-a"}]}}"#,
        )
        .unwrap();
        let h = p.http.as_ref().unwrap();
        assert_eq!(h.service_name, "edge");
        assert_eq!(p.env_keys(), ["OTLP_TOKEN", "POD_NAME"]);
        let env = |n: &str| (n == "OTLP_TOKEN").then(|| " s3cr3t\n".to_string());
        assert_eq!(h.headers[0].value.resolve(env).as_deref(), Some("s3cr3t"));
        assert_eq!(h.headers[1].value.resolve(env).as_deref(), Some("tenant-a"));
        assert_eq!(h.service_instance_id.as_ref().unwrap().resolve(env), None);
        assert_eq!(parse(b"{}").unwrap().env_keys(), Vec::<String>::new());
        assert_eq!(
            parse(br#"{"http": {"cluster": "otel"}}"#)
                .unwrap()
                .http
                .unwrap()
                .service_name,
            "pavise"
        );
    }

    #[test]
    fn bad_sink_headers_are_named() {
        let e = errors(
            r#"{"http": {"cluster": "o", "headers": [
                {"name": "x-api-key", "value": "plaintext"},
                {"name": "Bad Name", "value": "v"},
                {"name": "content-type", "value": "v"},
                {"name": "x-a", "value": "v", "env": "A"},
                {"name": "x-b"},
                {"name": "x-c", "env": "lower"},
                {"name": "x-a", "value": "v"}]}}"#,
        );
        for expected in [
            "$.http.headers[0].value: a secret never goes in a policy in plaintext",
            "$.http.headers[1].name: expected a lowercase HTTP header name",
            "$.http.headers[2].name: set by the sink itself",
            "$.http.headers[3]: give either \"value\" or \"env\", not both",
            "$.http.headers[4]: give a \"value\" or an \"env\" variable name",
            "$.http.headers[5].env: expected an environment variable name",
            "$.http.headers[6].name: listed twice",
        ] {
            assert!(e.contains(expected), "{expected} not in {e}");
        }
        assert!(!e.contains("plaintext\""), "the value is never echoed: {e}");
        assert_eq!(
            errors(r#"{"redact": {"headers": ["X-Api-Key"]}}"#),
            "$.redact.headers[0]: expected a lowercase HTTP header name"
        );
    }

    /// The auth policy's credential locations: which are redacted already, and adding them.
    #[test]
    fn credential_locations() {
        let mut r = Redaction::default();
        // Secret-sounding names and headers events never record are covered by default.
        assert!(r
            .unredacted_credentials("x-api-key", Some("api_key"))
            .is_empty());
        assert!(r.unredacted_credentials("x-api-key", None).is_empty());
        let missing = r.unredacted_credentials("user-agent", Some("access"));
        let fields: Vec<&str> = missing.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["headers", "query_params"]);
        assert!(missing[1].1.contains("'access'"), "{}", missing[1].1);
        r.add_credentials("user-agent", Some("access"));
        assert!(r
            .unredacted_credentials("user-agent", Some("access"))
            .is_empty());
        assert_eq!((r.headers.len(), r.query_params.len()), (1, 1));
        r.add_credentials("user-agent", Some("ACCESS"));
        assert_eq!(
            (r.headers.len(), r.query_params.len()),
            (1, 1),
            "no duplicates"
        );
        let all = Redaction {
            all_query_values: true,
            ..Redaction::default()
        };
        assert!(all
            .unredacted_credentials("x-api-key", Some("access"))
            .is_empty());
    }
}
