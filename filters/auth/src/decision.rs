//! The per-request decision: route, credential, key, validity window, scope, client list.
//!
//! [`Authenticator::decide`] takes the request headers and the current time and returns an
//! [`AuthDecision`]. It never touches the proxy: the filter applies the decision's header edits
//! or sends the rendered denial.

use crate::credential::{carries_bearer, carries_query_key, presented_key, Presented};
use crate::keyring::Keyring;
use crate::policy::{Access, ApiKeyEntry, ApiKeyPolicy};
use pavise_core::denial::Denial;
use pavise_core::headers::{HeaderEdit, HeaderList};
use pavise_core::path::remove_query_param;
use pavise_core::policy::PolicyErrors;
use pavise_core::readings::{ambiguous_path_denial, AmbiguousPaths, PathReadings};
use pavise_core::route::{first_match_with, prefix_matches_with};

/// Why a request was refused. Each reason has its own counter series
/// (`pavise_auth_requests_total{decision="denied",reason}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DenyReason {
    /// No key in any enabled source. 401.
    Missing,
    /// A key that matches no entry. 401.
    Unknown,
    /// A known key past its `not_after`. 401.
    Expired,
    /// A known key before its `not_before`. 401.
    NotYetValid,
    /// A repeated credential header or parameter, or two different keys. 401.
    Ambiguous,
    /// A valid key used outside its scope (method or path). 403.
    OutOfScope,
    /// A valid key whose client the route does not admit. 403.
    ClientNotAllowed,
    /// A route with `"access": "deny"`. 403.
    RouteDenied,
    /// No route matches the request: default deny. 403.
    NoRoute,
    /// A path other servers could read as a path under a different route
    /// (`routing.ambiguous_paths: "refuse"`). 400.
    AmbiguousPath,
}

impl DenyReason {
    pub const ALL: [DenyReason; 10] = [
        DenyReason::Missing,
        DenyReason::Unknown,
        DenyReason::Expired,
        DenyReason::NotYetValid,
        DenyReason::Ambiguous,
        DenyReason::OutOfScope,
        DenyReason::ClientNotAllowed,
        DenyReason::RouteDenied,
        DenyReason::NoRoute,
        DenyReason::AmbiguousPath,
    ];

    /// The name in logs and metric names.
    pub fn as_str(self) -> &'static str {
        match self {
            DenyReason::Missing => "missing",
            DenyReason::Unknown => "unknown",
            DenyReason::Expired => "expired",
            DenyReason::NotYetValid => "not_yet_valid",
            DenyReason::Ambiguous => "ambiguous",
            DenyReason::OutOfScope => "out_of_scope",
            DenyReason::ClientNotAllowed => "client_not_allowed",
            DenyReason::RouteDenied => "route_denied",
            DenyReason::NoRoute => "no_route",
            DenyReason::AmbiguousPath => "ambiguous_path",
        }
    }

    pub fn status(self) -> u16 {
        match self {
            DenyReason::Missing
            | DenyReason::Unknown
            | DenyReason::Expired
            | DenyReason::NotYetValid
            | DenyReason::Ambiguous => 401,
            DenyReason::OutOfScope
            | DenyReason::ClientNotAllowed
            | DenyReason::RouteDenied
            | DenyReason::NoRoute => 403,
            DenyReason::AmbiguousPath => 400,
        }
    }

    /// Code and message for the client. Unknown, expired and not-yet-valid keys read the same:
    /// the client learns only that its key is not accepted, not whether it ever was.
    fn code_and_message(self) -> (&'static str, &'static str) {
        match self {
            DenyReason::Missing => ("missing_credentials", "an API key is required"),
            DenyReason::Unknown | DenyReason::Expired | DenyReason::NotYetValid => {
                ("invalid_credentials", "the API key is not valid")
            }
            DenyReason::Ambiguous => (
                "ambiguous_credentials",
                "exactly one API key must be presented",
            ),
            DenyReason::OutOfScope | DenyReason::ClientNotAllowed => {
                ("forbidden", "the API key does not permit this request")
            }
            DenyReason::RouteDenied | DenyReason::NoRoute => {
                ("forbidden", "this request is not permitted")
            }
            DenyReason::AmbiguousPath => {
                let d = ambiguous_path_denial();
                (d.code, d.message)
            }
        }
    }
}

