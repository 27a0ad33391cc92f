//! The screening policy: limits, detection, modes, per-route overrides and exclusions.
//!
//! ```json
//! {
//!   "mode": "block",
//!   "limits": {"max_url_bytes": 4096, "max_body_bytes": 1048576, "inspect_body_bytes": 65536,
//!              "content_types": ["application/json", "application/x-www-form-urlencoded"]},
//!   "detect": {"headers": ["user-agent", "referer", "cookie"]},
//!   "routes": [
//!     {"match": {"path_prefix": "/posts"}, "exclusions": [{"location": "body:comment"}]},
//!     {"match": {"path_prefix": "/search"}, "exclusions": [{"rule": "sqli-001", "location": "query:q"}]},
//!     {"match": {"path_prefix": "/beta/"}, "mode": "detect"}
//!   ]
//! }
//! ```

use crate::detect::{rule, Category, Enabled};
use pavise_core::policy::{JsonPath, Problems, Validate};
use pavise_core::readings::RoutingOptions;
use pavise_core::route::RouteMatch;
use schemars::JsonSchema;
use serde::Deserialize;

/// The screening policy.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScreenPolicy {
    /// `block` refuses a request with a finding (403) or over a limit; `detect` counts and
    /// logs findings and lets the request through (limits are always enforced).
    #[serde(default)]
    pub mode: Mode,
    #[serde(default)]
    pub limits: Limits,
    #[serde(default)]
    pub detect: Detect,
    /// Per-route overrides, first match wins.
    #[serde(default)]
    pub routes: Vec<ScreenRoute>,
    /// How `routes` read request paths: case, and paths other servers could read as a
    /// different route.
    #[serde(default)]
    pub routing: RoutingOptions,
}

/// Block or only detect.
#[derive(Debug, Clone, Copy, Default, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    #[default]
    Block,
    Detect,
}

/// Size and shape limits, decided at the request headers wherever possible.
#[derive(Debug, Clone, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Longest `:path` (path and query), in bytes. 414 beyond.
    #[serde(default = "d_url")]
    pub max_url_bytes: usize,
    /// Most request headers (pseudo-headers included). 431 beyond.
    #[serde(default = "d_headers")]
    pub max_headers: usize,
    /// Longest single header (name and value), in bytes. 431 beyond.
    #[serde(default = "d_header")]
    pub max_header_bytes: usize,
    /// Most header bytes in all. 431 beyond.
    #[serde(default = "d_total")]
    pub max_total_header_bytes: usize,
    /// Allowed methods (empty: any). 405 otherwise.
    #[serde(default)]
    pub methods: Vec<String>,
    /// Allowed request media types, e.g. `application/json` (empty: any). 415 otherwise.
    /// Requests without a body need no content type.
    #[serde(default)]
    pub content_types: Vec<String>,
    /// Largest request body. A `Content-Length` over it is answered 413 before any body is
    /// read; a streamed body is cut off with 413 when it crosses it.
    #[serde(default = "d_body")]
    pub max_body_bytes: u64,
    /// Most body bytes buffered and inspected. Never more is held.
    #[serde(default = "d_inspect")]
    pub inspect_body_bytes: usize,
    /// A body longer than `inspect_body_bytes`: `reject` (413) or `pass` (its first
    /// `inspect_body_bytes` are inspected, the rest passes uninspected).
    #[serde(default)]
    pub past_inspection: PastInspection,
    /// Deepest nesting of a JSON body (objects and arrays).
    #[serde(default)]
    pub json_max_depth: Option<usize>,
    /// Most object keys in a JSON body, all levels together.
    #[serde(default)]
    pub json_max_keys: Option<usize>,
}

fn d_url() -> usize {
    8192
}
fn d_headers() -> usize {
    100
}
fn d_header() -> usize {
    8192
}
fn d_total() -> usize {
    65536
}
fn d_body() -> u64 {
    1024 * 1024
}
fn d_inspect() -> usize {
    64 * 1024
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_url_bytes: d_url(),
            max_headers: d_headers(),
            max_header_bytes: d_header(),
            max_total_header_bytes: d_total(),
            methods: Vec::new(),
            content_types: Vec::new(),
            max_body_bytes: d_body(),
            inspect_body_bytes: d_inspect(),
            past_inspection: PastInspection::Reject,
            json_max_depth: None,
            json_max_keys: None,
        }
    }
}

