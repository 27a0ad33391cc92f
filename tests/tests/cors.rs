//! End-to-end, in both runtimes: the CORS filter in a real Envoy, in front of pavise-echo. What a
//! browser does with these answers is in `tests/browser.rs`; here every header is checked on the
//! wire.

// Tests fail by panicking.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use pavise_tests::envoy::{assert_refuses_to_start, upstream_saw, FilterSpec, Runtime, Stack};
use pavise_tests::http::{get, send, Response};

const POLICY: &str = r#"{
  "mode": "enforce",
  "security_headers": {"content_type_options": true, "frame_options": "DENY"},
  "routes": [
    {"name": "beta", "match": {"path_prefix": "/beta/"}, "mode": "report",
     "allow_origins": ["https://app.example.com"]},
    {"name": "api", "match": {"path_prefix": "/"},
     "allow_origins": ["https://app.example.com", "https://*.example.com"],
     "allow_methods": ["GET", "POST", "PUT"],
     "allow_headers": ["content-type", "x-csrf-token"],
     "expose_headers": ["x-request-id"],
     "allow_credentials": true,
     "max_age": 600}
  ]
}"#;

const APP: &str = "https://app.example.com";

fn preflight(addr: std::net::SocketAddr, origin: &str, method: &str, headers: &str) -> Response {
    send(
        addr,
        "OPTIONS",
        "/api/items",
        &[
            ("origin", origin.as_bytes()),
            ("access-control-request-method", method.as_bytes()),
            ("access-control-request-headers", headers.as_bytes()),
        ],
        None,
    )
}

fn assert_forbidden(r: &Response) {
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(r.json()["error"]["code"], "cors_forbidden");
    assert_eq!(r.header("access-control-allow-origin"), None);
}