/// The request may proceed, after these edits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowed<'a> {
    /// The authenticated client; `None` on a public route.
    pub client: Option<String>,
    /// Id of the key that matched; `None` on a public route.
    pub key_id: Option<String>,
    /// Strip credentials and spoofed identity, then set the identity header.
    pub edits: Vec<HeaderEdit<'a>>,
}

/// The request is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub reason: DenyReason,
    /// Id of the key that matched, when one did (expired, out of scope, client not allowed).
    pub key_id: Option<String>,
    /// Fingerprint of the presented key's digest when it matched nothing.
    pub key_fingerprint: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthDecision<'a> {
    Allow(Allowed<'a>),
    Deny(Refused),
}

/// A loaded policy, ready to decide requests.
#[derive(Debug, Clone)]
pub struct Authenticator {
    policy: ApiKeyPolicy,
    keyring: Keyring,
}

impl Authenticator {
    /// Parses, validates and resolves a policy. `env` looks up `env` key references.
    pub fn from_json(
        json: &[u8],
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Authenticator, PolicyErrors> {
        let policy = crate::policy::parse(json)?;
        let keyring = Keyring::from_policy(&policy, env)?;
        Ok(Authenticator { policy, keyring })
    }

    pub fn policy(&self) -> &ApiKeyPolicy {
        &self.policy
    }

    /// Decides a request given its headers (with `:method`, `:path`, `:authority`) and the
    /// current time in Unix seconds.
    ///
    /// The request is decided on every reading of its path ([`PathReadings`]). When the
    /// readings disagree, the path is ambiguous: refused with 400, or (`strictest`) refused if
    /// any reading is refused.
    pub fn decide(&self, headers: &HeaderList, now: i64) -> AuthDecision<'_> {
        let raw_path = headers
            .get(":path")
            .map(String::from_utf8_lossy)
            .unwrap_or_default();
        let routing = self.policy.routing;
        let readings = PathReadings::of(&raw_path, routing.case_insensitive);
        let canonical = self.decide_on(headers, now, &raw_path, readings.canonical());
        if readings.is_single() {
            return canonical;
        }
        let mut first_refusal = None;
        let mut agree = true;
        for reading in readings.all().skip(1) {
            let decision = self.decide_on(headers, now, &raw_path, reading);
            if decision != canonical {
                agree = false;
                if first_refusal.is_none() && matches!(decision, AuthDecision::Deny(_)) {
                    first_refusal = Some(decision);
                }
            }
        }
        if agree {
            return canonical;
        }
        match routing.ambiguous_paths {
            AmbiguousPaths::Refuse => AuthDecision::Deny(Refused {
                reason: DenyReason::AmbiguousPath,
                key_id: None,
                key_fingerprint: None,
            }),
            AmbiguousPaths::Strictest => match canonical {
                AuthDecision::Deny(_) => canonical,
                AuthDecision::Allow(_) => first_refusal.unwrap_or(canonical),
            },
        }
    }

    /// The decision for one reading `path` of the request's `raw_path`.
    fn decide_on(
        &self,
        headers: &HeaderList,
        now: i64,
        raw_path: &str,
        path: &str,
    ) -> AuthDecision<'_> {
        let host = headers
            .get_str(":authority")
            .or_else(|| headers.get_str("host"))
            .unwrap_or_default();
        let case_insensitive = self.policy.routing.case_insensitive;
        let method = headers.get(":method").unwrap_or_default();

        let deny = |reason, key: Option<&ApiKeyEntry>, fingerprint: Option<String>| {
            AuthDecision::Deny(Refused {
                reason,
                key_id: key.map(|k| k.id.clone()),
                key_fingerprint: fingerprint,
            })
        };

