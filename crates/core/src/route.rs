//! Route matching inside a policy: host and path prefix, first match wins.
//!
//! Every filter's per-route rules are data of the same shape, `{"host": …, "path_prefix": …}`,
//! matched against the request's `:authority` and its normalised path (see [`crate::path`]).
//! A path prefix matches whole segments: `/healthz` matches `/healthz` and `/healthz/live` but
//! not `/healthzz`; a prefix ending in `/` matches everything below it.

use crate::policy::{JsonPath, Problems};
use schemars::JsonSchema;
use serde::Deserialize;

/// Which requests a rule applies to. Both parts must match; an absent part matches anything.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteMatch {
    /// Exact host (`api.example.com`) or one leading wildcard label (`*.example.com`, which
    /// matches subdomains only). Compared case-insensitively, without the port.
    #[serde(default)]
    pub host: Option<String>,
    /// Path prefix, matched on whole segments against the normalised path. Default `/`.
    #[serde(default = "root_prefix")]
    pub path_prefix: String,
}

fn root_prefix() -> String {
    "/".to_string()
}

impl Default for RouteMatch {
    fn default() -> Self {
        RouteMatch {
            host: None,
            path_prefix: root_prefix(),
        }
    }
}

impl RouteMatch {
    pub fn validate(&self, at: &JsonPath, problems: &mut Problems) {
        if !self.path_prefix.starts_with('/') {
            problems.push(&at.field("path_prefix"), "must start with '/'");
        } else if self.path_prefix.contains(['?', '#']) {
            problems.push(&at.field("path_prefix"), "must not contain '?' or '#'");
        } else if crate::path::normalize_path(&self.path_prefix) != self.path_prefix {
            problems.push(
                &at.field("path_prefix"),
                format!(
                    "must be a normalised path (requests are matched as '{}')",
                    crate::path::normalize_path(&self.path_prefix)
                ),
            );
        }
        if let Some(host) = &self.host {
            let bare = host.strip_prefix("*.").unwrap_or(host);
            let valid = !bare.is_empty()
                && bare
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
                && !bare.starts_with('.')
                && !bare.ends_with('.');
            if !valid {
                problems.push(
                    &at.field("host"),
                    "expected a host name such as 'api.example.com' or '*.example.com', without port",
                );
            }
        }
    }

    /// Whether a request for `host` (the `:authority`, port allowed) and `normalized_path`
    /// (from [`crate::path::normalize_path`]) falls under this rule.
    pub fn matches(&self, host: &str, normalized_path: &str) -> bool {
        self.matches_with(host, normalized_path, false)
    }

    /// [`RouteMatch::matches`], ignoring ASCII case in the path when `case_insensitive`.
    pub fn matches_with(&self, host: &str, normalized_path: &str, case_insensitive: bool) -> bool {
        prefix_matches_with(&self.path_prefix, normalized_path, case_insensitive)
            && self.host.as_deref().is_none_or(|h| host_matches(h, host))
    }
}

/// Segment-aware prefix match.
pub fn prefix_matches(prefix: &str, path: &str) -> bool {
    prefix_matches_with(prefix, path, false)
}

/// Segment-aware prefix match, ignoring ASCII case when `case_insensitive`.
pub fn prefix_matches_with(prefix: &str, path: &str, case_insensitive: bool) -> bool {
    let (prefix, path) = (prefix.as_bytes(), path.as_bytes());
    let Some(head) = path.get(..prefix.len()) else {
        return false;
    };
    let same = if case_insensitive {
        head.eq_ignore_ascii_case(prefix)
    } else {
        head == prefix
    };
    if !same {
        return false;
    }
    let rest = path.get(prefix.len()..).unwrap_or_default();
    prefix.ends_with(b"/") || rest.is_empty() || rest.starts_with(b"/")
}

