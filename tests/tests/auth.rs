//! End-to-end, in both runtimes: the auth filter (its `.wasm`, and the native module) in a real
//! Envoy, in front of pavise-echo.
//!
//! One Envoy serves most assertions (each start compiles the module); the refusal tests start
//! their own and expect it to exit.

// Tests fail by panicking.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use pavise_tests::envoy::{
    assert_refuses_to_start, upstream_header, upstream_saw, FilterSpec, Runtime, Stack,
};
use pavise_tests::http::{get, send, Response};
use sha2::{Digest, Sha256};

const KEY_CI: &str = "e2e-ci-key-5b1f3a9d0c7e4286af11";
const KEY_OPS: &str = "e2e-ops-key-c2d8e1f47a3b5069be22";
const KEY_RO: &str = "e2e-ro-key-9a7c5e3b1d0f2468ac33";
const KEY_OLD: &str = "e2e-old-key-1f2e3d4c5b6a79880d44";
const KEY_ENV: &str = "e2e-env-key-0a1b2c3d4e5f60718293a4b5";

fn digest(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

fn policy() -> String {
    format!(
        r#"{{
  "credentials": {{"header": "x-api-key", "bearer": true, "query_param": "api_key"}},
  "keys": [
    {{"id": "ci-1", "client": "ci", "sha256": "{ci}"}},
    {{"id": "ops-1", "client": "ops", "sha256": "{ops}"}},
    {{"id": "ro-1", "client": "reader", "sha256": "{ro}",
      "scope": {{"methods": ["GET"], "path_prefixes": ["/api/"]}}}},
    {{"id": "old-1", "client": "ci", "sha256": "{old}", "not_after": "2020-01-01T00:00:00Z"}},
    {{"id": "env-1", "client": "envclient", "env": "PAVISE_E2E_KEY"}}
  ],
  "routes": [
    {{"match": {{"path_prefix": "/healthz"}}, "access": "public"}},
    {{"match": {{"path_prefix": "/internal/"}}, "access": "deny"}},
    {{"match": {{"path_prefix": "/admin/"}}, "access": "authenticated", "clients": ["ops"]}},
    {{"match": {{"path_prefix": "/"}}, "access": "authenticated"}}
  ]
}}"#,
        ci = digest(KEY_CI),
        ops = digest(KEY_OPS),
        ro = digest(KEY_RO),
        old = digest(KEY_OLD),
    )
}

fn auth_filter() -> FilterSpec {
    FilterSpec::new("auth", &policy()).with_env("PAVISE_E2E_KEY")
}

fn assert_denied(r: &Response, status: u16, code: &str) {
    assert_eq!(r.status, status, "body: {}", r.text());
    assert_eq!(r.header("content-type"), Some("application/json"));
    let body = r.json();
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(body["error"]["message"].is_string());
    // The request id in the body is the one echoed in the header, and Envoy generated it.
    let id = r.header("x-request-id").expect("x-request-id echoed");
    assert_eq!(body["error"]["request_id"], id);
    assert_eq!(id.len(), 36, "Envoy's UUID: {id}");
}