/// What happens to a body longer than the inspection limit.
#[derive(Debug, Clone, Copy, Default, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PastInspection {
    #[default]
    Reject,
    Pass,
}

/// What is inspected, for which categories.
#[derive(Debug, Clone, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Detect {
    /// Categories looked for: `sqli`, `xss`, `rce`, `traversal`, `crlf`, `ssti`, `jndi`, `ssi`,
    /// `ldap`, `php`, `java`, `python`, `node`, `ruby`, `deser`, `rfi` (default: all of them).
    #[serde(default = "d_categories")]
    pub categories: Vec<Category>,
    /// Request headers inspected, case-insensitively (`cookie` is split into its values).
    /// `*` stands for every request header but the pseudo-headers (the path and query are
    /// screened as such) and those that carry credentials (`authorization`, `x-api-key` and
    /// other secret-named headers, `cookie` excepted); a credential header listed by name is
    /// inspected too, its value never logged.
    #[serde(default = "d_detect_headers")]
    pub headers: Vec<String>,
    /// Inspect bodies (form fields, JSON string values, text).
    #[serde(default = "yes")]
    pub body: bool,
    /// The highest rule level that runs, as in the OWASP Core Rule Set: 1 (default) for rules
    /// ordinary text does not trigger, 2 to add the rules for attack fragments that also occur
    /// in prose (docs/screen.md lists each rule's level).
    #[serde(default = "d_paranoia")]
    #[schemars(range(min = 1, max = 2))]
    pub paranoia: u8,
}

fn d_paranoia() -> u8 {
    1
}

fn d_categories() -> Vec<Category> {
    Category::ALL.to_vec()
}
fn d_detect_headers() -> Vec<String> {
    ["user-agent", "referer", "cookie"]
        .map(String::from)
        .to_vec()
}
fn yes() -> bool {
    true
}

impl Default for Detect {
    fn default() -> Self {
        Detect {
            categories: d_categories(),
            headers: d_detect_headers(),
            body: true,
            paranoia: d_paranoia(),
        }
    }
}

impl Detect {
    pub fn enabled(&self) -> Enabled {
        Enabled::of(&self.categories, self.paranoia)
    }
}

/// Overrides for part of the URL space.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScreenRoute {
    #[serde(rename = "match", default)]
    pub route: RouteMatch,
    /// Overrides the policy's mode here.
    #[serde(default)]
    pub mode: Option<Mode>,
    /// Findings ignored here.
    #[serde(default)]
    pub exclusions: Vec<Exclusion>,
}

/// A finding to ignore: a rule (id like `sqli-001`, or a category like `xss`) and/or a
/// location (`query:q`, `body:comment`, `header:user-agent`, `path`; `query:*` for every
/// parameter). At least one of the two.
#[derive(Debug, Clone, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Exclusion {
    #[serde(default)]
    pub rule: Option<String>,
    #[serde(default)]
    pub location: Option<String>,
}

impl Exclusion {
    /// Whether this exclusion covers a finding of `rule_id` (in `category`) at `location`.
    pub fn covers(&self, rule_id: &str, category: Category, location: &str) -> bool {
        self.covers_rule(rule_id, category) && self.applies_at(location)
    }

    /// Whether this exclusion covers the rule `rule_id` (in `category`), wherever it applies.
    pub fn covers_rule(&self, rule_id: &str, category: Category) -> bool {
        self.rule
            .as_deref()
            .is_none_or(|r| r == rule_id || r == category.as_str())
    }

    /// Whether this exclusion applies at `location` (to the rules it covers).
    pub fn applies_at(&self, location: &str) -> bool {
        self.location
            .as_deref()
            .is_none_or(|l| match l.strip_suffix('*') {
                Some(prefix) => location.starts_with(prefix),
                None => l.eq_ignore_ascii_case(location),
            })
    }
}

const LOCATION_KINDS: [&str; 4] = ["path", "query:", "header:", "body"];

