//! The combined configuration: the filters' own policies as members of one object.
//!
//! Splitting is all this crate does with policy text; each member is parsed by its filter's
//! own parser, so a policy means the same alone and combined.

use pavise_core::policy::{JsonPath, PolicyErrors, Problems};
use serde_json::Value;

/// The stages, in chain order (see `CHAIN_ORDER` in the tests crate and the README).
pub const STAGES: [&str; 4] = ["audit", "cors", "auth", "screen"];

/// Each present member's policy text, in chain order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Members(pub Vec<(&'static str, Vec<u8>)>);

impl Members {
    /// The policy text of `stage`, if present.
    pub fn get(&self, stage: &str) -> Option<&[u8]> {
        self.0
            .iter()
            .find(|(name, _)| *name == stage)
            .map(|(_, text)| text.as_slice())
    }
}

/// Splits the combined document into its members, refusing unknown or unbuilt stages.
pub fn split(json: &[u8]) -> Result<Members, PolicyErrors> {
    let root = JsonPath::root();
    let value: Value = serde_json::from_slice(json).map_err(|e| {
        PolicyErrors::single(
            &root,
            format!(
                "invalid JSON at line {} column {}: {e}",
                e.line(),
                e.column()
            ),
        )
    })?;
    let Value::Object(map) = value else {
        return Err(PolicyErrors::single(
            &root,
            "expected an object with the members audit, cors, auth, screen",
        ));
    };
    let mut problems = Problems::new();
    for name in map.keys() {
        if !STAGES.contains(&name.as_str()) {
            problems.push(
                &root.field(name),
                format!("unknown filter; expected one of {}", STAGES.join(", ")),
            );
        } else if !STAGES.contains(&name.as_str()) {
            problems.push(
                &root.field(name),
                "this build of the combined filter has no such stage",
            );
        }
    }
    problems.into_result()?;
    let members = STAGES
        .iter()
        .filter_map(|name| {
            map.get(*name)
                .map(|v| (*name, serde_json::to_vec(v).unwrap_or_default()))
        })
        .collect::<Vec<_>>();
    if members.is_empty() {
        return Err(PolicyErrors::single(&root, "no filter configured"));
    }
    Ok(Members(members))
}

/// The auth member's credential locations, `(header, query_param)`, which the audit stage
/// redacts on top of its own list: the audit stage runs first and sees the key where auth will
/// strip it. `None` without an auth member, or when it does not parse (its own loader then
/// names the problem).
pub fn auth_credentials(members: &Members) -> Option<(String, Option<String>)> {
    let auth = pavise_auth::policy::parse(members.get("auth")?).ok()?;
    Some((auth.credentials.header, auth.credentials.query_param))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(json: &str) -> String {
        split(json.as_bytes()).unwrap_err().to_string()
    }

    #[test]
    fn members_in_chain_order() {
        let m = split(br#"{"auth": {"keys": []}, "audit": {}}"#).unwrap();
        let names: Vec<&str> = m.0.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["audit", "auth"]);
        assert_eq!(m.get("auth"), Some(&br#"{"keys":[]}"#[..]));
        assert_eq!(m.get("cors"), None);
    }

    #[test]
    fn bad_documents_are_named() {
        assert_eq!(
            err("[]"),
            "$: expected an object with the members audit, cors, auth, screen"
        );
        assert_eq!(err("{}"), "$: no filter configured");
        assert_eq!(
            err(r#"{"authn": {}}"#),
            "$.authn: unknown filter; expected one of audit, cors, auth, screen"
        );
        assert!(err("{").starts_with("$: invalid JSON at line 1"));
    }

    /// The shipped example is the individual example policies, unchanged.
    #[test]
    fn example_is_the_individual_examples() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../policies");
        let combined: Value = serde_json::from_slice(
            &std::fs::read(format!("{root}/combined.example.json")).unwrap(),
        )
        .unwrap();
        for name in STAGES {
            let own: Value = serde_json::from_slice(
                &std::fs::read(format!("{root}/{name}.example.json")).unwrap(),
            )
            .unwrap();
            assert_eq!(
                combined[name], own,
                "{name} differs from {name}.example.json"
            );
        }
    }

    #[test]
    fn auth_credentials_reach_the_audit_stage() {
        let digest = "0".repeat(64);
        let json = format!(
            r#"{{"audit": {{}}, "auth": {{"credentials": {{"header": "x-key", "query_param": "access"}},
                "keys": [{{"id": "a", "client": "c", "sha256": "{digest}"}}]}}}}"#
        );
        let m = split(json.as_bytes()).unwrap();
        assert_eq!(
            auth_credentials(&m),
            Some(("x-key".to_string(), Some("access".to_string())))
        );
        assert_eq!(auth_credentials(&split(br#"{"audit": {}}"#).unwrap()), None);
    }
}