fn auth_filter_in_envoy(runtime: Runtime) {
    let stack = Stack::start(runtime, &[auth_filter()], &[("PAVISE_E2E_KEY", KEY_ENV)]);
    let addr = stack.addr();

    // Missing key: 401, uniform JSON, challenges for both schemes.
    let r = get(addr, "/orders", &[]);
    assert_denied(&r, 401, "missing_credentials");
    let challenges = r.header_all("www-authenticate");
    assert!(
        challenges
            .iter()
            .any(|c| c.starts_with("ApiKey realm=\"pavise\"")),
        "{challenges:?}"
    );
    assert!(
        challenges
            .iter()
            .any(|c| c.starts_with("Bearer realm=\"pavise\"")),
        "{challenges:?}"
    );

    // Valid key: upstream sees the identity, not the key; a spoofed identity is replaced.
    let r = get(
        addr,
        "/orders?x=1",
        &[("X-Api-Key", KEY_CI), ("x-client-id", "ops")],
    );
    let seen = upstream_saw(&r);
    assert_eq!(upstream_header(&seen, "x-client-id"), vec!["ci"]);
    assert!(upstream_header(&seen, "x-api-key").is_empty());
    assert_eq!(seen["path"], "/orders?x=1");

    // Bearer: Authorization stripped.
    let r = get(
        addr,
        "/orders",
        &[("authorization", &format!("Bearer {KEY_OPS}"))],
    );
    let seen = upstream_saw(&r);
    assert_eq!(upstream_header(&seen, "x-client-id"), vec!["ops"]);
    assert!(upstream_header(&seen, "authorization").is_empty());

    // Query parameter: removed from the path before upstream, other parameters kept.
    let r = get(addr, &format!("/orders?a=1&api_key={KEY_CI}&b=2"), &[]);
    let seen = upstream_saw(&r);
    assert_eq!(seen["path"], "/orders?a=1&b=2");
    assert!(!seen.to_string().contains(KEY_CI));

    // Key from an environment variable Envoy passed to the VM.
    let r = get(addr, "/orders", &[("x-api-key", KEY_ENV)]);
    assert_eq!(
        upstream_header(&upstream_saw(&r), "x-client-id"),
        vec!["envclient"]
    );

    // Public route: no key needed; a spoofed identity is still removed.
    let r = get(addr, "/healthz", &[("x-client-id", "ops")]);
    assert!(upstream_header(&upstream_saw(&r), "x-client-id").is_empty());

    // Refusals.
    assert_denied(
        &get(addr, "/orders", &[("x-api-key", "wrong-key")]),
        401,
        "invalid_credentials",
    );
    assert_denied(
        &get(addr, "/orders", &[("x-api-key", KEY_OLD)]),
        401,
        "invalid_credentials",
    );
    assert_denied(
        &get(
            addr,
            "/orders",
            &[("x-api-key", KEY_CI), ("x-api-key", KEY_CI)],
        ),
        401,
        "ambiguous_credentials",
    );
    assert_denied(
        &get(
            addr,
            "/orders",
            &[
                ("x-api-key", KEY_CI),
                ("authorization", &format!("Bearer {KEY_OPS}")),
            ],
        ),
        401,
        "ambiguous_credentials",
    );
    assert_denied(
        &get(addr, "/admin/users", &[("x-api-key", KEY_CI)]),
        403,
        "forbidden",
    );
    assert_denied(
        &get(addr, "/internal/x", &[("x-api-key", KEY_OPS)]),
        403,
        "forbidden",
    );
    let r = send(
        addr,
        "POST",
        "/api/items",
        &[("x-api-key", KEY_RO.as_bytes())],
        Some(b"{}"),
    );
    assert_denied(&r, 403, "forbidden");
    assert_eq!(
        r.header("www-authenticate"),
        None,
        "403 carries no challenge"
    );
    upstream_saw(&get(addr, "/api/items", &[("x-api-key", KEY_RO)]));

    // A client-chosen request id is echoed only when it is safe to.
    let r = get(addr, "/orders", &[("x-request-id", "client-chosen-1")]);
    assert_eq!(
        r.json()["error"]["request_id"],
        r.header("x-request-id").unwrap_or_default()
    );

    // Very long and non-UTF-8 keys are refused, and the VM keeps serving afterwards.
    let long = "k".repeat(8000);
    assert_denied(
        &get(addr, "/orders", &[("x-api-key", &long)]),
        401,
        "invalid_credentials",
    );
    let r = send(
        addr,
        "GET",
        "/orders",
        &[("x-api-key", &[0xff, 0xfe, b'a'])],
        None,
    );
    assert_denied(&r, 401, "invalid_credentials");
    upstream_saw(&get(addr, "/orders", &[("x-api-key", KEY_CI)]));

    // Counters at the admin's Prometheus endpoint.
    let e = &stack.envoy;
    assert_eq!(
        e.counter(r#"pavise_auth_requests_total{decision="allowed",reason="key"}"#),
        6
    );
    assert_eq!(
        e.counter(r#"pavise_auth_requests_total{decision="allowed",reason="public_route"}"#),
        1
    );
    assert_eq!(
        e.counter(r#"pavise_auth_requests_total{decision="denied",reason="missing"}"#),
        2
    );
    assert_eq!(
        e.counter(r#"pavise_auth_requests_total{decision="denied",reason="expired"}"#),
        1
    );
    assert_eq!(
        e.counter(r#"pavise_auth_requests_total{decision="denied",reason="ambiguous"}"#),
        2
    );
    assert_eq!(
        e.counter(r#"pavise_auth_requests_total{decision="denied",reason="client_not_allowed"}"#),
        1
    );
    assert_eq!(
        e.counter(r#"pavise_auth_requests_total{decision="denied",reason="route_denied"}"#),
        1
    );
    assert_eq!(
        e.counter(r#"pavise_auth_requests_total{decision="denied",reason="out_of_scope"}"#),
        1
    );
    assert!(e.counter(r#"pavise_auth_requests_total{decision="denied",reason="unknown"}"#) >= 2);
    assert_eq!(
        e.counter(r#"pavise_internal_errors_total{filter="auth"}"#),
        0
    );

    // One JSON log line per denial, with the reason, and never a key.
    let log = e.log_text();
    let lines = e.decision_lines("pavise.auth");
    let expired = lines
        .iter()
        .find(|v| v["reason"] == "expired")
        .expect("expired logged");
    assert_eq!(expired["key_id"], "old-1");
    assert_eq!(expired["method"], "GET");
    assert_eq!(expired["path"], "/orders");
    assert!(expired["client_address"]
        .as_str()
        .is_some_and(|a| a.starts_with("127.0.0.1:")));
    let unknown = lines
        .iter()
        .find(|v| v["reason"] == "unknown")
        .expect("unknown logged");
    assert_eq!(unknown["key_fingerprint"].as_str().map(str::len), Some(8));
    for secret in [KEY_CI, KEY_OPS, KEY_RO, KEY_OLD, KEY_ENV, "wrong-key"] {
        assert!(!log.contains(secret), "Envoy's log contains a key");
    }
}

fn bad_policy_stops_envoy_with_the_json_path(runtime: Runtime) {
    assert_refuses_to_start(
        runtime,
        &[FilterSpec::new(
            "auth",
            &policy().replacen(&digest(KEY_OPS), "not-a-digest", 1),
        )],
        "pavise.auth: policy rejected: $.keys[1].sha256: expected 64 hex characters",
    );
}

fn missing_key_variable_stops_envoy_with_the_json_path(runtime: Runtime) {
    assert_refuses_to_start(
        runtime,
        &[auth_filter()],
        "$.keys[4].env: environment variable PAVISE_E2E_KEY is not set",
    );
}

pavise_tests::for_each_runtime!(
    auth_filter_in_envoy,
    bad_policy_stops_envoy_with_the_json_path,
    missing_key_variable_stops_envoy_with_the_json_path
);
