//! Policy loading: JSON text in, a typed and validated policy out.
//!
//! Every filter's policy is a set of serde types that refuse unknown fields. Parsing goes
//! through `serde_path_to_error`, so a type error names where it happened, and every policy type
//! implements [`Validate`] for the rules serde cannot express (digest lengths, contradictions,
//! duplicates). Either way the error reads `$.keys[2].sha256: expected 64 hex characters`: the
//! JSON path first, then the reason. The same function serves the filter at `on_configure`, the
//! schema tests and the CLI, so they cannot disagree about what a valid policy is.

use serde::de::DeserializeOwned;
use std::fmt;

/// A location inside a policy document, written as a JSONPath (`$.keys[2].sha256`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonPath(String);

impl JsonPath {
    /// The document root, `$`.
    pub fn root() -> Self {
        JsonPath("$".to_string())
    }

    /// The member `name` of the object at this path.
    pub fn field(&self, name: &str) -> Self {
        JsonPath(format!("{}.{}", self.0, name))
    }

    /// Element `index` of the array at this path.
    pub fn index(&self, index: usize) -> Self {
        JsonPath(format!("{}[{}]", self.0, index))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One thing wrong with a policy: where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    pub path: JsonPath,
    pub reason: String,
}

impl PolicyError {
    pub fn new(path: &JsonPath, reason: impl Into<String>) -> Self {
        PolicyError {
            path: path.clone(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.reason)
    }
}

impl std::error::Error for PolicyError {}

/// Everything wrong with a policy, in document order. Never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyErrors(Vec<PolicyError>);

impl PolicyErrors {
    /// One error.
    pub fn single(path: &JsonPath, reason: impl Into<String>) -> PolicyErrors {
        PolicyErrors(vec![PolicyError::new(path, reason)])
    }

    pub fn errors(&self) -> &[PolicyError] {
        &self.0
    }

    /// The same errors for a policy embedded as member `field` of a larger document
    /// (`$.keys[0]` becomes `$.auth.keys[0]`).
    pub fn nested(self, field: &str) -> PolicyErrors {
        PolicyErrors(
            self.0
                .into_iter()
                .map(|e| {
                    let rest = e.path.as_str().strip_prefix('$').unwrap_or_default();
                    PolicyError {
                        path: JsonPath(format!("$.{field}{rest}")),
                        reason: e.reason,
                    }
                })
                .collect(),
        )
    }
}

impl fmt::Display for PolicyErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PolicyErrors {}

impl From<PolicyError> for PolicyErrors {
    fn from(e: PolicyError) -> Self {
        PolicyErrors(vec![e])
    }
}

/// Collects validation problems so that one run reports all of them, not only the first.
#[derive(Debug, Default)]
pub struct Problems(Vec<PolicyError>);

impl Problems {
    pub fn new() -> Self {
        Problems(Vec::new())
    }

    pub fn push(&mut self, path: &JsonPath, reason: impl Into<String>) {
        self.0.push(PolicyError::new(path, reason));
    }

