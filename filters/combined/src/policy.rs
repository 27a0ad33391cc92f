//! The combined configuration: the filters' own policies as members of one object.
//!
//! Splitting is all this crate does with policy text; each member is parsed by its filter's
//! own parser, so a policy means the same alone and combined.

use pavise_core::filter::Filter;
use pavise_core::policy::{strip_bom, take_schema_member, JsonPath, PolicyErrors, Problems};
use serde_json::Value;

/// Each present member's policy text, in chain order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Members(pub Vec<(Filter, Vec<u8>)>);

impl Members {
    /// The policy text of `filter`, if present.
    pub fn get(&self, filter: Filter) -> Option<&[u8]> {
        self.0
            .iter()
            .find(|(f, _)| *f == filter)
            .map(|(_, text)| text.as_slice())
    }
}

/// The members' names, in chain order, for error messages.
fn member_names() -> String {
    Filter::ALL.map(Filter::member).join(", ")
}

/// Splits the combined document into its members, refusing unknown or unbuilt stages. As in
/// every policy, a leading UTF-8 byte order mark and a top-level `"$schema"` are accepted.
pub fn split(json: &[u8]) -> Result<Members, PolicyErrors> {
    let root = JsonPath::root();
    let mut value: Value = serde_json::from_slice(strip_bom(json)).map_err(|e| {
        PolicyErrors::single(
            &root,
            format!(
                "invalid JSON at line {} column {}: {e}",
                e.line(),
                e.column()
            ),
        )
    })?;
    take_schema_member(&mut value)?;
    let Value::Object(map) = value else {
        return Err(PolicyErrors::single(
            &root,
            format!("expected an object with the members {}", member_names()),
        ));
    };
    let mut problems = Problems::new();
    for name in map.keys() {
        if Filter::from_member(name).is_none() {
            problems.push(
                &root.field(name),
                format!("unknown filter; expected one of {}", member_names()),
            );
        }
    }
    problems.into_result()?;
    let members = Filter::ALL
        .into_iter()
        .filter_map(|f| {
            map.get(f.member())
                .map(|v| (f, serde_json::to_vec(v).unwrap_or_default()))
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
    let auth = pavise_auth::policy::parse(members.get(Filter::Auth)?).ok()?;
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
        let names: Vec<Filter> = m.0.iter().map(|(f, _)| *f).collect();
        assert_eq!(names, [Filter::Audit, Filter::Auth]);
        assert_eq!(m.get(Filter::Auth), Some(&br#"{"keys":[]}"#[..]));
        assert_eq!(m.get(Filter::Cors), None);
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
        assert_eq!(
            err(r#"{"$schema": true, "auth": {}}"#),
            "$.$schema: expected a string: the URL or path of the policy's JSON Schema"
        );
    }

    #[test]
    fn a_schema_member_and_a_byte_order_mark_are_accepted() {
        let m = split(
            "\u{feff}{\"$schema\": \"./combined.schema.json\", \"auth\": {\"$schema\": \"a\", \"keys\": []}}"
                .as_bytes(),
        )
        .unwrap();
        let names: Vec<Filter> = m.0.iter().map(|(f, _)| *f).collect();
        assert_eq!(names, [Filter::Auth]);
        // The member's own `$schema` is its parser's to accept.
        assert_eq!(
            m.get(Filter::Auth),
            Some(&br#"{"$schema":"a","keys":[]}"#[..])
        );
    }

    /// The shipped example is the individual example policies, unchanged.
    #[test]
    fn example_is_the_individual_examples() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../policies");
        let combined: Value = serde_json::from_slice(
            &std::fs::read(format!("{root}/combined.example.json")).unwrap(),
        )
        .unwrap();
        for name in Filter::ALL.map(Filter::member) {
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
