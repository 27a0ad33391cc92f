//! The API-key policy: its JSON shape and the rules serde alone cannot check.
//!
//! ```json
//! {
//!   "credentials": {"header": "x-api-key", "bearer": true},
//!   "keys": [
//!     {"id": "ci-2026-11", "client": "ci", "sha256": "<64 hex digits>",
//!      "not_after": "2027-01-01T00:00:00Z"},
//!     {"id": "ops-env", "client": "ops", "env": "PAVISE_KEY_OPS",
//!      "scope": {"methods": ["GET"], "path_prefixes": ["/api/"]}}
//!   ],
//!   "routes": [
//!     {"match": {"path_prefix": "/healthz"}, "access": "public"},
//!     {"match": {"path_prefix": "/admin/"}, "access": "authenticated", "clients": ["ops"]},
//!     {"match": {"path_prefix": "/"}, "access": "authenticated"}
//!   ]
//! }
//! ```

use pavise_core::policy::{JsonPath, Problems, Validate};
use pavise_core::readings::RoutingOptions;
use pavise_core::route::RouteMatch;
use pavise_core::timestamp::Timestamp;
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::HashSet;

/// Longest key accepted from a request or an environment variable, in bytes.
pub const MAX_KEY_BYTES: usize = 4096;

/// Shortest key accepted from an environment variable: 128 bits of hex.
pub const MIN_ENV_KEY_BYTES: usize = 32;

/// The API-key authentication policy.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyPolicy {
    /// Where a request may carry its key.
    #[serde(default)]
    pub credentials: CredentialSources,
    /// The keys that are accepted. Plaintext keys are refused.
    pub keys: Vec<ApiKeyEntry>,
    /// Access rules, first match wins; a request no rule matches is denied. Omitted: every
    /// request must be authenticated.
    #[serde(default = "default_routes")]
    pub routes: Vec<AuthRoute>,
    /// How `routes` and key scopes read request paths: case, and paths other servers could
    /// read as a different route.
    #[serde(default)]
    pub routing: RoutingOptions,
    /// Header set to the authenticated client's id for upstream, after removing any value the
    /// client sent.
    #[serde(default = "default_identity_header")]
    pub identity_header: String,
    /// Realm named in `WWW-Authenticate` challenges.
    #[serde(default = "default_realm")]
    pub realm: String,
}

/// Where a request may carry its key. Exactly one key may be presented.
#[derive(Debug, Clone, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CredentialSources {
    /// Request header holding the key (case-insensitive).
    #[serde(default = "default_key_header")]
    pub header: String,
    /// Also accept `Authorization: Bearer <key>`.
    #[serde(default)]
    pub bearer: bool,
    /// Also accept the key in this query parameter. Off by default: query strings end up in
    /// access logs and browser history. The parameter is removed before the request goes
    /// upstream.
    #[serde(default)]
    pub query_param: Option<String>,
}

impl Default for CredentialSources {
    fn default() -> Self {
        CredentialSources {
            header: default_key_header(),
            bearer: false,
            query_param: None,
        }
    }
}

/// One accepted key.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyEntry {
    /// Name of this key, unique in the policy; logged instead of the key.
    pub id: String,
    /// The client the key belongs to; sent upstream in the identity header. Several keys may
    /// share a client, e.g. while a key is being rotated.
    pub client: String,
    /// SHA-256 of the key, 64 hex digits (`printf %s "$KEY" | sha256sum`).
    #[serde(default)]
    pub sha256: Option<String>,
    /// Name of an environment variable holding the key, passed to the VM with
    /// `vm_config.environment_variables`. Its value is hashed at load and not kept.
    #[serde(default)]
    pub env: Option<String>,
    /// Not accepted before this instant.
    #[serde(default)]
    pub not_before: Option<Timestamp>,
    /// Not accepted from this instant on.
    #[serde(default)]
    pub not_after: Option<Timestamp>,
    /// What the key may do; omitted, anything its routes allow.
    #[serde(default)]
    pub scope: Option<KeyScope>,
    /// Refused: keys never appear in a policy in plaintext. Listed only so the error can say
    /// what to do instead (and never what the value was).
    #[serde(default)]
    #[schemars(skip)]
    pub key: Option<serde::de::IgnoredAny>,
}