    /// Records `Err` results from sub-checks that return a single error.
    pub fn check(&mut self, result: Result<(), PolicyError>) {
        if let Err(e) = result {
            self.0.push(e);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_result(self) -> Result<(), PolicyErrors> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(PolicyErrors(self.0))
        }
    }
}

/// The checks a policy type makes after serde has parsed it.
pub trait Validate {
    /// Pushes one entry into `problems` for each rule `self` breaks; `at` is where `self` sits.
    fn validate(&self, at: &JsonPath, problems: &mut Problems);
}

/// The byte order mark some editors (Windows Notepad among them) put at the start of UTF-8 files.
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The top-level member through which an editor finds a document's JSON Schema (for completion
/// and checks as you type). Allowed in every policy and ignored.
pub const SCHEMA_MEMBER: &str = "$schema";

/// `json` without a leading UTF-8 byte order mark: a policy saved with one is still a policy.
pub fn strip_bom(json: &[u8]) -> &[u8] {
    json.strip_prefix(UTF8_BOM).unwrap_or(json)
}

/// Removes the top-level [`SCHEMA_MEMBER`] from a parsed document; it must be a string.
pub fn take_schema_member(document: &mut serde_json::Value) -> Result<(), PolicyError> {
    let Some(map) = document.as_object_mut() else {
        return Ok(());
    };
    match map.remove(SCHEMA_MEMBER) {
        None | Some(serde_json::Value::String(_)) => Ok(()),
        Some(_) => Err(PolicyError::new(
            &JsonPath::root().field(SCHEMA_MEMBER),
            "expected a string: the URL or path of the policy's JSON Schema",
        )),
    }
}

/// Parses and validates a policy. The error names the JSON path of every problem. A leading
/// UTF-8 byte order mark and a top-level `"$schema"` member are accepted and ignored.
pub fn parse_policy<T>(json: &[u8]) -> Result<T, PolicyErrors>
where
    T: DeserializeOwned + Validate,
{
    let json = strip_bom(json);
    let marker = b"\"$schema\"";
    if json.windows(marker.len()).any(|w| w == marker) {
        return parse_policy_with_schema_member(json);
    }
    let mut de = serde_json::Deserializer::from_slice(json);
    let policy: T = match serde_path_to_error::deserialize(&mut de) {
        Ok(p) => p,
        Err(e) => return Err(serde_error(e).into()),
    };
    // Trailing garbage after the document is as wrong as a syntax error inside it.
    if let Err(e) = de.end() {
        return Err(PolicyError::new(&JsonPath::root(), syntax_reason(&e)).into());
    }
    let mut problems = Problems::new();
    policy.validate(&JsonPath::root(), &mut problems);
    problems.into_result().map(|()| policy)
}

/// [`parse_policy`] for a document that may carry [`SCHEMA_MEMBER`]: parsed to a value first,
/// the member removed, then the value deserialised (the rare path: most policies have none).
fn parse_policy_with_schema_member<T>(json: &[u8]) -> Result<T, PolicyErrors>
where
    T: DeserializeOwned + Validate,
{
    let mut document: serde_json::Value = serde_json::from_slice(json)
        .map_err(|e| PolicyError::new(&JsonPath::root(), syntax_reason(&e)))?;
    take_schema_member(&mut document)?;
    let policy: T = serde_path_to_error::deserialize(document).map_err(serde_error)?;
    let mut problems = Problems::new();
    policy.validate(&JsonPath::root(), &mut problems);
    problems.into_result().map(|()| policy)
}

fn serde_error(e: serde_path_to_error::Error<serde_json::Error>) -> PolicyError {
    let path = json_path_of(e.path());
    let inner = e.into_inner();
    let reason = if inner.is_syntax() || inner.is_eof() {
        syntax_reason(&inner)
    } else {
        strip_position(&inner.to_string())
    };
    PolicyError { path, reason }
}

fn syntax_reason(e: &serde_json::Error) -> String {
    format!(
        "invalid JSON at line {} column {}: {}",
        e.line(),
        e.column(),
        strip_position(&e.to_string())
    )
}

/// serde_json appends " at line L column C" to its messages; the JSON path says it better.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message.get(..i).unwrap_or(message).to_string(),
        None => message.to_string(),
    }
}

fn json_path_of(path: &serde_path_to_error::Path) -> JsonPath {
    use serde_path_to_error::Segment;
    let mut out = JsonPath::root();
    for segment in path.iter() {
        out = match segment {
            Segment::Seq { index } => out.index(*index),
            Segment::Map { key } => out.field(key),
            Segment::Enum { variant } => out.field(variant),
            Segment::Unknown => out,
        };
    }
    out
}

