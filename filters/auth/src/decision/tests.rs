//! Decision tests: every outcome, and the edge cases a client can produce.

use super::*;
use crate::keyring::digest_hex;

const KEY_CI: &str = "ci-key-0123456789abcdef0123456789";
const KEY_OPS: &str = "ops-key-0123456789abcdef012345678";
const KEY_OLD: &str = "old-key-0123456789abcdef012345678";
const KEY_NEW: &str = "new-key-0123456789abcdef012345678";
const KEY_RO: &str = "ro-key-0123456789abcdef0123456789";
const KEY_ENV: &str = "env-key-0123456789abcdef012345678";

// 2026-01-01T00:00:00Z and 2027-01-01T00:00:00Z
const T_2026: i64 = 1_767_225_600;
const T_2027: i64 = 1_798_761_600;
const NOW: i64 = T_2026 + 86_400;

fn policy_json() -> String {
    format!(
        r#"{{
  "credentials": {{"header": "x-api-key", "bearer": true, "query_param": "api_key"}},
  "keys": [
    {{"id": "ci-1", "client": "ci", "sha256": "{ci}"}},
    {{"id": "ops-1", "client": "ops", "sha256": "{ops}"}},
    {{"id": "rot-old", "client": "rot", "sha256": "{old}", "not_after": "2026-01-01T00:00:00Z"}},
    {{"id": "rot-new", "client": "rot", "sha256": "{new}", "not_before": "2027-01-01T00:00:00Z"}},
    {{"id": "ro-1", "client": "reader", "sha256": "{ro}",
      "scope": {{"methods": ["GET", "HEAD"], "path_prefixes": ["/api/"]}}}},
    {{"id": "env-1", "client": "envclient", "env": "PAVISE_TEST_KEY"}}
  ],
  "routes": [
    {{"match": {{"path_prefix": "/healthz"}}, "access": "public"}},
    {{"match": {{"path_prefix": "/internal/"}}, "access": "deny"}},
    {{"match": {{"host": "admin.example.com"}}, "access": "authenticated", "clients": ["ops"]}},
    {{"match": {{"path_prefix": "/admin/"}}, "access": "authenticated", "clients": ["ops"]}},
    {{"match": {{"path_prefix": "/api/"}}, "access": "authenticated"}},
    {{"match": {{"path_prefix": "/"}}, "access": "authenticated"}}
  ]
}}"#,
        ci = digest_hex(KEY_CI.as_bytes()),
        ops = digest_hex(KEY_OPS.as_bytes()),
        old = digest_hex(KEY_OLD.as_bytes()),
        new = digest_hex(KEY_NEW.as_bytes()),
        ro = digest_hex(KEY_RO.as_bytes()),
    )
}

/// The test policy's authenticator, for the whole test (a decision borrows from it).
fn auth() -> &'static Authenticator {
    Box::leak(Box::new(
        Authenticator::from_json(policy_json().as_bytes(), |name| {
            (name == "PAVISE_TEST_KEY").then(|| KEY_ENV.to_string())
        })
        .unwrap(),
    ))
}

fn req(method: &str, path: &str, extra: &[(&str, &str)]) -> HeaderList {
    let mut pairs = vec![
        (":method", method),
        (":path", path),
        (":authority", "api.example.com"),
    ];
    pairs.extend_from_slice(extra);
    HeaderList::from_pairs(&pairs)
}

fn decide(method: &str, path: &str, extra: &[(&str, &str)]) -> AuthDecision<'static> {
    auth().decide(&req(method, path, extra), NOW)
}

fn reason(d: &AuthDecision) -> Option<DenyReason> {
    match d {
        AuthDecision::Deny(r) => Some(r.reason),
        AuthDecision::Allow(_) => None,
    }
}

fn allowed<'a>(d: &'a AuthDecision<'_>) -> &'a Allowed<'a> {
    match d {
        AuthDecision::Allow(a) => a,
        AuthDecision::Deny(r) => panic!("denied: {r:?}"),
    }
}