/// Limits on what a key may be used for.
#[derive(Debug, Clone, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct KeyScope {
    /// Allowed methods, uppercase (`GET`, `POST`). Omitted: any.
    #[serde(default)]
    pub methods: Option<Vec<String>>,
    /// Allowed path prefixes, matched on whole segments. Omitted: any.
    #[serde(default)]
    pub path_prefixes: Option<Vec<String>>,
}

/// An access rule for part of the URL space.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthRoute {
    /// Which requests the rule covers.
    #[serde(rename = "match", default)]
    pub route: RouteMatch,
    /// What those requests need.
    pub access: Access,
    /// With `authenticated`: only these clients. Omitted: any client with a valid key.
    #[serde(default)]
    pub clients: Option<Vec<String>>,
}

/// What a route requires.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// No key needed (e.g. `/healthz`). Credentials sent anyway are still stripped.
    Public,
    /// A valid key is needed.
    Authenticated,
    /// Always refused with 403.
    Deny,
}

fn default_key_header() -> String {
    "x-api-key".to_string()
}

fn default_identity_header() -> String {
    "x-client-id".to_string()
}

fn default_realm() -> String {
    "pavise".to_string()
}

fn default_routes() -> Vec<AuthRoute> {
    vec![AuthRoute {
        route: RouteMatch::default(),
        access: Access::Authenticated,
        clients: None,
    }]
}

/// An HTTP header name Envoy will accept from a filter: a lowercase token, no pseudo-headers.
fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b"!#$%&'*+-.^_`|~".contains(&b)
        })
}

/// Ids and client names: they go into headers and logs, so keep them plain.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'@' | b':'))
}

fn is_env_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_uppercase() || b == b'_')
        && bytes.all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

fn is_method(m: &str) -> bool {
    !m.is_empty() && m.bytes().all(|b| b.is_ascii_uppercase())
}

impl Validate for ApiKeyPolicy {
    fn validate(&self, at: &JsonPath, problems: &mut Problems) {
        self.credentials
            .validate(&at.field("credentials"), problems);

        let identity = at.field("identity_header");
        if !is_header_name(&self.identity_header) {
            problems.push(&identity, "expected a lowercase HTTP header name");
        } else if self.identity_header == self.credentials.header {
            problems.push(&identity, "must differ from credentials.header");
        } else if self.identity_header == "authorization" {
            problems.push(&identity, "must not be 'authorization'");
        }
        if self.realm.is_empty()
            || !self
                .realm
                .bytes()
                .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
        {
            problems.push(
                &at.field("realm"),
                "expected printable ASCII without quotes or backslashes",
            );
        }

        let mut ids = HashSet::new();
        let mut digests = HashSet::new();
        let mut envs = HashSet::new();
        for (i, key) in self.keys.iter().enumerate() {
            let here = at.field("keys").index(i);
            key.validate(&here, problems);
            if !ids.insert(key.id.as_str()) {
                problems.push(&here.field("id"), format!("duplicate key id '{}'", key.id));
            }
            if let Some(d) = &key.sha256 {
                if !digests.insert(d.to_ascii_lowercase()) {
                    problems.push(
                        &here.field("sha256"),
                        "the same key is listed twice; a key must belong to one entry",
                    );
                }
            }
            if let Some(e) = &key.env {
                if !envs.insert(e.as_str()) {
                    problems.push(
                        &here.field("env"),
                        "the same environment variable is listed twice",
                    );
                }
            }
        }

        let clients: HashSet<&str> = self.keys.iter().map(|k| k.client.as_str()).collect();
        let mut needs_keys = false;
        for (i, route) in self.routes.iter().enumerate() {
            let here = at.field("routes").index(i);
            route.route.validate(&here.field("match"), problems);
            needs_keys |= route.access == Access::Authenticated;
            if let Some(list) = &route.clients {
                let list_at = here.field("clients");
                if route.access != Access::Authenticated {
                    problems.push(&list_at, "only an 'authenticated' route can name clients");
                }
                if list.is_empty() {
                    problems.push(
                        &list_at,
                        "an empty list would deny everyone; use \"access\": \"deny\"",
                    );
                }
                for (j, c) in list.iter().enumerate() {
                    if !clients.contains(c.as_str()) {
                        problems.push(&list_at.index(j), format!("no key belongs to client '{c}'"));
                    }
                }
            }
        }
        if needs_keys && self.keys.is_empty() {
            problems.push(
                &at.field("keys"),
                "an 'authenticated' route needs at least one key",
            );
        }
    }
}

