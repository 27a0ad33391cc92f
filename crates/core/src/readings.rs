//! The readings of a request path: the one canonical path route rules are matched on, and every
//! other path a server behind the proxy could take the same request for.
//!
//! Route rules match the canonical path ([`crate::path::normalize_path`]). Servers do not all
//! read a path that way: Java servers drop `;` parameters (`/admin;x/users` is `/admin/users`),
//! some decode `%2F` and `%5C` into separators after the proxy has matched
//! (`/healthz/..%2fapi/x` is `/api/x`), Windows servers take `\` for `/`, and case-insensitive
//! servers fold case (`/Admin/users`). [`PathReadings`] lists each such reading, so that a filter
//! can see when one request would fall under different rules depending on who reads it, and
//! then refuse it or apply the most restrictive of those rules ([`AmbiguousPaths`]).
//!
//! A path with no `%`, `\` or `;` (and, when case matters, no uppercase letter) has one
//! reading, the canonical one; that is the common case and costs one scan.

use crate::denial::Denial;
use crate::path::{hex_value, normalize_path, path_only};
use schemars::JsonSchema;
use serde::Deserialize;

/// How a policy's route rules read request paths. The same member, `routing`, in every policy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RoutingOptions {
    /// What to do with a request whose path another server could read as a path under a
    /// different rule (encoded `/` or `\`, a raw `\`, `;` parameters, dot segments left after
    /// decoding, a case variant of a rule's prefix): refuse it with 400 `ambiguous_path`
    /// (`refuse`, the default) or apply the most restrictive rule any reading reaches
    /// (`strictest`).
    #[serde(default)]
    pub ambiguous_paths: AmbiguousPaths,
    /// Match path prefixes ignoring ASCII case, as a case-insensitive upstream reads paths.
    /// Default `false`: prefixes match case-sensitively, and a case variant of a rule's prefix
    /// counts as an ambiguous path.
    #[serde(default)]
    pub case_insensitive: bool,
}

/// What a filter does with a path whose readings fall under different rules.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AmbiguousPaths {
    /// Answer 400 with the code `ambiguous_path`.
    #[default]
    Refuse,
    /// Decide under every rule the readings reach; the most restrictive outcome wins.
    Strictest,
}

/// The denial code of a refused ambiguous path.
pub const AMBIGUOUS_PATH_CODE: &str = "ambiguous_path";

/// The 400 for a path that other servers could read as a different route.
pub fn ambiguous_path_denial() -> Denial {
    Denial::new(
        400,
        AMBIGUOUS_PATH_CODE,
        "the request path can be read as more than one route",
    )
}

/// Every reading of one request path, the canonical one first, without repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathReadings {
    canonical: String,
    others: Vec<String>,
}

impl PathReadings {
    /// The readings of `raw` (a `:path`, query allowed). With `case_insensitive` set, route
    /// rules ignore case, so lowercase readings add nothing and are left out.
    pub fn of(raw: &str, case_insensitive: bool) -> PathReadings {
        let canonical = normalize_path(raw);
        let path = path_only(raw);
        let fold = !case_insensitive && path.bytes().any(|b| b.is_ascii_uppercase());
        if !fold && !path.bytes().any(|b| matches!(b, b'%' | b'\\' | b';')) {
            return PathReadings {
                canonical,
                others: Vec::new(),
            };
        }
        let mut others: Vec<String> = Vec::new();
        let add = |reading: String, others: &mut Vec<String>| {
            if reading != canonical && !others.contains(&reading) {
                others.push(reading);
            }
        };
        for decode in [false, true] {
            for backslash in [false, true] {
                for strip in [false, true] {
                    let mut text = if decode {
                        decode_all(path)
                    } else {
                        path.to_string()
                    };
                    if backslash {
                        text = text.replace('\\', "/");
                    }
                    if strip {
                        text = strip_parameters(&text);
                    }
                    // A decoded `?` or `#` is part of the path to a server that decoded it.
                    let reading = normalize_path(&text.replace('?', "%3F").replace('#', "%23"));
                    if fold {
                        add(reading.to_ascii_lowercase(), &mut others);
                    }
                    add(reading, &mut others);
                }
            }
        }
        PathReadings { canonical, others }
    }

    /// The path route rules are matched on.
    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    /// The canonical path, then every other reading.
    pub fn all(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.canonical.as_str()).chain(self.others.iter().map(String::as_str))
    }

    /// Whether there is only the canonical reading.
    pub fn is_single(&self) -> bool {
        self.others.is_empty()
    }
}