#[test]
fn valid_header_key_is_allowed_stripped_and_identified() {
    let d = decide("GET", "/orders", &[("x-api-key", KEY_CI)]);
    let a = allowed(&d);
    assert_eq!(a.client.as_deref(), Some("ci"));
    assert_eq!(a.key_id.as_deref(), Some("ci-1"));
    assert_eq!(
        a.edits,
        vec![
            HeaderEdit::Remove("x-api-key".into()),
            HeaderEdit::Set("x-client-id".into(), "ci".into())
        ]
    );
}

#[test]
fn spoofed_identity_is_replaced() {
    let d = decide(
        "GET",
        "/orders",
        &[("x-api-key", KEY_CI), ("x-client-id", "ops")],
    );
    assert!(allowed(&d)
        .edits
        .contains(&HeaderEdit::Set("x-client-id".into(), "ci".into())));
}

#[test]
fn bearer_key_is_allowed_and_authorization_stripped() {
    let d = decide(
        "GET",
        "/orders",
        &[("authorization", &format!("Bearer {KEY_OPS}"))],
    );
    let a = allowed(&d);
    assert_eq!(a.client.as_deref(), Some("ops"));
    assert!(a
        .edits
        .contains(&HeaderEdit::Remove("authorization".into())));
}

#[test]
fn query_key_is_allowed_and_removed_from_path() {
    let d = decide("GET", &format!("/orders?x=1&api_key={KEY_CI}&y=2"), &[]);
    let a = allowed(&d);
    assert!(a
        .edits
        .contains(&HeaderEdit::Set(":path".into(), "/orders?x=1&y=2".into())));
}

#[test]
fn env_referenced_key_works() {
    let d = decide("GET", "/x", &[("x-api-key", KEY_ENV)]);
    assert_eq!(allowed(&d).client.as_deref(), Some("envclient"));
}

#[test]
fn missing_empty_and_whitespace_keys() {
    assert_eq!(reason(&decide("GET", "/x", &[])), Some(DenyReason::Missing));
    assert_eq!(
        reason(&decide("GET", "/x", &[("x-api-key", "")])),
        Some(DenyReason::Missing)
    );
    assert_eq!(
        reason(&decide("GET", "/x", &[("x-api-key", " \t ")])),
        Some(DenyReason::Missing)
    );
    assert_eq!(
        reason(&decide(
            "GET",
            "/x",
            &[("authorization", "Basic Zm9vOmJhcg==")]
        )),
        Some(DenyReason::Missing)
    );
}

#[test]
fn surrounding_whitespace_is_ignored_inner_is_not() {
    let padded = format!("  {KEY_CI}\t");
    assert!(reason(&decide("GET", "/x", &[("x-api-key", &padded)])).is_none());
    let inner = KEY_CI.replacen('-', " -", 1);
    assert_eq!(
        reason(&decide("GET", "/x", &[("x-api-key", &inner)])),
        Some(DenyReason::Unknown)
    );
}

#[test]
fn header_name_case_does_not_matter() {
    assert!(reason(&decide("GET", "/x", &[("X-Api-KEY", KEY_CI)])).is_none());
}

#[test]
fn unknown_key_is_401_with_fingerprint_only() {
    let d = decide("GET", "/x", &[("x-api-key", "not-a-key")]);
    match &d {
        AuthDecision::Deny(r) => {
            assert_eq!(r.reason, DenyReason::Unknown);
            assert_eq!(r.key_fingerprint.as_deref().map(str::len), Some(8));
            assert!(r.key_id.is_none());
        }
        AuthDecision::Allow(_) => panic!("allowed"),
    }
}

#[test]
fn key_of_different_case_or_prefix_is_unknown() {
    for k in [
        KEY_CI.to_uppercase(),
        KEY_CI[..KEY_CI.len() - 1].to_string(),
        format!("{KEY_CI}x"),
    ] {
        assert_eq!(
            reason(&decide("GET", "/x", &[("x-api-key", &k)])),
            Some(DenyReason::Unknown)
        );
    }
}

#[test]
fn very_long_key_is_unknown() {
    let long = "a".repeat(100_000);
    assert_eq!(
        reason(&decide("GET", "/x", &[("x-api-key", &long)])),
        Some(DenyReason::Unknown)
    );
}

