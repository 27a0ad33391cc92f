//! End-to-end, in both runtimes: no API key in any output. A valid key is sent in every place the
//! auth policy can read one (its header, `Authorization: Bearer`, its query parameter, named
//! `access` here: a name that does not say secret), on allowed and refused requests, through the
//! whole chain in a real Envoy; then every output is searched for it: Envoy's log, the audit file,
//! the OTLP batches at the sink, `/stats/prometheus`, the responses (error bodies and headers), and
//! what the upstream received.
//!
//! The combined filter redacts auth's credential locations by itself (the audit member does not
//! list `access`; before, the key was in `audit.jsonl` and the OTLP batches). Separate filters
//! cannot see each other's policies, so their audit policy names the parameter, as `pavise
//! bundle build` requires (tested in the CLI).

// Tests fail by panicking.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use pavise_tests::envoy::{
    audit_access_log_yaml, bootstrap_on, bootstrap_yaml, Echo, Envoy, FilterSpec, Runtime, Sink,
    TempDir,
};
use pavise_tests::http::{get, Response};
use pavise_tests::process::wait_for;
use sha2::{Digest, Sha256};
use std::time::Duration;

const KEY: &str = "e2e-key-in-log-9f3b7c1d5a2e4086b4c7";

fn auth_policy() -> String {
    format!(
        r#"{{"credentials": {{"header": "x-api-key", "bearer": true, "query_param": "access"}},
  "keys": [{{"id": "k1", "client": "billing", "sha256": "{}"}},
           {{"id": "k2", "client": "ops", "sha256": "{}"}}],
  "routes": [{{"match": {{"path_prefix": "/admin/"}}, "access": "authenticated", "clients": ["ops"]}},
             {{"match": {{"path_prefix": "/"}}, "access": "authenticated"}}]}}"#,
        hex::encode(Sha256::digest(KEY.as_bytes())),
        hex::encode(Sha256::digest(b"another key, for the ops client"))
    )
}

const SCREEN_POLICY: &str = r#"{"mode": "block"}"#;

fn audit_policy(redact: &str) -> String {
    format!(
        r#"{{"redact": {redact}, "http": {{"cluster": "audit_sink", "flush_interval_ms": 50}}}}"#
    )
}

/// A request: its id, path, headers and expected status.
type Case = (&'static str, String, Vec<(&'static str, String)>, u16);

/// Every request carries the valid key somewhere auth reads it.
fn requests() -> Vec<Case> {
    vec![
        (
            "in-header",
            "/api/h".into(),
            vec![("x-api-key", KEY.into())],
            200,
        ),
        (
            "in-bearer",
            "/api/b".into(),
            vec![("authorization", format!("Bearer {KEY}"))],
            200,
        ),
        ("in-query", format!("/api/qp?access={KEY}&x=1"), vec![], 200),
        (
            "in-query-encoded",
            format!("/api/qp?x=1&access={}", KEY.replace('-', "%2D")),
            vec![],
            200,
        ),
        // Refused by auth (client not allowed) and by screening: the error bodies.
        (
            "forbidden",
            format!("/admin/users?access={KEY}"),
            vec![],
            403,
        ),
        (
            "screened",
            format!("/api/s?access={KEY}&q=%3Cscript%3Ealert(1)%3C%2Fscript%3E"),
            vec![],
            403,
        ),
        (
            "screened-header",
            "/api/s?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E".into(),
            vec![("x-api-key", KEY.into())],
            403,
        ),
    ]
}

fn no_key_anywhere(runtime: Runtime, filters: &[FilterSpec]) {
    let dir = TempDir::new("pavise-audit-keys");
    let sink = Sink::start("127.0.0.1:0", &dir.0.join("sink.jsonl"));
    let echo = Echo::start();
    let mut b = bootstrap_on(runtime, filters, echo.addr);
    let audit_file = dir.0.join("audit.jsonl");
    b.hcm_extra = audit_access_log_yaml(&audit_file.display().to_string(), runtime);
    b.clusters.push(("audit_sink".to_string(), sink.addr));
    let envoy = Envoy::start(&bootstrap_yaml(&b), &[]);

    let mut responses: Vec<(&str, Response)> = Vec::new();
    for (id, path, headers, status) in requests() {
        let mut h: Vec<(&str, &str)> = vec![("x-request-id", id)];
        h.extend(headers.iter().map(|(n, v)| (*n, v.as_str())));
        let r = get(envoy.listener, &path, &h);
        assert_eq!(r.status, status, "{id}: {}", r.text());
        responses.push((id, r));
    }
    let n = responses.len();
    wait_for("every event at the sink", Duration::from_secs(10), || {
        let text = std::fs::read_to_string(&sink.file).unwrap_or_default();
        (text.matches("\"request_id\\\":").count() >= n).then_some(())
    });
    wait_for("every event in the file", Duration::from_secs(10), || {
        let text = std::fs::read_to_string(&audit_file).unwrap_or_default();
        (text.lines().count() >= n).then_some(())
    });

    let encoded = KEY.replace('-', "%2D");
    let contains_key = |text: &str| text.contains(KEY) || text.contains(&encoded);
    let audit_text = std::fs::read_to_string(&audit_file).unwrap();
    assert!(!contains_key(&audit_text), "audit file:\n{audit_text}");
    assert!(
        audit_text.contains("access=[REDACTED]"),
        "the parameter is kept, its value redacted:\n{audit_text}"
    );
    let sink_text = std::fs::read_to_string(&sink.file).unwrap();
    assert!(!contains_key(&sink_text), "OTLP batches:\n{sink_text}");
    let log = envoy.log_text();
    assert!(!contains_key(&log), "Envoy's log:\n{log}");
    let metrics = envoy.prometheus();
    assert!(!contains_key(&metrics), "metrics");
    for (id, r) in &responses {
        // For an allowed request the body is what the upstream received (pavise-echo).
        let text = r.text();
        assert!(!contains_key(&text), "{id}: body or upstream view: {text}");
        for (name, value) in &r.headers {
            assert!(!contains_key(value), "{id}: response header {name}");
        }
    }
}

fn no_key_in_any_output_through_the_chain(runtime: Runtime) {
    no_key_anywhere(
        runtime,
        &[
            FilterSpec::new("audit", &audit_policy(r#"{"query_params": ["access"]}"#)),
            FilterSpec::new("auth", &auth_policy()),
            FilterSpec::new("screen", SCREEN_POLICY),
        ],
    );
}

/// The audit member does not name `access`: the combined filter knows auth's policy and
/// redacts where it reads keys.
fn no_key_in_any_output_through_the_combined_filter(runtime: Runtime) {
    let combined = format!(
        r#"{{"audit": {}, "auth": {}, "screen": {}}}"#,
        audit_policy("{}"),
        auth_policy(),
        SCREEN_POLICY
    );
    no_key_anywhere(runtime, &[FilterSpec::new("combined", &combined)]);
}

pavise_tests::for_each_runtime!(
    no_key_in_any_output_through_the_chain,
    no_key_in_any_output_through_the_combined_filter
);