/// Decodes every `%XX` escape, as a server that decodes the whole path would.
fn decode_all(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hi = bytes.get(i + 1).copied().and_then(hex_value);
            let lo = bytes.get(i + 2).copied().and_then(hex_value);
            if let (Some(hi), Some(lo)) = (hi, lo) {
                out.push(hi * 16 + lo);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Drops each segment's `;` parameters (`/a;x=1/b;y` is `/a/b`), as servlet containers do.
fn strip_parameters(path: &str) -> String {
    path.split('/')
        .map(|segment| segment.split(';').next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("/")
}

/// The rules (by index, `None` for no rule) that the readings of a path reach, in reading order,
/// without repeats: one entry means every reading falls under the same rule.
pub fn rules_reached<T>(
    rules: &[T],
    route_of: impl Fn(&T) -> &crate::route::RouteMatch,
    host: &str,
    readings: &PathReadings,
    case_insensitive: bool,
) -> Vec<Option<usize>> {
    let mut reached: Vec<Option<usize>> = Vec::new();
    for reading in readings.all() {
        let hit = crate::route::first_match_with(rules, &route_of, host, reading, case_insensitive)
            .map(|(i, _)| i);
        if !reached.contains(&hit) {
            reached.push(hit);
        }
    }
    reached
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route::RouteMatch;

    fn readings(raw: &str) -> Vec<String> {
        PathReadings::of(raw, false)
            .all()
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn a_plain_path_has_one_reading() {
        let r = PathReadings::of("/api/orders/42?x=%2F", false);
        assert!(r.is_single());
        assert_eq!(r.canonical(), "/api/orders/42");
        assert!(PathReadings::of("/API/x", true).is_single());
    }

    #[test]
    fn parameters_are_dropped_in_another_reading() {
        let r = readings("/admin;x/users");
        assert_eq!(r[0], "/admin;x/users");
        assert!(r.contains(&"/admin/users".to_string()), "{r:?}");
        assert!(readings("/healthz/..;/admin/x").contains(&"/admin/x".to_string()));
    }

    #[test]
    fn encoded_separators_and_backslashes_are_read_as_slashes() {
        for raw in [
            "/healthz/..%2fapi/x",
            "/healthz/..%2Fapi/x",
            "/healthz/..%5capi/x",
            "/healthz/..\\api/x",
            "/healthz/%2e%2e%2fapi/x",
        ] {
            let r = readings(raw);
            assert!(r[0].starts_with("/healthz/"), "{raw}: {r:?}");
            assert!(r.contains(&"/api/x".to_string()), "{raw}: {r:?}");
        }
    }

    #[test]
    fn case_variants_are_readings_unless_rules_ignore_case() {
        assert!(readings("/Admin/users").contains(&"/admin/users".to_string()));
        assert!(readings("/INTERNAL/x").contains(&"/internal/x".to_string()));
        let r = PathReadings::of("/Admin;x/users", true);
        assert!(r.all().all(|p| !p.contains("admin")), "{r:?}");
    }

    #[test]
    fn a_decoded_query_mark_stays_in_the_path() {
        assert!(readings("/a%3Fb/c").contains(&"/a%3Fb/c".to_string()));
    }

    fn rm(prefix: &str) -> RouteMatch {
        RouteMatch {
            host: None,
            path_prefix: prefix.to_string(),
        }
    }

    #[test]
    fn rules_reached_by_the_readings() {
        let rules = [rm("/healthz"), rm("/internal/"), rm("/admin/"), rm("/")];
        let reach =
            |raw: &str, ci: bool| rules_reached(&rules, |r| r, "h", &PathReadings::of(raw, ci), ci);
        assert_eq!(reach("/admin/users", false), [Some(2)]);
        assert_eq!(reach("/api/Orders;v=2", false), [Some(3)]);
        assert_eq!(reach("/admin;x/users", false), [Some(3), Some(2)]);
        assert_eq!(reach("/Admin/users", false), [Some(3), Some(2)]);
        assert_eq!(reach("/INTERNAL/x", false), [Some(3), Some(1)]);
        assert_eq!(reach("/healthz/..%2fapi/x", false), [Some(0), Some(3)]);
        assert_eq!(reach("/healthz/..%5Capi/x", false), [Some(0), Some(3)]);
        assert_eq!(reach("/healthz/..\\internal/x", false), [Some(0), Some(1)]);
        // Declared case-insensitive: a case variant is the same rule, not an ambiguity.
        assert_eq!(reach("/Admin/users", true), [Some(2)]);
        assert_eq!(reach("/INTERNAL/x", true), [Some(1)]);
        assert_eq!(reach("/Admin;x/users", true), [Some(3), Some(2)]);
    }

    #[test]
    fn routing_options_parse_with_defaults() {
        let o: RoutingOptions = serde_json::from_str("{}").unwrap_or_default();
        assert_eq!(o.ambiguous_paths, AmbiguousPaths::Refuse);
        assert!(!o.case_insensitive);
        let o: Result<RoutingOptions, _> =
            serde_json::from_str(r#"{"ambiguous_paths":"strictest","case_insensitive":true}"#);
        assert_eq!(
            o.ok(),
            Some(RoutingOptions {
                ambiguous_paths: AmbiguousPaths::Strictest,
                case_insensitive: true
            })
        );
        assert!(serde_json::from_str::<RoutingOptions>(r#"{"x":1}"#).is_err());
    }

    #[test]
    fn the_denial_is_a_400_with_its_code() {
        let d = ambiguous_path_denial();
        assert_eq!((d.status, d.code), (400, "ambiguous_path"));
    }
}