#[test]
fn non_utf8_key_is_unknown_not_a_crash() {
    let h = HeaderList::new(vec![
        (":method".into(), b"GET".to_vec()),
        (":path".into(), b"/x".to_vec()),
        ("x-api-key".into(), vec![0xff, 0xfe, 0x80]),
    ]);
    assert_eq!(reason(&auth().decide(&h, NOW)), Some(DenyReason::Unknown));
}

#[test]
fn expired_and_not_yet_valid_keys() {
    assert_eq!(
        reason(&decide("GET", "/x", &[("x-api-key", KEY_OLD)])),
        Some(DenyReason::Expired)
    );
    assert_eq!(
        reason(&decide("GET", "/x", &[("x-api-key", KEY_NEW)])),
        Some(DenyReason::NotYetValid)
    );
}

#[test]
fn rotation_window_boundaries() {
    let a = auth();
    let old = req("GET", "/x", &[("x-api-key", KEY_OLD)]);
    let new = req("GET", "/x", &[("x-api-key", KEY_NEW)]);
    // not_after is exclusive, not_before inclusive.
    assert!(reason(&a.decide(&old, T_2026 - 1)).is_none());
    assert_eq!(reason(&a.decide(&old, T_2026)), Some(DenyReason::Expired));
    assert_eq!(
        reason(&a.decide(&new, T_2027 - 1)),
        Some(DenyReason::NotYetValid)
    );
    assert!(reason(&a.decide(&new, T_2027)).is_none());
}

#[test]
fn ambiguous_credentials() {
    let two_headers = [("x-api-key", KEY_CI), ("x-api-key", KEY_CI)];
    assert_eq!(
        reason(&decide("GET", "/x", &two_headers)),
        Some(DenyReason::Ambiguous)
    );
    let bearer = format!("Bearer {KEY_OPS}");
    let mixed = [("x-api-key", KEY_CI), ("authorization", bearer.as_str())];
    assert_eq!(
        reason(&decide("GET", "/x", &mixed)),
        Some(DenyReason::Ambiguous)
    );
    let q = format!("/x?api_key={KEY_OPS}");
    assert_eq!(
        reason(&decide("GET", &q, &[("x-api-key", KEY_CI)])),
        Some(DenyReason::Ambiguous)
    );
}

#[test]
fn scope_limits_methods_and_paths() {
    assert!(reason(&decide("GET", "/api/items", &[("x-api-key", KEY_RO)])).is_none());
    assert!(reason(&decide("HEAD", "/api/items", &[("x-api-key", KEY_RO)])).is_none());
    assert_eq!(
        reason(&decide("POST", "/api/items", &[("x-api-key", KEY_RO)])),
        Some(DenyReason::OutOfScope)
    );
    assert_eq!(
        reason(&decide("GET", "/orders", &[("x-api-key", KEY_RO)])),
        Some(DenyReason::OutOfScope)
    );
    // Methods are case-sensitive (RFC 9110): `get` is not GET.
    assert_eq!(
        reason(&decide("get", "/api/items", &[("x-api-key", KEY_RO)])),
        Some(DenyReason::OutOfScope)
    );
}

#[test]
fn scope_is_checked_on_the_normalised_path() {
    assert_eq!(
        reason(&decide("GET", "/api/../orders", &[("x-api-key", KEY_RO)])),
        Some(DenyReason::OutOfScope)
    );
}

#[test]
fn route_client_lists() {
    assert!(reason(&decide("GET", "/admin/users", &[("x-api-key", KEY_OPS)])).is_none());
    assert_eq!(
        reason(&decide("GET", "/admin/users", &[("x-api-key", KEY_CI)])),
        Some(DenyReason::ClientNotAllowed)
    );
    let mut h = req("GET", "/anything", &[("x-api-key", KEY_CI)]);
    h = HeaderList::new(
        h.iter()
            .map(|(n, v)| {
                let v = if n == ":authority" {
                    b"ADMIN.example.com:443".to_vec()
                } else {
                    v.to_vec()
                };
                (n.to_string(), v)
            })
            .collect(),
    );
    assert_eq!(
        reason(&auth().decide(&h, NOW)),
        Some(DenyReason::ClientNotAllowed)
    );
}

