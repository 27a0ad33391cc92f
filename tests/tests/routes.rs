//! End-to-end, in both runtimes: routes hold however the path is written, with the filters alone.
//! Envoy runs without its path options (`normalize_path`, `merge_slashes`,
//! `path_with_escaped_slashes_action`), so every path below reaches the filters as sent.

// Tests fail by panicking.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use pavise_tests::envoy::{upstream_saw, FilterSpec, Runtime, Stack};
use pavise_tests::http::{get, Response};
use pavise_tests::policy_text;

/// The ci client's demo key in `policies/auth.example.json` (see the README).
const KEY_CI: &str = "demo-ci-key-8d1f0c5e7a2b4c69b3e1";

/// Paths that other servers read as `/admin/users` or `/internal/x` (with the ci key), or as
/// `/api/x` (without a key), while their canonical form is under another route.
const BYPASSES_WITH_KEY: [&str; 5] = [
    "/admin;x/users",
    "/Admin/users",
    "/INTERNAL/x",
    "/admin%2fusers",
    "/api/..%2finternal/x",
];
const BYPASSES_WITHOUT_KEY: [&str; 4] = [
    "/healthz/..%2fapi/x",
    "/healthz/..%5capi/x",
    "/healthz/..\\api/x",
    "/healthz/..;/api/x",
];

fn assert_ambiguous(r: &Response, path: &str) {
    assert_eq!(r.status, 400, "{path}: {}", r.text());
    assert_eq!(r.json()["error"]["code"], "ambiguous_path", "{path}");
    assert!(
        r.header("x-request-id").is_some(),
        "{path}: the filter's denial, not the upstream's"
    );
}

/// Plain paths keep their decisions, so the refusals above are about the spelling alone.
fn assert_plain_paths_decide_as_before(stack: &Stack) {
    let addr = stack.addr();
    let ci = [("x-api-key", KEY_CI)];
    assert_eq!(get(addr, "/admin/users", &ci).status, 403);
    assert_eq!(get(addr, "/internal/x", &ci).status, 403);
    assert_eq!(get(addr, "/api/x", &[]).status, 401);
    upstream_saw(&get(addr, "/healthz", &[]));
    upstream_saw(&get(addr, "/api/Orders;v=2", &ci));
    let seen = upstream_saw(&get(addr, "/api/a%2Fb", &ci));
    assert_eq!(seen["path"], "/api/a%2Fb", "forwarded as sent: {seen}");
}

fn auth_alone_refuses_every_spelling_of_a_protected_path(runtime: Runtime) {
    let stack = Stack::start_without_path_options(
        runtime,
        &[FilterSpec::new("auth", &policy_text("auth.example.json"))],
        &[],
    );
    let addr = stack.addr();
    for path in BYPASSES_WITH_KEY {
        assert_ambiguous(&get(addr, path, &[("x-api-key", KEY_CI)]), path);
    }
    for path in BYPASSES_WITHOUT_KEY {
        assert_ambiguous(&get(addr, path, &[]), path);
    }
    assert_plain_paths_decide_as_before(&stack);
    assert!(
        stack
            .envoy
            .counter(r#"pavise_auth_requests_total{decision="denied",reason="ambiguous_path"}"#)
            >= 9,
        "{}",
        stack.envoy.prometheus()
    );
}

fn strictest_applies_the_protected_routes_decision(runtime: Runtime) {
    let policy = policy_text("auth.example.json").replacen(
        '{',
        r#"{"routing": {"ambiguous_paths": "strictest"},"#,
        1,
    );
    let stack =
        Stack::start_without_path_options(runtime, &[FilterSpec::new("auth", &policy)], &[]);
    let addr = stack.addr();
    let ci = [("x-api-key", KEY_CI)];
    for path in ["/admin;x/users", "/Admin/users", "/INTERNAL/x"] {
        let r = get(addr, path, &ci);
        assert_eq!(r.status, 403, "{path}: {}", r.text());
        assert_eq!(r.json()["error"]["code"], "forbidden");
    }
    for path in BYPASSES_WITHOUT_KEY {
        let r = get(addr, path, &[]);
        assert_eq!(r.status, 401, "{path}: {}", r.text());
        assert_eq!(r.json()["error"]["code"], "missing_credentials");
    }
}

fn case_insensitive_routes_hold_case_variants(runtime: Runtime) {
    let policy = policy_text("auth.example.json").replacen(
        '{',
        r#"{"routing": {"case_insensitive": true},"#,
        1,
    );
    let stack =
        Stack::start_without_path_options(runtime, &[FilterSpec::new("auth", &policy)], &[]);
    let addr = stack.addr();
    let ci = [("x-api-key", KEY_CI)];
    assert_eq!(get(addr, "/Admin/users", &ci).status, 403);
    assert_eq!(get(addr, "/INTERNAL/x", &ci).status, 403);
    upstream_saw(&get(addr, "/HEALTHZ", &[]));
}

/// The example chain: cors, auth and screen each hold their routes; whichever stage first sees
/// the ambiguity answers.
fn the_example_chain_refuses_every_bypass(runtime: Runtime) {
    let stack = Stack::start_without_path_options(
        runtime,
        &[
            FilterSpec::new("cors", &policy_text("cors.example.json")),
            FilterSpec::new("auth", &policy_text("auth.example.json")),
            FilterSpec::new("screen", &policy_text("screen.example.json")),
        ],
        &[],
    );
    let addr = stack.addr();
    for path in BYPASSES_WITH_KEY {
        assert_ambiguous(&get(addr, path, &[("x-api-key", KEY_CI)]), path);
    }
    for path in BYPASSES_WITHOUT_KEY {
        assert_ambiguous(&get(addr, path, &[]), path);
    }
    assert_plain_paths_decide_as_before(&stack);
}

pavise_tests::for_each_runtime!(
    auth_alone_refuses_every_spelling_of_a_protected_path,
    strictest_applies_the_protected_routes_decision,
    case_insensitive_routes_hold_case_variants,
    the_example_chain_refuses_every_bypass
);