impl Validate for ScreenPolicy {
    fn validate(&self, at: &JsonPath, problems: &mut Problems) {
        let l = &self.limits;
        let limits = at.field("limits");
        for (field, value) in [
            ("max_url_bytes", l.max_url_bytes),
            ("max_headers", l.max_headers),
            ("max_header_bytes", l.max_header_bytes),
            ("max_total_header_bytes", l.max_total_header_bytes),
            ("inspect_body_bytes", l.inspect_body_bytes),
        ] {
            if value == 0 {
                problems.push(&limits.field(field), "must be greater than 0");
            }
        }
        if l.inspect_body_bytes > 16 * 1024 * 1024 {
            problems.push(
                &limits.field("inspect_body_bytes"),
                "at most 16 MiB: every inspected byte is held in the proxy",
            );
        }
        if l.max_header_bytes > l.max_total_header_bytes {
            problems.push(
                &limits.field("max_header_bytes"),
                "must not exceed \"max_total_header_bytes\"",
            );
        }
        for (i, m) in l.methods.iter().enumerate() {
            if !pavise_core::headers::is_token(m) || m.to_ascii_uppercase() != *m {
                problems.push(
                    &limits.field("methods").index(i),
                    "expected an uppercase HTTP method",
                );
            }
        }
        for (i, t) in l.content_types.iter().enumerate() {
            let valid = t.split_once('/').is_some_and(|(a, b)| {
                pavise_core::headers::is_token(a) && pavise_core::headers::is_token(b)
            }) && t.to_ascii_lowercase() == *t;
            if !valid {
                problems.push(
                    &limits.field("content_types").index(i),
                    "expected a lowercase media type such as application/json, without parameters",
                );
            }
        }
        for (field, value) in [
            ("json_max_depth", l.json_max_depth),
            ("json_max_keys", l.json_max_keys),
        ] {
            if value == Some(0) {
                problems.push(&limits.field(field), "must be greater than 0");
            }
        }
        if self.detect.categories.is_empty() {
            problems.push(
                &at.field("detect").field("categories"),
                "list at least one category (sqli, xss, rce, traversal)",
            );
        }
        if !(1..=2).contains(&self.detect.paranoia) {
            problems.push(
                &at.field("detect").field("paranoia"),
                "expected 1 (rules ordinary text does not trigger) or 2 (also those that flag attack fragments found in prose)",
            );
        }
        for (i, h) in self.detect.headers.iter().enumerate() {
            if !pavise_core::headers::is_token(h) {
                problems.push(
                    &at.field("detect").field("headers").index(i),
                    "expected a header name",
                );
            }
        }
        for (i, route) in self.routes.iter().enumerate() {
            let here = at.field("routes").index(i);
            route.route.validate(&here.field("match"), problems);
            for (j, e) in route.exclusions.iter().enumerate() {
                e.validate(&here.field("exclusions").index(j), problems);
            }
        }
    }
}

impl Exclusion {
    fn validate(&self, at: &JsonPath, problems: &mut Problems) {
        if self.rule.is_none() && self.location.is_none() {
            problems.push(at, "name a \"rule\", a \"location\", or both");
        }
        if let Some(r) = &self.rule {
            let known = rule(r).is_some() || Category::ALL.iter().any(|c| c.as_str() == r);
            if !known {
                problems.push(
                    &at.field("rule"),
                    format!(
                        "unknown rule '{r}': expected a rule id (docs/screen.md) or a category"
                    ),
                );
            }
        }
        if let Some(l) = &self.location {
            if !LOCATION_KINDS.iter().any(|k| l.starts_with(k)) {
                problems.push(
                    &at.field("location"),
                    "expected path, query:<name>, header:<name>, body or body:<field>",
                );
            }
        }
    }
}

/// The JSON Schema of [`ScreenPolicy`], as checked in at `policies/schemas/screen.schema.json`.
pub fn schema() -> String {
    pavise_core::policy::policy_schema_json::<ScreenPolicy>()
}