#[test]
fn public_route_needs_no_key_but_strips_credentials_and_identity() {
    let d = decide("GET", "/healthz", &[]);
    assert_eq!(allowed(&d).client, None);
    let d = decide(
        "GET",
        "/healthz/live",
        &[("x-api-key", "garbage"), ("x-client-id", "ops")],
    );
    let a = allowed(&d);
    assert_eq!(
        a.edits,
        vec![
            HeaderEdit::Remove("x-api-key".into()),
            HeaderEdit::Remove("x-client-id".into())
        ]
    );
}

#[test]
fn public_prefix_does_not_cover_lookalikes_or_traversal() {
    assert_eq!(
        reason(&decide("GET", "/healthzz", &[])),
        Some(DenyReason::Missing)
    );
    assert_eq!(
        reason(&decide("GET", "/healthz/../admin/x", &[])),
        Some(DenyReason::Missing)
    );
    assert_eq!(
        reason(&decide("GET", "//healthz/../../admin/", &[])),
        Some(DenyReason::Missing)
    );
}

#[test]
fn deny_route_and_default_deny() {
    assert_eq!(
        reason(&decide("GET", "/internal/x", &[("x-api-key", KEY_OPS)])),
        Some(DenyReason::RouteDenied)
    );
    assert_eq!(
        reason(&decide("GET", "/%69nternal/x", &[("x-api-key", KEY_OPS)])),
        Some(DenyReason::RouteDenied)
    );
    let only_public = Authenticator::from_json(
        br#"{"keys":[],"routes":[{"match":{"path_prefix":"/pub"},"access":"public"}]}"#,
        |_| None,
    )
    .unwrap();
    let d = only_public.decide(&req("GET", "/other", &[]), NOW);
    assert_eq!(reason(&d), Some(DenyReason::NoRoute));
}

#[test]
fn statuses_and_bodies() {
    let a = auth();
    for r in DenyReason::ALL {
        let expected = if r == DenyReason::AmbiguousPath {
            400
        } else if matches!(
            r,
            DenyReason::OutOfScope
                | DenyReason::ClientNotAllowed
                | DenyReason::RouteDenied
                | DenyReason::NoRoute
        ) {
            403
        } else {
            401
        };
        let refused = Refused {
            reason: r,
            key_id: None,
            key_fingerprint: None,
        };
        let denial = a.denial(&refused);
        assert_eq!(denial.status, expected, "{r:?}");
        let challenges: Vec<_> = denial
            .headers
            .iter()
            .filter(|(n, _)| n == "www-authenticate")
            .collect();
        assert_eq!(
            challenges.len(),
            if expected == 401 { 2 } else { 0 },
            "{r:?}"
        );
    }
}

#[test]
fn expired_and_unknown_look_the_same_to_the_client() {
    let a = auth();
    let mk = |reason| {
        a.denial(&Refused {
            reason,
            key_id: None,
            key_fingerprint: None,
        })
        .render(None)
    };
    assert_eq!(mk(DenyReason::Expired).body, mk(DenyReason::Unknown).body);
    assert_eq!(
        mk(DenyReason::NotYetValid).body,
        mk(DenyReason::Unknown).body
    );
}

#[test]
fn missing_env_key_refuses_the_policy() {
    let e = Authenticator::from_json(policy_json().as_bytes(), |_| None)
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("$.keys[5].env: environment variable PAVISE_TEST_KEY is not set"),
        "{e}"
    );
}

#[test]
fn reason_names_are_unique() {
    let names: std::collections::HashSet<_> = DenyReason::ALL.iter().map(|r| r.as_str()).collect();
    assert_eq!(names.len(), DenyReason::ALL.len());
}

fn auth_with_routing(routing: &str) -> Authenticator {
    let json = policy_json().replacen('{', &format!("{{\"routing\": {routing},"), 1);
    Authenticator::from_json(json.as_bytes(), |name| {
        (name == "PAVISE_TEST_KEY").then(|| KEY_ENV.to_string())
    })
    .unwrap()
}