/// The JSON Schema of a policy type, pretty-printed, as checked in under `policies/schemas/`.
pub fn schema_json<T: schemars::JsonSchema>() -> String {
    let schema = schemars::schema_for!(T);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// [`schema_json`] for a policy type: the schema also allows the top-level [`SCHEMA_MEMBER`],
/// so an editor pointed at it by that member offers completion without flagging the member.
pub fn policy_schema_json<T: schemars::JsonSchema>() -> String {
    let mut schema = schemars::schema_for!(T);
    if let Some(properties) = schema
        .as_object_mut()
        .and_then(|root| root.get_mut("properties"))
        .and_then(serde_json::Value::as_object_mut)
    {
        properties.insert(
            SCHEMA_MEMBER.to_string(),
            serde_json::json!({
                "description": "The URL or path of this JSON Schema, for editors; ignored by Pavise.",
                "type": "string"
            }),
        );
    }
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// Compares a checked-in schema file with the schema generated now, rewriting the file first
/// when `UPDATE_SCHEMAS` is set: the staleness check each filter's tests run.
pub fn check_schema_file(path: &str, generated: &str, package: &str) -> Result<(), String> {
    if std::env::var_os("UPDATE_SCHEMAS").is_some() {
        std::fs::write(path, generated).map_err(|e| format!("{path}: {e}"))?;
    }
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    if checked_in == generated {
        Ok(())
    } else {
        Err(format!(
            "{path} is stale: run UPDATE_SCHEMAS=1 cargo test -p {package}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Outer {
        items: Vec<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        name: String,
        #[serde(default)]
        #[allow(dead_code)]
        size: u32,
    }

    impl Validate for Outer {
        fn validate(&self, at: &JsonPath, problems: &mut Problems) {
            for (i, item) in self.items.iter().enumerate() {
                if item.name.is_empty() {
                    problems.push(
                        &at.field("items").index(i).field("name"),
                        "must not be empty",
                    );
                }
            }
        }
    }

    fn err(json: &str) -> String {
        match parse_policy::<Outer>(json.as_bytes()) {
            Ok(_) => "ok".to_string(),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn valid_policy_parses() {
        let p = parse_policy::<Outer>(br#"{"items":[{"name":"a","size":2}]}"#);
        assert_eq!(p.map(|o| o.items.len()).ok(), Some(1));
    }

    #[test]
    fn unknown_field_names_its_path() {
        let e = err(r#"{"items":[{"name":"a"},{"name":"b","colour":1}]}"#);
        assert!(
            e.starts_with("$.items[1].colour: unknown field `colour`"),
            "{e}"
        );
    }

    #[test]
    fn wrong_type_names_its_path() {
        let e = err(r#"{"items":[{"name":"a","size":"big"}]}"#);
        assert!(
            e.starts_with("$.items[0].size: invalid type: string"),
            "{e}"
        );
    }

    #[test]
    fn nested_errors_gain_the_member_name() {
        let e = parse_policy::<Outer>(br#"{"items":[{"name":""}]}"#).unwrap_err();
        assert_eq!(
            e.nested("auth").to_string(),
            "$.auth.items[0].name: must not be empty"
        );
        let e = parse_policy::<Outer>(b"{}").unwrap_err();
        assert_eq!(
            e.nested("cors").to_string(),
            "$.cors: missing field `items`"
        );
    }

    #[test]
    fn missing_field_names_the_object() {
        let e = err(r#"{"items":[{"size":1}]}"#);
        assert_eq!(e, "$.items[0]: missing field `name`");
    }

    #[test]
    fn syntax_error_names_line_and_column() {
        let e = err("{\"items\": [\n  {\"name\": }\n]}");
        assert!(e.contains("invalid JSON at line 2"), "{e}");
    }

    #[test]
    fn trailing_garbage_is_refused() {
        let e = err(r#"{"items":[]} x"#);
        assert!(e.starts_with("$: invalid JSON"), "{e}");
    }

    #[test]
    fn empty_input_is_refused() {
        let e = err("");
        assert!(e.starts_with("$: invalid JSON at line 1"), "{e}");
    }

    #[test]
    fn validation_reports_every_problem_in_order() {
        let e = err(r#"{"items":[{"name":""},{"name":"x"},{"name":""}]}"#);
        assert_eq!(
            e,
            "$.items[0].name: must not be empty; $.items[2].name: must not be empty"
        );
    }

    #[test]
    fn a_byte_order_mark_is_accepted() {
        let p = parse_policy::<Outer>(b"\xEF\xBB\xBF{\"items\":[{\"name\":\"a\"}]}");
        assert_eq!(p.map(|o| o.items.len()).ok(), Some(1));
        // Only at the start, as a mark: anywhere else it is not JSON.
        let e = err("{\"items\":[]}\u{feff}");
        assert!(e.starts_with("$: invalid JSON"), "{e}");
    }

    #[test]
    fn a_schema_member_is_accepted_at_the_top_only() {
        let p = parse_policy::<Outer>(
            br#"{"$schema": "../schemas/x.schema.json", "items": [{"name": "a"}]}"#,
        );
        assert_eq!(p.map(|o| o.items.len()).ok(), Some(1));
        let p = parse_policy::<Outer>(b"\xEF\xBB\xBF{\"$schema\": \"x\", \"items\": []}");
        assert!(p.is_ok());
        assert_eq!(
            err(r#"{"$schema": 1, "items": []}"#),
            "$.$schema: expected a string: the URL or path of the policy's JSON Schema"
        );
        let e = err(r#"{"$schema": "x", "items": [{"name": "a", "$schema": "y"}]}"#);
        assert!(e.starts_with("$.items[0].$schema: unknown field"), "{e}");
        // The other errors read as they do without the member.
        assert_eq!(
            err(r#"{"$schema": "x", "items": [{"name": ""}]}"#),
            "$.items[0].name: must not be empty"
        );
        let e = err(r#"{"$schema": "x", "items": [{"name": "a", "size": "big"}]}"#);
        assert!(
            e.starts_with("$.items[0].size: invalid type: string"),
            "{e}"
        );
        let e = err("{\"$schema\": \"x\",\n \"items\": [}");
        assert!(e.starts_with("$: invalid JSON at line 2"), "{e}");
    }

    #[test]
    fn policy_schemas_allow_the_schema_member() {
        #[derive(schemars::JsonSchema)]
        #[allow(dead_code)]
        struct P {
            a: u32,
        }
        let v: serde_json::Value =
            serde_json::from_str(&policy_schema_json::<P>()).unwrap_or_default();
        assert_eq!(v["properties"]["$schema"]["type"], "string");
        assert_eq!(v["properties"]["a"]["type"], "integer");
    }

    #[test]
    fn json_path_builder() {
        let p = JsonPath::root().field("keys").index(2).field("sha256");
        assert_eq!(p.as_str(), "$.keys[2].sha256");
    }
}
