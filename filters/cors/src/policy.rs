//! The CORS policy: its JSON shape and the rules serde alone cannot check.
//!
//! ```json
//! {
//!   "mode": "enforce",
//!   "security_headers": {"content_type_options": true, "frame_options": "DENY"},
//!   "routes": [
//!     {"name": "api", "match": {"host": "api.example.com", "path_prefix": "/v1/"},
//!      "allow_origins": ["https://app.example.com", "https://*.app.example.com"],
//!      "allow_origin_ports": [{"origin": "http://localhost", "ports": [3000, 5173]}],
//!      "allow_methods": ["GET", "POST", "PUT", "DELETE"],
//!      "allow_headers": ["content-type", "x-csrf-token"],
//!      "expose_headers": ["x-request-id"],
//!      "allow_credentials": true,
//!      "max_age": 600}
//!   ]
//! }
//! ```
//!
//! Contradictions are refused with the JSON path of the field at fault: `*` with credentials,
//! an origin with a path, an invalid regex, a negative `max_age`.

use crate::origin::{OriginPattern, PatternError};
use pavise_core::headers::is_token;
use pavise_core::policy::{JsonPath, Problems, Validate};
use pavise_core::readings::RoutingOptions;
use pavise_core::route::RouteMatch;
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::HashSet;

/// Longest `max_age` accepted, in seconds. Browsers cap it lower (Chromium 2 h, Firefox 24 h).
pub const MAX_MAX_AGE: i64 = 86_400;

/// The CORS policy.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CorsPolicy {
    /// What to do with a cross-origin request the policy does not allow: refuse it with 403
    /// (`enforce`), or let it through without CORS headers and count it (`report`).
    #[serde(default)]
    pub mode: Mode,
    /// Take the request's own scheme from `x-forwarded-proto` instead of Envoy's `:scheme`, to
    /// recognise same-origin requests behind a TLS-terminating load balancer. Only when that
    /// balancer overwrites the header.
    #[serde(default)]
    pub trust_forwarded_proto: bool,
    /// Browser security headers added to every response; a route may give its own.
    #[serde(default)]
    pub security_headers: Option<SecurityHeaders>,
    /// CORS rules, first match wins. A cross-origin request no rule matches is not allowed.
    pub routes: Vec<CorsRoute>,
    /// How `routes` read request paths: case, and paths other servers could read as a
    /// different route.
    #[serde(default)]
    pub routing: RoutingOptions,
}

/// Refuse or report.
#[derive(Debug, Clone, Copy, Default, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Answer a disallowed cross-origin request with 403.
    #[default]
    Enforce,
    /// Let it through without CORS headers (the browser then blocks it) and count it.
    Report,
}

/// The CORS rule for part of the URL space.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CorsRoute {
    /// Names this route in metrics (`pavise_cors_route_requests_total{route="<name>"}`): 1-32 of
    /// `[a-z0-9_]`.
    #[serde(default)]
    pub name: Option<String>,
    /// Which requests the rule covers.
    #[serde(rename = "match", default)]
    pub route: RouteMatch,
    /// Overrides the policy's `mode` for this route.
    #[serde(default)]
    pub mode: Option<Mode>,
    /// Allowed origins: `https://app.example.com` (exact; default port optional),
    /// `https://*.example.com` (strict subdomains), or `*` alone for any origin.
    #[serde(default)]
    pub allow_origins: Vec<String>,
    /// An origin (exact or wildcard) without its port, allowed on each listed port.
    #[serde(default)]
    pub allow_origin_ports: Vec<OriginPorts>,
    /// Regexes over the whole normalised origin (`https://host[:port]`, lowercase, default port
    /// omitted); anchored at both ends, case-insensitive, ASCII.
    #[serde(default)]
    pub allow_origin_regexes: Vec<String>,
    /// Allow `Origin: null` (sandboxed frames, `file:` pages). Any site can produce it.
    #[serde(default)]
    pub allow_null_origin: bool,
    /// Methods a preflight may ask for, case-sensitive as browsers send them; `*` for any.
    #[serde(default = "default_methods")]
    pub allow_methods: Vec<String>,
    /// Request headers a preflight may ask for, case-insensitive; `*` for any.
    #[serde(default)]
    pub allow_headers: Vec<String>,
    /// Response headers scripts may read besides the safelisted ones; `*` for all (without
    /// credentials).
    #[serde(default)]
    pub expose_headers: Vec<String>,
    /// Let browsers send cookies and read the response (`Access-Control-Allow-Credentials`).
    #[serde(default)]
    pub allow_credentials: bool,
    /// How long a browser may cache a preflight answer, in seconds. Omitted: browser default.
    #[serde(default)]
    pub max_age: Option<i64>,
    /// Answer Private Network Access preflights
    /// (`Access-Control-Request-Private-Network: true`) with permission.
    #[serde(default)]
    pub allow_private_network: bool,
    /// Replaces the policy's `security_headers` on this route.
    #[serde(default)]
    pub security_headers: Option<SecurityHeaders>,
}