/// Parses and validates a screening policy.
pub fn parse(json: &[u8]) -> Result<ScreenPolicy, pavise_core::policy::PolicyErrors> {
    pavise_core::policy::parse_policy(json)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(json: &str) -> String {
        match parse(json.as_bytes()) {
            Ok(_) => "ok".into(),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn defaults() {
        let p = parse(b"{}").unwrap();
        assert_eq!(p.mode, Mode::Block);
        assert_eq!(p.limits.max_body_bytes, 1024 * 1024);
        assert_eq!(p.limits.inspect_body_bytes, 64 * 1024);
        assert_eq!(p.detect.enabled(), Enabled::ALL);
        assert!(p.detect.body);
    }

    #[test]
    fn bad_values_are_named() {
        let e = errors(
            r#"{"limits": {"max_url_bytes": 0, "methods": ["get"], "content_types": ["json"], "json_max_depth": 0}}"#,
        );
        assert!(
            e.contains("$.limits.max_url_bytes: must be greater than 0"),
            "{e}"
        );
        assert!(
            e.contains("$.limits.methods[0]: expected an uppercase HTTP method"),
            "{e}"
        );
        assert!(
            e.contains("$.limits.content_types[0]: expected a lowercase media type"),
            "{e}"
        );
        assert!(
            e.contains("$.limits.json_max_depth: must be greater than 0"),
            "{e}"
        );
        assert!(errors(r#"{"detect": {"categories": ["sql"]}}"#)
            .starts_with("$.detect.categories[0]: unknown variant `sql`"));
        assert_eq!(
            errors(r#"{"routes": [{"exclusions": [{}]}]}"#),
            "$.routes[0].exclusions[0]: name a \"rule\", a \"location\", or both"
        );
        assert!(
            errors(r#"{"routes": [{"exclusions": [{"rule": "sqli-999"}]}]}"#)
                .starts_with("$.routes[0].exclusions[0].rule: unknown rule 'sqli-999'")
        );
        assert!(
            errors(r#"{"routes": [{"exclusions": [{"location": "cookie:x"}]}]}"#)
                .starts_with("$.routes[0].exclusions[0].location: expected path")
        );
        assert!(errors(r#"{"mode": "log"}"#).starts_with("$.mode: unknown variant `log`"));
        for level in ["0", "3"] {
            assert!(
                errors(&format!(r#"{{"detect": {{"paranoia": {level}}}}}"#))
                    .starts_with("$.detect.paranoia: expected 1 (rules ordinary text"),
                "{level}"
            );
        }
        assert!(errors(r#"{"detect": {"paranoia": "high"}}"#).starts_with("$.detect.paranoia: "));
    }

    #[test]
    fn paranoia_two_turns_on_the_strict_rules() {
        let p = parse(br#"{"detect": {"paranoia": 2}}"#).unwrap();
        assert_eq!(p.detect.enabled(), Enabled::STRICT);
    }

    #[test]
    fn exclusions_cover() {
        let e = Exclusion {
            rule: Some("sqli".into()),
            location: Some("query:*".into()),
        };
        assert!(e.covers("sqli-001", Category::Sqli, "query:q"));
        assert!(!e.covers("xss-001", Category::Xss, "query:q"));
        assert!(!e.covers("sqli-001", Category::Sqli, "body:q"));
        let e = Exclusion {
            rule: None,
            location: Some("body:comment".into()),
        };
        assert!(e.covers("xss-002", Category::Xss, "body:comment"));
        assert!(!e.covers("xss-002", Category::Xss, "body:comments"));
    }

    /// `UPDATE_SCHEMAS=1 cargo test -p pavise-screen` regenerates the checked-in schema.
    #[test]
    fn checked_in_schema_is_current() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../policies/schemas/screen.schema.json"
        );
        pavise_core::policy::check_schema_file(path, &schema(), "pavise-screen").unwrap();
    }

    #[test]
    fn example_policies_are_valid() {
        for name in ["screen.example.json", "screen.strict.example.json"] {
            let path = format!("{}/../../policies/{name}", env!("CARGO_MANIFEST_DIR"));
            let text = std::fs::read(&path).unwrap();
            if let Err(e) = parse(&text) {
                panic!("{path}: {e}");
            }
        }
    }

    /// The strict example is the example at paranoia level 2 and nothing else, so the two
    /// evaluation reports differ only by the level.
    #[test]
    fn strict_example_is_the_example_at_level_two() {
        let read = |name: &str| -> serde_json::Value {
            let path = format!("{}/../../policies/{name}", env!("CARGO_MANIFEST_DIR"));
            serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
        };
        let mut example = read("screen.example.json");
        example["detect"]["paranoia"] = serde_json::json!(2);
        assert_eq!(read("screen.strict.example.json"), example);
        assert_eq!(
            parse(&serde_json::to_vec(&example).unwrap())
                .unwrap()
                .detect
                .paranoia,
            2
        );
    }
}