/// The host part of an `:authority` value: no port, no trailing dot, lowercase.
pub fn authority_host(authority: &str) -> String {
    let host = if let Some(rest) = authority.strip_prefix('[') {
        // IPv6 literal: keep the brackets' content.
        rest.split(']').next().unwrap_or(rest)
    } else {
        authority.rsplit_once(':').map_or(authority, |(h, _)| h)
    };
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// Whether `pattern` (exact or `*.suffix`) matches the host of `authority`.
pub fn host_matches(pattern: &str, authority: &str) -> bool {
    let host = authority_host(authority);
    let pattern = pattern.to_ascii_lowercase();
    match pattern.strip_prefix("*.") {
        Some(suffix) => host
            .strip_suffix(suffix)
            .is_some_and(|label| label.len() > 1 && label.ends_with('.')),
        None => host == pattern,
    }
}

/// The index of the first rule whose match accepts the request.
pub fn first_match<'a, T>(
    rules: &'a [T],
    route_of: impl Fn(&T) -> &RouteMatch,
    host: &str,
    normalized_path: &str,
) -> Option<(usize, &'a T)> {
    first_match_with(rules, route_of, host, normalized_path, false)
}

/// [`first_match`], ignoring ASCII case in the path when `case_insensitive`.
pub fn first_match_with<'a, T>(
    rules: &'a [T],
    route_of: impl Fn(&T) -> &RouteMatch,
    host: &str,
    normalized_path: &str,
    case_insensitive: bool,
) -> Option<(usize, &'a T)> {
    rules
        .iter()
        .enumerate()
        .find(|(_, r)| route_of(r).matches_with(host, normalized_path, case_insensitive))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rm(host: Option<&str>, prefix: &str) -> RouteMatch {
        RouteMatch {
            host: host.map(str::to_string),
            path_prefix: prefix.to_string(),
        }
    }

    #[test]
    fn prefix_is_segment_aware() {
        assert!(prefix_matches("/healthz", "/healthz"));
        assert!(prefix_matches("/healthz", "/healthz/live"));
        assert!(!prefix_matches("/healthz", "/healthzz"));
        assert!(prefix_matches("/api/", "/api/x"));
        assert!(!prefix_matches("/api/", "/api"));
        assert!(prefix_matches("/", "/anything"));
        assert!(!prefix_matches("/admin/", "/Admin/x"));
        assert!(prefix_matches_with("/admin/", "/Admin/x", true));
        assert!(prefix_matches_with("/healthz", "/HEALTHZ", true));
        assert!(!prefix_matches_with("/healthz", "/HEALTHZZ", true));
        assert!(!prefix_matches_with("/é", "/É", true));
        assert!(!prefix_matches_with("/abc", "/ab", true));
    }

    #[test]
    fn host_patterns() {
        assert!(host_matches("api.example.com", "API.example.com:8443"));
        assert!(host_matches("api.example.com", "api.example.com."));
        assert!(!host_matches("api.example.com", "xapi.example.com"));
        assert!(host_matches("*.example.com", "a.example.com"));
        assert!(host_matches("*.example.com", "a.b.example.com"));
        assert!(!host_matches("*.example.com", "example.com"));
        assert!(!host_matches("*.example.com", "evilexample.com"));
        assert!(!host_matches("*.example.com", "a.example.com.evil.net"));
        assert!(host_matches("::1", "[::1]:8080"));
    }

    #[test]
    fn route_match_combines_host_and_path() {
        let r = rm(Some("api.example.com"), "/v1");
        assert!(r.matches("api.example.com", "/v1/x"));
        assert!(!r.matches("other.example.com", "/v1/x"));
        assert!(!r.matches("api.example.com", "/v2"));
        assert!(RouteMatch::default().matches("any", "/"));
    }

    #[test]
    fn first_match_wins() {
        let rules = vec![rm(None, "/a"), rm(None, "/"), rm(None, "/a/b")];
        let hit = first_match(&rules, |r| r, "h", "/a/b").map(|(i, _)| i);
        assert_eq!(hit, Some(0));
        let hit = first_match(&rules, |r| r, "h", "/z").map(|(i, _)| i);
        assert_eq!(hit, Some(1));
        let none: Vec<RouteMatch> = vec![];
        assert!(first_match(&none, |r| r, "h", "/").is_none());
    }

    #[test]
    fn validation_names_fields() {
        let mut p = Problems::new();
        rm(Some("a b"), "x").validate(&JsonPath::root().index(0), &mut p);
        let e = p
            .into_result()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("$[0].path_prefix: must start with '/'"), "{e}");
        assert!(e.contains("$[0].host: expected a host name"), "{e}");
        let mut p = Problems::new();
        rm(Some("*.example.com"), "/a/../b").validate(&JsonPath::root(), &mut p);
        let e = p
            .into_result()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("must be a normalised path"), "{e}");
    }
}