/// One origin on a list of ports.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OriginPorts {
    /// `http://localhost` or `https://*.dev.example.com`, without a port.
    pub origin: String,
    /// Ports 1-65535.
    pub ports: Vec<u32>,
}

/// Browser security headers. Each is added unless the upstream response already has it.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SecurityHeaders {
    /// `Strict-Transport-Security`, e.g. `max-age=63072000; includeSubDomains`.
    #[serde(default)]
    pub strict_transport_security: Option<String>,
    /// `X-Content-Type-Options: nosniff`.
    #[serde(default)]
    pub content_type_options: bool,
    /// `X-Frame-Options`: `DENY` or `SAMEORIGIN`.
    #[serde(default)]
    pub frame_options: Option<String>,
    /// `Content-Security-Policy`.
    #[serde(default)]
    pub content_security_policy: Option<String>,
    /// `Referrer-Policy`, e.g. `no-referrer` or `strict-origin-when-cross-origin`.
    #[serde(default)]
    pub referrer_policy: Option<String>,
    /// `Permissions-Policy`, e.g. `camera=(), microphone=()`.
    #[serde(default)]
    pub permissions_policy: Option<String>,
    /// Replace a value the upstream set instead of keeping it.
    #[serde(default)]
    pub override_upstream: bool,
}

impl SecurityHeaders {
    /// The configured headers as (lowercase name, value), in a fixed order.
    pub fn headers(&self) -> Vec<(&'static str, &str)> {
        let mut out = Vec::new();
        if let Some(v) = &self.strict_transport_security {
            out.push(("strict-transport-security", v.as_str()));
        }
        if self.content_type_options {
            out.push(("x-content-type-options", "nosniff"));
        }
        for (name, value) in [
            ("x-frame-options", &self.frame_options),
            ("content-security-policy", &self.content_security_policy),
            ("referrer-policy", &self.referrer_policy),
            ("permissions-policy", &self.permissions_policy),
        ] {
            if let Some(v) = value {
                out.push((name, v.as_str()));
            }
        }
        out
    }
}

fn default_methods() -> Vec<String> {
    ["GET", "HEAD", "POST"].map(String::from).to_vec()
}

/// The methods browsers normalise to uppercase (Fetch "normalize a method"); any other method,
/// `PATCH` included, is sent exactly as the page wrote it.
pub const NORMALISED_METHODS: [&str; 6] = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];

/// A value Envoy will accept in a response header: visible ASCII and spaces, no control bytes.
fn is_header_value(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|b| b == b' ' || b.is_ascii_graphic())
        && !s.starts_with(' ')
        && !s.ends_with(' ')
}

fn is_route_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 32
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

const REFERRER_POLICIES: [&str; 8] = [
    "no-referrer",
    "no-referrer-when-downgrade",
    "origin",
    "origin-when-cross-origin",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
    "unsafe-url",
];