fn cors_filter_in_envoy(runtime: Runtime) {
    let stack = Stack::start(runtime, &[FilterSpec::new("cors", POLICY)], &[]);
    let addr = stack.addr();

    // An allowed preflight is answered by the filter: 204, never reaching the upstream.
    let r = preflight(addr, APP, "PUT", "Content-Type, X-CSRF-Token");
    assert_eq!(r.status, 204, "{}", r.text());
    assert!(r.body.is_empty());
    assert_eq!(r.header("access-control-allow-origin"), Some(APP));
    assert_eq!(
        r.header("access-control-allow-methods"),
        Some("GET, POST, PUT")
    );
    assert_eq!(
        r.header("access-control-allow-headers"),
        Some("content-type, x-csrf-token")
    );
    assert_eq!(r.header("access-control-max-age"), Some("600"));
    assert_eq!(r.header("access-control-allow-credentials"), Some("true"));
    assert!(r.header("vary").is_some_and(|v| v.starts_with("Origin")));

    // Refused preflights: origin, method, header.
    assert_forbidden(&preflight(
        addr,
        "https://evil-example.com",
        "PUT",
        "content-type",
    ));
    assert_forbidden(&preflight(addr, "https://example.com.evil.net", "GET", ""));
    assert_forbidden(&preflight(addr, APP, "DELETE", ""));
    assert_forbidden(&preflight(addr, APP, "PUT", "x-admin"));

    // An actual request from an allowed origin: the upstream's CORS headers are replaced,
    // not duplicated, and Vary gains Origin next to the upstream's value.
    let r = get(
        addr,
        "/api/items",
        &[
            ("origin", "https://eu.example.com"),
            ("x-echo-response-header", "access-control-allow-origin: *"),
            ("x-echo-response-header", "vary: Accept-Encoding"),
            ("x-echo-response-header", "set-cookie: a=1"),
            ("x-echo-response-header", "set-cookie: b=2"),
        ],
    );
    upstream_saw(&r);
    // The edits are written back as one map: the upstream's other headers, repeated ones
    // included, and its status survive unchanged.
    assert_eq!(r.status, 200);
    assert_eq!(r.header_all("set-cookie"), vec!["a=1", "b=2"]);
    assert_eq!(
        r.header_all("access-control-allow-origin"),
        vec!["https://eu.example.com"]
    );
    assert_eq!(r.header("access-control-allow-credentials"), Some("true"));
    assert_eq!(
        r.header("access-control-expose-headers"),
        Some("x-request-id")
    );
    assert_eq!(r.header_all("vary"), vec!["Accept-Encoding, Origin"]);

    // A disallowed actual request is refused in enforce mode, repeated Origin headers too.
    assert_forbidden(&get(addr, "/api/items", &[("origin", "https://evil.net")]));
    assert_forbidden(&get(
        addr,
        "/api/items",
        &[("origin", APP), ("origin", "https://evil.net")],
    ));
    assert_forbidden(&get(addr, "/api/items", &[("origin", "null")]));

    // Report mode: through to the upstream, with no CORS headers (the browser blocks it),
    // even those the upstream set.
    let r = get(
        addr,
        "/beta/x",
        &[
            ("origin", "https://evil.net"),
            ("x-echo-response-header", "access-control-allow-origin: *"),
        ],
    );
    upstream_saw(&r);
    assert_eq!(r.header("access-control-allow-origin"), None);

    // No Origin and same-origin requests are untouched but get the security headers; a value
    // the upstream set is kept.
    let r = get(
        addr,
        "/api/items",
        &[("x-echo-response-header", "x-frame-options: SAMEORIGIN")],
    );
    upstream_saw(&r);
    assert_eq!(r.header("access-control-allow-origin"), None);
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(r.header_all("x-frame-options"), vec!["SAMEORIGIN"]);
    assert_eq!(r.header("vary"), Some("Origin"));
    let same = format!("http://{addr}");
    let r = send(
        addr,
        "POST",
        "/api/items",
        &[("origin", same.as_bytes())],
        Some(b"{}"),
    );
    upstream_saw(&r);
    assert_eq!(r.header("access-control-allow-origin"), None);

    // A plain OPTIONS (no Access-Control-Request-Method) is the upstream's to answer.
    let r = send(addr, "OPTIONS", "/api/items", &[], None);
    assert_eq!(upstream_saw(&r)["method"], "OPTIONS");

    let e = &stack.envoy;
    assert_eq!(
        e.counter(r#"pavise_cors_requests_total{decision="preflight"}"#),
        1
    );
    assert_eq!(
        e.counter(r#"pavise_cors_route_requests_total{route="api",decision="preflight"}"#),
        1
    );
    assert_eq!(
        e.counter(r#"pavise_cors_requests_total{decision="allowed"}"#),
        1
    );
    assert_eq!(
        e.counter(r#"pavise_cors_requests_total{decision="denied",reason="origin_not_allowed"}"#),
        4
    );
    assert_eq!(
        e.counter(r#"pavise_cors_requests_total{decision="denied",reason="method_not_allowed"}"#),
        1
    );
    assert_eq!(
        e.counter(r#"pavise_cors_requests_total{decision="denied",reason="header_not_allowed"}"#),
        1
    );
    assert_eq!(
        e.counter(r#"pavise_cors_requests_total{decision="denied",reason="origin_malformed"}"#),
        1
    );
    assert_eq!(
        e.counter(r#"pavise_cors_route_requests_total{route="api",decision="denied"}"#),
        7
    );
    assert_eq!(
        e.counter(r#"pavise_cors_requests_total{decision="reported",reason="origin_not_allowed"}"#),
        1
    );
    assert_eq!(
        e.counter(r#"pavise_cors_route_requests_total{route="beta",decision="reported"}"#),
        1
    );
    assert_eq!(
        e.counter(r#"pavise_cors_requests_total{decision="not_cross_origin"}"#),
        3
    );
    assert_eq!(
        e.counter(r#"pavise_internal_errors_total{filter="cors"}"#),
        0
    );

    let lines = e.decision_lines("pavise.cors");
    let reported = lines
        .iter()
        .find(|l| l["decision"] == "report")
        .expect("a report line");
    assert_eq!(reported["reason"], "origin_not_allowed");
    assert_eq!(reported["origin"], "https://evil.net");
    assert_eq!(reported["path"], "/beta/x");
    assert_eq!(lines.iter().filter(|l| l["decision"] == "deny").count(), 7);
}

fn contradictory_cors_policy_stops_envoy_with_the_json_path(runtime: Runtime) {
    assert_refuses_to_start(
        runtime,
        &[FilterSpec::new(
            "cors",
            r#"{"routes": [{"allow_origins": ["*"], "allow_credentials": true}]}"#,
        )],
        "$.routes[0].allow_origins[0]: '*' cannot be combined with \"allow_credentials\"",
    );
}

pavise_tests::for_each_runtime!(
    cors_filter_in_envoy,
    contradictory_cors_policy_stops_envoy_with_the_json_path
);