/// Paths another server reads as a protected route are not let through under a laxer one.
#[test]
fn ambiguous_paths_are_refused_by_default() {
    let ci = [("x-api-key", KEY_CI)];
    for path in [
        "/admin;x/users",
        "/Admin/users",
        "/ADMIN/users",
        "/admin%2fusers",
        "/x/..%2fadmin/users",
    ] {
        let d = decide("GET", path, &ci);
        assert_eq!(reason(&d), Some(DenyReason::AmbiguousPath), "{path}");
        let AuthDecision::Deny(refused) = &d else {
            panic!("{path}")
        };
        let denial = auth().denial(refused);
        assert_eq!((denial.status, denial.code), (400, "ambiguous_path"));
        assert!(denial.headers.is_empty(), "no challenge on a 400");
    }
    assert_eq!(
        reason(&decide("GET", "/INTERNAL/x", &ci)),
        Some(DenyReason::AmbiguousPath)
    );
    for path in [
        "/healthz/..%2fapi/x",
        "/healthz/..%2Fapi/x",
        "/healthz/..%5capi/x",
        "/healthz/..\\api/x",
        "/healthz/..;/api/x",
    ] {
        assert_eq!(
            reason(&decide("GET", path, &[])),
            Some(DenyReason::AmbiguousPath),
            "{path}"
        );
    }
    // The plain forms keep their own decisions.
    assert_eq!(
        reason(&decide("GET", "/admin/users", &ci)),
        Some(DenyReason::ClientNotAllowed)
    );
    assert_eq!(
        reason(&decide("GET", "/internal/x", &ci)),
        Some(DenyReason::RouteDenied)
    );
    assert_eq!(reason(&decide("GET", "/healthz", &[])), None);
}

/// Readings that all lead to the same decision are not an ambiguity: uppercase, `;` and
/// escapes are ordinary in paths under one rule.
#[test]
fn readings_under_one_decision_pass() {
    let ci = [("x-api-key", KEY_CI)];
    for path in [
        "/api/Orders/ABC",
        "/api/a%2Fb",
        "/api/x;v=2",
        "/Reports/2026",
    ] {
        assert_eq!(reason(&decide("GET", path, &ci)), None, "{path}");
    }
    let ops = [("x-api-key", KEY_OPS)];
    assert_eq!(reason(&decide("GET", "/Admin/users", &ops)), None);
    assert_eq!(reason(&decide("GET", "/admin;x/users", &ops)), None);
    // The reader's scope is `/api/`: a reading outside it is a different decision.
    let ro = [("x-api-key", KEY_RO)];
    assert_eq!(reason(&decide("GET", "/api/x", &ro)), None);
    assert_eq!(
        reason(&decide("GET", "/api/..%2fother", &ro)),
        Some(DenyReason::AmbiguousPath)
    );
}

#[test]
fn strictest_applies_the_most_restrictive_reading() {
    let a = auth_with_routing(r#"{"ambiguous_paths": "strictest"}"#);
    let d = |path: &str, extra: &[(&str, &str)]| reason(&a.decide(&req("GET", path, extra), NOW));
    let ci = [("x-api-key", KEY_CI)];
    assert_eq!(d("/admin;x/users", &ci), Some(DenyReason::ClientNotAllowed));
    assert_eq!(d("/Admin/users", &ci), Some(DenyReason::ClientNotAllowed));
    assert_eq!(d("/INTERNAL/x", &ci), Some(DenyReason::RouteDenied));
    assert_eq!(d("/healthz/..%2fapi/x", &[]), Some(DenyReason::Missing));
    assert_eq!(d("/healthz/..\\api/x", &ci), None);
    let ops = [("x-api-key", KEY_OPS)];
    assert_eq!(d("/Admin/users", &ops), None);
}

#[test]
fn case_insensitive_routes_match_case_variants() {
    let a = auth_with_routing(r#"{"case_insensitive": true}"#);
    let d = |path: &str, extra: &[(&str, &str)]| reason(&a.decide(&req("GET", path, extra), NOW));
    let ci = [("x-api-key", KEY_CI)];
    assert_eq!(d("/Admin/users", &ci), Some(DenyReason::ClientNotAllowed));
    assert_eq!(d("/INTERNAL/x", &ci), Some(DenyReason::RouteDenied));
    assert_eq!(d("/HEALTHZ", &[]), None);
    // Case is settled; a `;` parameter still reads as another route.
    assert_eq!(d("/Admin;x/users", &ci), Some(DenyReason::AmbiguousPath));
    let ro = [("x-api-key", KEY_RO)];
    assert_eq!(d("/API/x", &ro), None);
}