impl Validate for CorsPolicy {
    fn validate(&self, at: &JsonPath, problems: &mut Problems) {
        if let Some(s) = &self.security_headers {
            s.validate(&at.field("security_headers"), problems);
        }
        let mut names = HashSet::new();
        for (i, route) in self.routes.iter().enumerate() {
            let here = at.field("routes").index(i);
            route.validate(&here, problems);
            if let Some(name) = &route.name {
                if !names.insert(name.as_str()) {
                    problems.push(
                        &here.field("name"),
                        format!("duplicate route name '{name}'"),
                    );
                }
            }
        }
    }
}

impl CorsRoute {
    /// Whether `*` is among the allowed origins.
    pub fn allows_any_origin(&self) -> bool {
        self.allow_origins.iter().any(|o| o == "*")
    }

    fn validate(&self, at: &JsonPath, problems: &mut Problems) {
        if let Some(name) = &self.name {
            if !is_route_name(name) {
                problems.push(&at.field("name"), "expected 1-32 characters of [a-z0-9_]");
            }
        }
        self.route.validate(&at.field("match"), problems);
        self.validate_origins(at, problems);
        self.validate_lists(at, problems);
        if let Some(age) = self.max_age {
            if age < 0 {
                problems.push(&at.field("max_age"), "must not be negative");
            } else if age > MAX_MAX_AGE {
                problems.push(
                    &at.field("max_age"),
                    format!("must be at most {MAX_MAX_AGE} seconds (browsers cap it lower)"),
                );
            }
        }
        if let Some(s) = &self.security_headers {
            s.validate(&at.field("security_headers"), problems);
        }
    }

    fn validate_origins(&self, at: &JsonPath, problems: &mut Problems) {
        let origins_at = at.field("allow_origins");
        for (i, text) in self.allow_origins.iter().enumerate() {
            if text == "*" {
                if self.allow_credentials {
                    problems.push(
                        &origins_at.index(i),
                        "'*' cannot be combined with \"allow_credentials\": browsers refuse \
                         credentials for a wildcard origin; list the origins instead",
                    );
                }
                if self.allow_origins.len() > 1
                    || !self.allow_origin_ports.is_empty()
                    || !self.allow_origin_regexes.is_empty()
                    || self.allow_null_origin
                {
                    problems.push(
                        &origins_at.index(i),
                        "'*' allows every origin: list no other origins beside it",
                    );
                }
                continue;
            }
            if let Err(e) = OriginPattern::parse(text) {
                problems.push(&origins_at.index(i), pattern_reason(text, &e));
            }
        }
        for (i, entry) in self.allow_origin_ports.iter().enumerate() {
            let here = at.field("allow_origin_ports").index(i);
            if entry.ports.is_empty() {
                problems.push(&here.field("ports"), "must list at least one port");
            }
            for (j, port) in entry.ports.iter().enumerate() {
                if *port == 0 || *port > u32::from(u16::MAX) {
                    problems.push(&here.field("ports").index(j), "expected 1 to 65535");
                }
            }
            if let Err(e) = OriginPattern::with_ports(&entry.origin, &[]) {
                problems.push(&here.field("origin"), pattern_reason(&entry.origin, &e));
            }
        }
        for (i, pattern) in self.allow_origin_regexes.iter().enumerate() {
            if let Err(e) = OriginPattern::regex(pattern) {
                problems.push(&at.field("allow_origin_regexes").index(i), e.to_string());
            }
        }
    }