        let Some((_, route)) = first_match_with(
            &self.policy.routes,
            |r| &r.route,
            host,
            path,
            case_insensitive,
        ) else {
            return deny(DenyReason::NoRoute, None, None);
        };
        match route.access {
            Access::Deny => return deny(DenyReason::RouteDenied, None, None),
            Access::Public => {
                return AuthDecision::Allow(Allowed {
                    client: None,
                    key_id: None,
                    edits: self.upstream_edits(headers, raw_path, None),
                })
            }
            Access::Authenticated => {}
        }

        let key = match presented_key(&self.policy.credentials, headers) {
            Presented::Nothing => return deny(DenyReason::Missing, None, None),
            Presented::Ambiguous => return deny(DenyReason::Ambiguous, None, None),
            Presented::Key(k) => k,
        };
        let lookup = self.keyring.lookup(&key);
        let Some(entry) = lookup.index.and_then(|i| self.policy.keys.get(i)) else {
            return deny(DenyReason::Unknown, None, Some(lookup.fingerprint_hex()));
        };

        if entry.not_before.is_some_and(|t| now < t.0) {
            return deny(DenyReason::NotYetValid, Some(entry), None);
        }
        if entry.not_after.is_some_and(|t| now >= t.0) {
            return deny(DenyReason::Expired, Some(entry), None);
        }
        if let Some(scope) = &entry.scope {
            let method_ok = scope
                .methods
                .as_ref()
                .is_none_or(|ms| ms.iter().any(|m| m.as_bytes() == method));
            let path_ok = scope.path_prefixes.as_ref().is_none_or(|ps| {
                ps.iter()
                    .any(|p| prefix_matches_with(p, path, case_insensitive))
            });
            if !method_ok || !path_ok {
                return deny(DenyReason::OutOfScope, Some(entry), None);
            }
        }
        if let Some(clients) = &route.clients {
            if !clients.contains(&entry.client) {
                return deny(DenyReason::ClientNotAllowed, Some(entry), None);
            }
        }

        AuthDecision::Allow(Allowed {
            client: Some(entry.client.clone()),
            key_id: Some(entry.id.clone()),
            edits: self.upstream_edits(headers, raw_path, Some(&entry.client)),
        })
    }

    /// Strip every credential this policy reads and any identity the client claimed; then, if
    /// authenticated, set the identity header.
    fn upstream_edits<'a>(
        &'a self,
        headers: &HeaderList,
        raw_path: &str,
        client: Option<&'a str>,
    ) -> Vec<HeaderEdit<'a>> {
        let sources = &self.policy.credentials;
        let mut edits = Vec::with_capacity(2);
        if headers.contains(&sources.header) {
            edits.push(HeaderEdit::Remove(sources.header.as_str().into()));
        }
        if carries_bearer(sources, headers) {
            edits.push(HeaderEdit::Remove("authorization".into()));
        }
        if let Some(param) = &sources.query_param {
            if carries_query_key(sources, headers) {
                edits.push(HeaderEdit::Set(
                    ":path".into(),
                    remove_query_param(raw_path, param).into(),
                ));
            }
        }
        let identity = &self.policy.identity_header;
        match client {
            Some(c) => edits.push(HeaderEdit::Set(identity.as_str().into(), c.into())),
            None => {
                if headers.contains(identity) {
                    edits.push(HeaderEdit::Remove(identity.as_str().into()));
                }
            }
        }
        edits
    }

    /// The response for a refusal: the uniform JSON error, plus a `WWW-Authenticate` challenge
    /// on 401.
    pub fn denial(&self, refused: &Refused) -> Denial {
        let (code, message) = refused.reason.code_and_message();
        let mut denial = Denial::new(refused.reason.status(), code, message);
        if refused.reason.status() == 401 {
            let realm = &self.policy.realm;
            denial = denial.with_header(
                "www-authenticate",
                format!(
                    "ApiKey realm=\"{realm}\", header=\"{}\"",
                    self.policy.credentials.header
                ),
            );
            if self.policy.credentials.bearer {
                let error = match refused.reason {
                    DenyReason::Missing => String::new(),
                    _ => ", error=\"invalid_token\"".to_string(),
                };
                denial = denial.with_header(
                    "www-authenticate",
                    format!("Bearer realm=\"{realm}\"{error}"),
                );
            }
        }
        denial
    }
}

#[cfg(test)]
mod tests;