impl CredentialSources {
    fn validate(&self, at: &JsonPath, problems: &mut Problems) {
        if !is_header_name(&self.header) {
            problems.push(&at.field("header"), "expected a lowercase HTTP header name");
        } else if self.header == "authorization" {
            problems.push(
                &at.field("header"),
                "use \"bearer\": true to read keys from the Authorization header",
            );
        }
        if let Some(q) = &self.query_param {
            if !is_plain_name(q) {
                problems.push(
                    &at.field("query_param"),
                    "expected a plain parameter name such as 'api_key'",
                );
            }
        }
    }
}

impl ApiKeyEntry {
    fn validate(&self, at: &JsonPath, problems: &mut Problems) {
        if self.key.is_some() {
            problems.push(
                &at.field("key"),
                "plaintext keys are not allowed in a policy: put the key's SHA-256 in \"sha256\" \
                 (pavise keygen prints both) or name an environment variable in \"env\"",
            );
        }
        if !is_plain_name(&self.id) {
            problems.push(
                &at.field("id"),
                "expected 1-64 characters of [A-Za-z0-9._:@-]",
            );
        }
        if !is_plain_name(&self.client) {
            problems.push(
                &at.field("client"),
                "expected 1-64 characters of [A-Za-z0-9._:@-]",
            );
        }
        match (&self.sha256, &self.env) {
            (Some(_), Some(_)) => problems.push(at, "give either \"sha256\" or \"env\", not both"),
            (None, None) if self.key.is_none() => problems.push(
                at,
                "give the key's \"sha256\" digest or an \"env\" variable name",
            ),
            _ => {}
        }
        if let Some(d) = &self.sha256 {
            // Never echo the value: someone may have pasted the key itself here.
            if d.len() != 64 || !d.bytes().all(|b| b.is_ascii_hexdigit()) {
                problems.push(&at.field("sha256"), "expected 64 hex characters");
            }
        }
        if let Some(e) = &self.env {
            if !is_env_name(e) {
                problems.push(
                    &at.field("env"),
                    "expected an environment variable name such as PAVISE_KEY_CI",
                );
            }
        }
        if let (Some(nb), Some(na)) = (self.not_before, self.not_after) {
            if nb >= na {
                problems.push(&at.field("not_after"), "must be later than not_before");
            }
        }
        if let Some(scope) = &self.scope {
            let s = at.field("scope");
            if let Some(methods) = &scope.methods {
                if methods.is_empty() {
                    problems.push(
                        &s.field("methods"),
                        "must not be empty; omit it to allow any",
                    );
                }
                for (i, m) in methods.iter().enumerate() {
                    if !is_method(m) {
                        problems.push(
                            &s.field("methods").index(i),
                            "expected an uppercase method name such as GET",
                        );
                    }
                }
            }
            if let Some(prefixes) = &scope.path_prefixes {
                if prefixes.is_empty() {
                    problems.push(
                        &s.field("path_prefixes"),
                        "must not be empty; omit it to allow any",
                    );
                }
                for (i, p) in prefixes.iter().enumerate() {
                    let rm = RouteMatch {
                        host: None,
                        path_prefix: p.clone(),
                    };
                    let mut sub = Problems::new();
                    rm.validate(&s.field("path_prefixes").index(i), &mut sub);
                    if let Err(errs) = sub.into_result() {
                        for e in errs.errors() {
                            // Report at the list element, not at a synthetic `.path_prefix`.
                            problems.push(&s.field("path_prefixes").index(i), e.reason.clone());
                        }
                    }
                }
            }
        }
    }
}