    fn validate_lists(&self, at: &JsonPath, problems: &mut Problems) {
        let methods_at = at.field("allow_methods");
        for (i, m) in self.allow_methods.iter().enumerate() {
            if m == "*" {
                continue;
            }
            if !is_token(m) {
                problems.push(&methods_at.index(i), "expected an HTTP method such as PUT");
            } else if let Some(norm) = NORMALISED_METHODS
                .iter()
                .find(|n| n.eq_ignore_ascii_case(m) && **n != m)
            {
                problems.push(
                    &methods_at.index(i),
                    format!("write '{norm}': browsers send this method in uppercase"),
                );
            }
        }
        for (field, list) in [
            ("allow_headers", &self.allow_headers),
            ("expose_headers", &self.expose_headers),
        ] {
            for (i, h) in list.iter().enumerate() {
                if h != "*" && !is_token(h) {
                    problems.push(&at.field(field).index(i), "expected an HTTP header name");
                }
            }
        }
        if self.allow_credentials && self.expose_headers.iter().any(|h| h == "*") {
            problems.push(
                &at.field("expose_headers"),
                "'*' means every header only without credentials; with \"allow_credentials\" \
                 browsers read it as a header named '*': list the headers instead",
            );
        }
    }
}

fn pattern_reason(text: &str, e: &PatternError) -> String {
    match e {
        PatternError::Origin(crate::origin::OriginError::HasPath) => {
            let bare = text
                .split_once("://")
                .map(|(s, rest)| {
                    let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
                    format!("{s}://{host}")
                })
                .unwrap_or_default();
            format!("an origin has no path, query or fragment: write '{bare}'")
        }
        other => other.to_string(),
    }
}

impl SecurityHeaders {
    fn validate(&self, at: &JsonPath, problems: &mut Problems) {
        if let Some(v) = &self.strict_transport_security {
            let at = at.field("strict_transport_security");
            let max_age_ok = v
                .split(';')
                .next()
                .and_then(|d| d.trim().strip_prefix("max-age="))
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
            if !is_header_value(v) {
                problems.push(&at, "expected printable ASCII");
            } else if !max_age_ok {
                problems.push(&at, "must start with max-age=<seconds>");
            }
        }
        if let Some(v) = &self.frame_options {
            if v != "DENY" && v != "SAMEORIGIN" {
                problems.push(&at.field("frame_options"), "expected DENY or SAMEORIGIN");
            }
        }
        if let Some(v) = &self.referrer_policy {
            let valid =
                !v.is_empty() && v.split(',').all(|p| REFERRER_POLICIES.contains(&p.trim()));
            if !valid {
                problems.push(
                    &at.field("referrer_policy"),
                    format!("expected one of {}", REFERRER_POLICIES.join(", ")),
                );
            }
        }
        for (field, value) in [
            ("content_security_policy", &self.content_security_policy),
            ("permissions_policy", &self.permissions_policy),
        ] {
            if let Some(v) = value {
                if !is_header_value(v) {
                    problems.push(&at.field(field), "expected printable ASCII");
                }
            }
        }
    }
}

/// The JSON Schema of [`CorsPolicy`], as checked in at `policies/schemas/cors.schema.json`.
pub fn schema() -> String {
    pavise_core::policy::policy_schema_json::<CorsPolicy>()
}

/// Parses and validates a CORS policy.
pub fn parse(json: &[u8]) -> Result<CorsPolicy, pavise_core::policy::PolicyErrors> {
    pavise_core::policy::parse_policy(json)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(json: &str) -> String {
        match parse(json.as_bytes()) {
            Ok(_) => String::from("ok"),
            Err(e) => e.to_string(),
        }
    }

    fn route_errors(route: &str) -> String {
        errors(&format!(r#"{{"routes":[{route}]}}"#))
    }

    #[test]
    fn minimal_policy_defaults() {
        let p = parse(br#"{"routes":[{"allow_origins":["https://a.test"]}]}"#).unwrap();
        assert_eq!(p.mode, Mode::Enforce);
        assert!(!p.trust_forwarded_proto);
        let r = &p.routes[0];
        assert_eq!(r.allow_methods, ["GET", "HEAD", "POST"]);
        assert!(!r.allow_credentials);
        assert_eq!(r.route, RouteMatch::default());
        assert_eq!(r.max_age, None);
    }

    #[test]
    fn wildcard_origin_with_credentials_is_a_contradiction() {
        assert_eq!(
            route_errors(r#"{"allow_origins":["*"],"allow_credentials":true}"#),
            "$.routes[0].allow_origins[0]: '*' cannot be combined with \"allow_credentials\": \
             browsers refuse credentials for a wildcard origin; list the origins instead"
        );
        assert_eq!(
            route_errors(r#"{"allow_origins":["https://a.test","*"]}"#),
            "$.routes[0].allow_origins[1]: '*' allows every origin: list no other origins beside it"
        );
        assert_eq!(route_errors(r#"{"allow_origins":["*"]}"#), "ok");
    }

    #[test]
    fn origin_with_path_names_the_fix() {
        assert_eq!(
            route_errors(r#"{"allow_origins":["https://a.test","https://app.test/login"]}"#),
            "$.routes[0].allow_origins[1]: an origin has no path, query or fragment: write 'https://app.test'"
        );
        let e = route_errors(r#"{"allow_origins":["https://app.test/"]}"#);
        assert!(e.ends_with("write 'https://app.test'"), "{e}");
    }

    #[test]
    fn bad_origins_and_wildcards() {
        let e = route_errors(
            r#"{"allow_origins":["app.test","https://u@app.test","https://*app.test","null"]}"#,
        );
        assert!(
            e.contains("$.routes[0].allow_origins[0]: expected scheme://host[:port]"),
            "{e}"
        );
        assert!(
            e.contains("$.routes[0].allow_origins[1]: an origin has no user name"),
            "{e}"
        );
        assert!(
            e.contains(
                "$.routes[0].allow_origins[2]: '*' may only stand for whole leftmost labels"
            ),
            "{e}"
        );
        assert!(
            e.contains("$.routes[0].allow_origins[3]: use \"allow_null_origin\": true"),
            "{e}"
        );
    }

    #[test]
    fn invalid_regex_is_named() {
        let e = route_errors(r#"{"allow_origin_regexes":["https://ok\\.test","https://(x"]}"#);
        assert!(
            e.starts_with("$.routes[0].allow_origin_regexes[1]: invalid regex: "),
            "{e}"
        );
        assert!(!e.contains('\n'));
    }

    #[test]
    fn negative_and_huge_max_age() {
        assert_eq!(
            route_errors(r#"{"max_age":-1}"#),
            "$.routes[0].max_age: must not be negative"
        );
        assert!(route_errors(r#"{"max_age":86401}"#)
            .starts_with("$.routes[0].max_age: must be at most"));
        assert_eq!(route_errors(r#"{"max_age":0}"#), "ok");
    }

    #[test]
    fn port_lists_are_checked() {
        let e = route_errors(
            r#"{"allow_origin_ports":[{"origin":"http://localhost:3000","ports":[]},{"origin":"http://x.test","ports":[0,70000,8080]}]}"#,
        );
        assert!(
            e.contains("$.routes[0].allow_origin_ports[0].ports: must list at least one port"),
            "{e}"
        );
        assert!(
            e.contains("$.routes[0].allow_origin_ports[0].origin: leave the port out"),
            "{e}"
        );
        assert!(
            e.contains("$.routes[0].allow_origin_ports[1].ports[0]: expected 1 to 65535"),
            "{e}"
        );
        assert!(
            e.contains("$.routes[0].allow_origin_ports[1].ports[1]: expected 1 to 65535"),
            "{e}"
        );
        assert!(!e.contains("ports[2]"), "{e}");
    }

    #[test]
    fn methods_headers_and_exposed_headers() {
        let e = route_errors(
            r#"{"allow_methods":["get","PATCH","patch","BAD METHOD"],"allow_headers":["x ok"],"expose_headers":["*"],"allow_credentials":true,"allow_origins":["https://a.test"]}"#,
        );
        assert!(
            e.contains(
                "$.routes[0].allow_methods[0]: write 'GET': browsers send this method in uppercase"
            ),
            "{e}"
        );
        assert!(!e.contains("allow_methods[1]"), "{e}");
        assert!(
            !e.contains("allow_methods[2]"),
            "PATCH is sent as written: {e}"
        );
        assert!(
            e.contains("$.routes[0].allow_methods[3]: expected an HTTP method"),
            "{e}"
        );
        assert!(
            e.contains("$.routes[0].allow_headers[0]: expected an HTTP header name"),
            "{e}"
        );
        assert!(
            e.contains(
                "$.routes[0].expose_headers: '*' means every header only without credentials"
            ),
            "{e}"
        );
    }

    #[test]
    fn route_names_and_matches() {
        let e = errors(
            r#"{"routes":[{"name":"api"},{"name":"api"},{"name":"Bad-Name","match":{"path_prefix":"x"}}]}"#,
        );
        assert!(
            e.contains("$.routes[1].name: duplicate route name 'api'"),
            "{e}"
        );
        assert!(
            e.contains("$.routes[2].name: expected 1-32 characters of [a-z0-9_]"),
            "{e}"
        );
        assert!(
            e.contains("$.routes[2].match.path_prefix: must start with '/'"),
            "{e}"
        );
    }

    #[test]
    fn security_headers_are_checked() {
        let e = errors(
            r#"{"security_headers":{"strict_transport_security":"includeSubDomains","frame_options":"ALLOW-FROM x","referrer_policy":"sometimes","content_security_policy":"default-src\n'self'"},"routes":[]}"#,
        );
        assert!(
            e.contains(
                "$.security_headers.strict_transport_security: must start with max-age=<seconds>"
            ),
            "{e}"
        );
        assert!(
            e.contains("$.security_headers.frame_options: expected DENY or SAMEORIGIN"),
            "{e}"
        );
        assert!(
            e.contains("$.security_headers.referrer_policy: expected one of"),
            "{e}"
        );
        assert!(
            e.contains("$.security_headers.content_security_policy: expected printable ASCII"),
            "{e}"
        );
        let e = route_errors(r#"{"security_headers":{"frame_options":"deny"}}"#);
        assert_eq!(
            e,
            "$.routes[0].security_headers.frame_options: expected DENY or SAMEORIGIN"
        );
        assert_eq!(
            errors(
                r#"{"security_headers":{"strict_transport_security":"max-age=63072000; includeSubDomains","referrer_policy":"no-referrer, strict-origin-when-cross-origin"},"routes":[]}"#
            ),
            "ok"
        );
    }

    #[test]
    fn unknown_fields_and_modes() {
        assert!(route_errors(r#"{"allow_origin":["https://a.test"]}"#)
            .starts_with("$.routes[0].allow_origin: unknown field `allow_origin`"));
        assert!(errors(r#"{"mode":"audit","routes":[]}"#)
            .starts_with("$.mode: unknown variant `audit`"));
        assert!(errors(r#"{}"#).starts_with("$: missing field `routes`"));
    }

    /// The checked-in schema is generated from these types; regenerate with
    /// `UPDATE_SCHEMAS=1 cargo test -p pavise-cors`.
    #[test]
    fn checked_in_schema_is_current() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../policies/schemas/cors.schema.json"
        );
        pavise_core::policy::check_schema_file(path, &schema(), "pavise-cors").unwrap();
    }

    #[test]
    fn example_policies_are_valid() {
        for name in [
            "cors.example.json",
            "cors.spa.example.json",
            "cors.public-api.example.json",
        ] {
            let path = format!("{}/../../policies/{name}", env!("CARGO_MANIFEST_DIR"));
            let text = std::fs::read(&path).unwrap();
            if let Err(e) = parse(&text) {
                panic!("{path}: {e}");
            }
        }
    }
}