/// The JSON Schema of [`ApiKeyPolicy`], as checked in at `policies/schemas/auth.schema.json`.
pub fn schema() -> String {
    pavise_core::policy::policy_schema_json::<ApiKeyPolicy>()
}

/// Parses and validates an API-key policy.
pub fn parse(json: &[u8]) -> Result<ApiKeyPolicy, pavise_core::policy::PolicyErrors> {
    pavise_core::policy::parse_policy(json)
}

#[cfg(test)]
mod tests {
    use super::*;

    const D1: &str = "0000000000000000000000000000000000000000000000000000000000000001";
    const D2: &str = "0000000000000000000000000000000000000000000000000000000000000002";

    fn errors(json: &str) -> String {
        match parse(json.as_bytes()) {
            Ok(_) => String::from("ok"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn minimal_policy_defaults() {
        let p =
            parse(format!(r#"{{"keys":[{{"id":"a","client":"c","sha256":"{D1}"}}]}}"#).as_bytes())
                .unwrap();
        assert_eq!(p.credentials, CredentialSources::default());
        assert_eq!(p.identity_header, "x-client-id");
        assert_eq!(p.routes.len(), 1);
        assert_eq!(p.routes[0].access, Access::Authenticated);
    }

    #[test]
    fn bad_digest_is_named_by_path_without_echoing() {
        let e = errors(&format!(
            r#"{{"keys":[{{"id":"a","client":"c","sha256":"{D1}"}},{{"id":"b","client":"c","sha256":"{D2}"}},{{"id":"x","client":"c","sha256":"hunter2"}}]}}"#
        ));
        assert_eq!(e, "$.keys[2].sha256: expected 64 hex characters");
    }

    #[test]
    fn plaintext_key_is_refused_without_echoing() {
        let e = errors(r#"{"keys":[{"id":"a","client":"c","key":"s3cr3t-value"}]}"#);
        assert!(
            e.starts_with("$.keys[0].key: plaintext keys are not allowed"),
            "{e}"
        );
        assert!(!e.contains("s3cr3t"));
    }

    #[test]
    fn sha256_and_env_are_exclusive_and_one_is_required() {
        let e = errors(&format!(
            r#"{{"keys":[{{"id":"a","client":"c","sha256":"{D1}","env":"K"}}]}}"#
        ));
        assert_eq!(e, "$.keys[0]: give either \"sha256\" or \"env\", not both");
        let e = errors(r#"{"keys":[{"id":"a","client":"c"}]}"#);
        assert_eq!(
            e,
            "$.keys[0]: give the key's \"sha256\" digest or an \"env\" variable name"
        );
    }

    #[test]
    fn duplicates_are_refused() {
        let e = errors(&format!(
            r#"{{"keys":[{{"id":"a","client":"c","sha256":"{D1}"}},{{"id":"a","client":"d","sha256":"{}"}}]}}"#,
            D1.to_uppercase()
        ));
        assert!(e.contains("$.keys[1].id: duplicate key id 'a'"), "{e}");
        assert!(
            e.contains("$.keys[1].sha256: the same key is listed twice"),
            "{e}"
        );
    }

    #[test]
    fn env_names_validity_window_and_scope_are_checked() {
        let e = errors(
            r#"{"keys":[{"id":"a","client":"c","env":"lower","not_before":"2027-01-01T00:00:00Z","not_after":"2026-01-01T00:00:00Z","scope":{"methods":["get"],"path_prefixes":["api"]}}]}"#,
        );
        assert!(
            e.contains("$.keys[0].env: expected an environment variable name"),
            "{e}"
        );
        assert!(
            e.contains("$.keys[0].not_after: must be later than not_before"),
            "{e}"
        );
        assert!(
            e.contains("$.keys[0].scope.methods[0]: expected an uppercase method"),
            "{e}"
        );
        assert!(
            e.contains("$.keys[0].scope.path_prefixes[0]: must start with '/'"),
            "{e}"
        );
    }

    #[test]
    fn bad_timestamp_names_its_path() {
        let e = errors(&format!(
            r#"{{"keys":[{{"id":"a","client":"c","sha256":"{D1}","not_after":"soon"}}]}}"#
        ));
        assert!(
            e.starts_with("$.keys[0].not_after: expected an RFC 3339 timestamp"),
            "{e}"
        );
    }

    #[test]
    fn routes_are_checked() {
        let e = errors(&format!(
            r#"{{"keys":[{{"id":"a","client":"c","sha256":"{D1}"}}],"routes":[{{"match":{{"path_prefix":"x"}},"access":"public","clients":["c"]}},{{"access":"authenticated","clients":["nobody"]}},{{"access":"sometimes"}}]}}"#
        ));
        assert!(
            e.starts_with("$.routes[2].access: unknown variant `sometimes`"),
            "{e}"
        );
        let e = errors(&format!(
            r#"{{"keys":[{{"id":"a","client":"c","sha256":"{D1}"}}],"routes":[{{"match":{{"path_prefix":"x"}},"access":"public","clients":["c"]}},{{"access":"authenticated","clients":["nobody"]}}]}}"#
        ));
        assert!(
            e.contains("$.routes[0].match.path_prefix: must start with '/'"),
            "{e}"
        );
        assert!(
            e.contains("$.routes[0].clients: only an 'authenticated' route can name clients"),
            "{e}"
        );
        assert!(
            e.contains("$.routes[1].clients[0]: no key belongs to client 'nobody'"),
            "{e}"
        );
    }

    #[test]
    fn header_names_are_checked() {
        let e = errors(&format!(
            r#"{{"credentials":{{"header":"X Key"}},"identity_header":"x-client-id","keys":[{{"id":"a","client":"c","sha256":"{D1}"}}]}}"#
        ));
        assert_eq!(
            e,
            "$.credentials.header: expected a lowercase HTTP header name"
        );
        let e = errors(&format!(
            r#"{{"identity_header":"x-api-key","keys":[{{"id":"a","client":"c","sha256":"{D1}"}}]}}"#
        ));
        assert_eq!(e, "$.identity_header: must differ from credentials.header");
        let e = errors(&format!(
            r#"{{"credentials":{{"header":"authorization"}},"keys":[{{"id":"a","client":"c","sha256":"{D1}"}}]}}"#
        ));
        assert!(
            e.starts_with("$.credentials.header: use \"bearer\": true"),
            "{e}"
        );
    }

    #[test]
    fn authenticated_route_needs_keys_but_public_only_does_not() {
        assert_eq!(
            errors(r#"{"keys":[]}"#),
            "$.keys: an 'authenticated' route needs at least one key"
        );
        assert_eq!(
            errors(r#"{"keys":[],"routes":[{"access":"public"}]}"#),
            "ok"
        );
    }

    /// The checked-in schema is generated from these types; regenerate with
    /// `UPDATE_SCHEMAS=1 cargo test -p pavise-auth`.
    #[test]
    fn checked_in_schema_is_current() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../policies/schemas/auth.schema.json"
        );
        pavise_core::policy::check_schema_file(path, &schema(), "pavise-auth").unwrap();
    }

    #[test]
    fn example_policy_is_valid() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../policies/auth.example.json"
        );
        let text = std::fs::read(path).unwrap();
        if let Err(e) = parse(&text) {
            panic!("{path}: {e}");
        }
    }

    #[test]
    fn unknown_fields_are_refused() {
        let e = errors(&format!(
            r#"{{"keys":[{{"id":"a","client":"c","sha256":"{D1}","scopes":{{}}}}]}}"#
        ));
        assert!(
            e.starts_with("$.keys[0].scopes: unknown field `scopes`"),
            "{e}"
        );
    }
}
