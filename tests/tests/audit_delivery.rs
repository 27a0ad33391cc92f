//! End-to-end, in both runtimes: how audit events reach their sinks, in a real Envoy with
//! `pavise-sink` made to answer as a collector would. A batch the collector refuses for good is
//! dropped and counted and the batches after it arrive; retryable statuses are retried,
//! honouring `Retry-After`; events buffered while the collector is down are sent when Envoy
//! exits, or counted and logged as lost; the OTLP records carry what a collector filters on, and the sink's request
//! headers come from the filter's environment; the local file is written about once a second.

// Tests fail by panicking.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use pavise_tests::envoy::{
    audit_access_log_yaml, bootstrap_on, bootstrap_yaml, read_json_lines, Echo, Envoy, FilterSpec,
    Runtime, Sink, TempDir,
};
use pavise_tests::http::{get, Response};
use pavise_tests::process::wait_for;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// Envoy with `filters` of `runtime`, the local sink writing to `dir/audit.jsonl` and the HTTP
/// sink's cluster `audit_sink` pointing at `sink`, with `env` in its environment.
fn start(
    runtime: Runtime,
    filters: &[FilterSpec],
    sink: SocketAddr,
    dir: &TempDir,
    env: &[(&str, &str)],
) -> (Envoy, Echo) {
    let echo = Echo::start();
    let mut b = bootstrap_on(runtime, filters, echo.addr);
    let local = dir.0.join("audit.jsonl").display().to_string();
    b.hcm_extra = audit_access_log_yaml(&local, runtime);
    b.clusters.push(("audit_sink".to_string(), sink));
    (Envoy::start(&bootstrap_yaml(&b), env), echo)
}

fn audit_policy(http: &str) -> String {
    format!(r#"{{"http": {{"cluster": "audit_sink", {http}}}}}"#)
}

/// The OTLP log records of every body in `bodies`.
fn records(bodies: &[Value]) -> Vec<Value> {
    bodies
        .iter()
        .flat_map(|b| {
            b["resourceLogs"][0]["scopeLogs"][0]["logRecords"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .collect()
}

/// The events in OTLP bodies by request id, with how often each arrived.
fn events_by_id(bodies: &[Value]) -> HashMap<String, (usize, Value)> {
    let mut out: HashMap<String, (usize, Value)> = HashMap::new();
    for r in records(bodies) {
        let event: Value =
            serde_json::from_str(r["body"]["stringValue"].as_str().unwrap_or("null")).unwrap();
        let id = event["request_id"].as_str().unwrap_or_default().to_string();
        out.entry(id).or_insert((0, event)).0 += 1;
    }
    out
}

fn request(addr: SocketAddr, id: &str, path: &str) -> Response {
    get(addr, path, &[("x-request-id", id)])
}

/// One batch the collector refuses for good (400, as for a malformed batch) is dropped and
/// counted once; the events after it arrive. On the old outbox the refused batch went back to
/// the head of the queue forever and nothing after it was ever sent.
fn a_refused_batch_is_dropped_and_later_batches_arrive(runtime: Runtime) {
    let dir = TempDir::new("pavise-audit-refused");
    let sink = Sink::start("127.0.0.1:0", &dir.0.join("sink.jsonl"));
    let policy = audit_policy(
        r#""flush_interval_ms": 50, "batch_max_events": 1, "initial_backoff_ms": 50,
           "max_backoff_ms": 200, "timeout_ms": 1000"#,
    );
    let (envoy, _echo) = start(
        runtime,
        &[FilterSpec::new("audit", &policy)],
        sink.addr,
        &dir,
        &[],
    );
    let addr = envoy.listener;

    sink.answer(400, None, None);
    assert_eq!(request(addr, "poison", "/x").status, 200);
    wait_for("the refused batch", Duration::from_secs(10), || {
        (!sink.refused_bodies().is_empty()).then_some(())
    });
    sink.answer(200, None, None);
    for i in 0..3 {
        assert_eq!(request(addr, &format!("after-{i}"), "/x").status, 200);
    }
    let events = wait_for("the later events", Duration::from_secs(10), || {
        let e = events_by_id(&sink.bodies());
        (0..3)
            .all(|i| e.contains_key(&format!("after-{i}")))
            .then_some(e)
    });
    assert!(!events.contains_key("poison"));
    assert_eq!(
        events_by_id(&sink.refused_bodies())["poison"].0,
        1,
        "a refused batch is sent once, not retried"
    );
    assert_eq!(envoy.counter("pavise_audit_sink_rejected_total"), 1);
    assert_eq!(envoy.counter("pavise_audit_sink_sent_total"), 3);
    let log = envoy.log_text();
    assert_eq!(
        log.matches("refused a batch of 1 events (status 400, not retryable)")
            .count(),
        1,
        "one line per refused batch:\n{log}"
    );
}

/// 429, 502, 503 and 504 are retried until the collector takes the batch; any other error
/// status (here 500 and 413) is not, as OTLP/HTTP says.
fn retryable_statuses_are_retried_and_others_are_not(runtime: Runtime) {
    let dir = TempDir::new("pavise-audit-statuses");
    let sink = Sink::start("127.0.0.1:0", &dir.0.join("sink.jsonl"));
    let policy = audit_policy(
        r#""flush_interval_ms": 50, "batch_max_events": 1, "initial_backoff_ms": 50,
           "max_backoff_ms": 200, "timeout_ms": 1000"#,
    );
    let (envoy, _echo) = start(
        runtime,
        &[FilterSpec::new("audit", &policy)],
        sink.addr,
        &dir,
        &[],
    );
    let addr = envoy.listener;

    for status in [429u16, 502, 503, 504, 500, 413] {
        let id = format!("status-{status}");
        let refused_before = sink.refused_bodies().len();
        sink.answer(status, Some(2), None);
        assert_eq!(request(addr, &id, "/x").status, 200);
        if [500, 413].contains(&status) {
            wait_for("the refusal", Duration::from_secs(10), || {
                (sink.refused_bodies().len() > refused_before).then_some(())
            });
            sink.answer(200, None, None);
        } else {
            wait_for(
                &format!("{id} after retries"),
                Duration::from_secs(10),
                || events_by_id(&sink.bodies()).contains_key(&id).then_some(()),
            );
        }
    }
    let refused = events_by_id(&sink.refused_bodies());
    let delivered = events_by_id(&sink.bodies());
    for status in [429, 502, 503, 504] {
        let id = format!("status-{status}");
        assert_eq!(refused[&id].0, 2, "{id} refused twice, then sent");
        assert_eq!(delivered[&id].0, 1, "{id} delivered once");
    }
    for status in [500, 413] {
        let id = format!("status-{status}");
        assert_eq!(refused[&id].0, 1, "{id} is not retried");
        assert!(!delivered.contains_key(&id));
    }
    assert_eq!(envoy.counter("pavise_audit_sink_rejected_total"), 2);
}

/// A `Retry-After` longer than the backoff is honoured: the batch is not sent again before it.
fn retry_after_is_honoured(runtime: Runtime) {
    let dir = TempDir::new("pavise-audit-retry-after");
    let sink = Sink::start("127.0.0.1:0", &dir.0.join("sink.jsonl"));
    let policy = audit_policy(
        r#""flush_interval_ms": 50, "batch_max_events": 1, "initial_backoff_ms": 50,
           "max_backoff_ms": 10000, "timeout_ms": 1000"#,
    );
    let (envoy, _echo) = start(
        runtime,
        &[FilterSpec::new("audit", &policy)],
        sink.addr,
        &dir,
        &[],
    );
    sink.answer(503, Some(1), Some("2"));
    assert_eq!(request(envoy.listener, "later", "/x").status, 200);
    wait_for("the 503", Duration::from_secs(10), || {
        (!sink.refused_bodies().is_empty()).then_some(())
    });
    let refused_at = Instant::now();
    wait_for("the retry", Duration::from_secs(10), || {
        events_by_id(&sink.bodies())
            .contains_key("later")
            .then_some(())
    });
    // A lower bound only: the sink was asked to wait 2 s, the backoff alone is 50 ms.
    assert!(
        refused_at.elapsed() >= Duration::from_millis(1500),
        "retried after {:?}",
        refused_at.elapsed()
    );
}

/// At Envoy's exit (admin `/quitquitquit`, or a signal) Envoy calls the Wasm root context's
/// `on_done` but exits within milliseconds without waiting for it, and waits for no dynamic
/// module at all (`audit_reload.rs` covers a policy update, where the events are sent). What is
/// still buffered is at least said, with its count, in Envoy's log: the Wasm filter as it starts
/// sending, the native module as it counts them lost. Before, the events vanished without a
/// line.
fn events_buffered_at_exit_are_logged_with_their_count(runtime: Runtime) {
    let dir = TempDir::new("pavise-audit-exit");
    let sink_addr = Sink::start("127.0.0.1:0", &dir.0.join("sink.jsonl")).stop();
    let policy = audit_policy(
        r#""flush_interval_ms": 50, "batch_max_events": 2, "initial_backoff_ms": 60000,
           "max_backoff_ms": 60000, "timeout_ms": 3000"#,
    );
    let (mut envoy, _echo) = start(
        runtime,
        &[FilterSpec::new("audit", &policy)],
        sink_addr,
        &dir,
        &[],
    );
    for i in 0..3 {
        assert_eq!(
            request(envoy.listener, &format!("exit-{i}"), "/x").status,
            200
        );
    }
    wait_for("a failed attempt", Duration::from_secs(10), || {
        (envoy.counter("pavise_audit_sink_failed_batches_total") >= 1).then_some(())
    });
    assert_eq!(envoy.quit(Duration::from_secs(20)), Some(0));
    let log = envoy.log_text();
    let expected = match runtime {
        Runtime::Wasm => {
            "shutting down with 3 audit events buffered; sending them for at most 3000 ms (any \
             not sent are lost)"
        }
        Runtime::Native => {
            "3 audit events could not be sent to cluster 'audit_sink' before the configuration \
             was removed and are lost (see pavise_audit_sink_lost_total)"
        }
    };
    assert!(log.contains(expected), "no '{expected}' in:\n{log}");
}

const TOKEN: &str = "collector-token-5d2e8a0c7f1b4e3a9c6d";

/// The records carry what a collector filters on, the span of the caller's `traceparent`, the
/// configured resource, and the sink's headers: the collector's API key from the environment,
/// never in the policy or a log.
fn otlp_records_attributes_resource_and_sink_headers(runtime: Runtime) {
    let dir = TempDir::new("pavise-audit-otlp");
    let sink = Sink::start("127.0.0.1:0", &dir.0.join("sink.jsonl"));
    let key = "otlp-test-key-71c3e9a2b5d04f68";
    let auth = format!(
        r#"{{"keys": [{{"id": "k1", "client": "billing", "sha256": "{}"}}]}}"#,
        hex::encode(Sha256::digest(key.as_bytes()))
    );
    let audit = r#"{"http": {"cluster": "audit_sink", "flush_interval_ms": 50,
        "service_name": "edge-gateway", "service_instance_id": {"env": "PAVISE_TEST_INSTANCE"},
        "headers": [{"name": "authorization", "env": "PAVISE_TEST_OTLP_TOKEN", "prefix": "Bearer "},
                    {"name": "x-scope-orgid", "value": "tenant-a"}]}}"#;
    let (envoy, _echo) = start(
        runtime,
        &[
            FilterSpec::new("audit", audit)
                .with_env("PAVISE_TEST_OTLP_TOKEN")
                .with_env("PAVISE_TEST_INSTANCE"),
            FilterSpec::new("auth", &auth),
        ],
        sink.addr,
        &dir,
        &[
            ("PAVISE_TEST_OTLP_TOKEN", TOKEN),
            ("PAVISE_TEST_INSTANCE", "edge-pod-7"),
        ],
    );
    let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let r = get(
        envoy.listener,
        "/api/orders?page=2",
        &[
            ("x-request-id", "ok"),
            ("x-api-key", key),
            ("traceparent", traceparent),
        ],
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        get(envoy.listener, "/api/orders", &[("x-request-id", "no-key")]).status,
        401
    );
    let bodies = wait_for("both events", Duration::from_secs(10), || {
        let b = sink.bodies();
        (records(&b).len() >= 2).then_some(b)
    });
    assert_eq!(
        bodies[0]["resourceLogs"][0]["resource"]["attributes"],
        serde_json::json!([
            {"key": "service.name", "value": {"stringValue": "edge-gateway"}},
            {"key": "service.instance.id", "value": {"stringValue": "edge-pod-7"}}
        ])
    );
    let all = records(&bodies);
    let by_request = |id: &str| {
        all.iter()
            .find(|r| {
                r["attributes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|a| a["key"] == "pavise.request_id" && a["value"]["stringValue"] == id)
            })
            .unwrap()
            .clone()
    };
    let attr = |r: &Value, key: &str| {
        r["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["key"] == key)
            .map(|a| a["value"].clone())
    };
    let s = |v: &str| Some(serde_json::json!({ "stringValue": v }));
    let ok = by_request("ok");
    assert_eq!(ok["traceId"], "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(ok["spanId"], "00f067aa0ba902b7");
    assert_eq!(attr(&ok, "pavise.decision"), s("allowed"));
    assert_eq!(attr(&ok, "pavise.client_id"), s("billing"));
    assert_eq!(attr(&ok, "http.request.method"), s("GET"));
    assert_eq!(attr(&ok, "url.path"), s("/api/orders"));
    assert_eq!(
        attr(&ok, "http.response.status_code"),
        Some(serde_json::json!({"intValue": "200"}))
    );
    let denied = by_request("no-key");
    assert!(denied.get("spanId").is_none());
    assert_eq!(attr(&denied, "pavise.decision"), s("denied"));
    assert_eq!(attr(&denied, "pavise.decided_by"), s("auth"));
    assert_eq!(attr(&denied, "pavise.reason"), s("missing"));
    assert_eq!(
        attr(&denied, "http.response.status_code"),
        Some(serde_json::json!({"intValue": "401"}))
    );

    let headers = sink.request_headers();
    assert!(!headers.is_empty());
    for h in &headers {
        assert_eq!(h["authorization"], format!("Bearer {TOKEN}"));
        assert_eq!(h["x-scope-orgid"], "tenant-a");
    }
    assert!(
        !envoy.log_text().contains(TOKEN),
        "the token is never logged"
    );
    assert!(!envoy.prometheus().contains(TOKEN));
}

/// The local file is written about once a second: the harness, like `make run`, starts Envoy
/// with `--file-flush-interval-msec 1000` (Envoy's default is 10 s, and no config field sets
/// it). An event reaches the file well within 3 s of its request.
fn local_file_is_flushed_about_once_a_second(runtime: Runtime) {
    let dir = TempDir::new("pavise-audit-flush");
    let sink = Sink::start("127.0.0.1:0", &dir.0.join("sink.jsonl"));
    let (envoy, _echo) = start(
        runtime,
        &[FilterSpec::new("audit", r#"{"local": {"enabled": true}}"#)],
        sink.addr,
        &dir,
        &[],
    );
    let file = dir.0.join("audit.jsonl");
    for i in 0..3 {
        let id = format!("flush-{i}");
        assert_eq!(request(envoy.listener, &id, "/x").status, 200);
        let sent = Instant::now();
        wait_for(&format!("{id} in the file"), Duration::from_secs(3), || {
            read_json_lines(&file)
                .iter()
                .any(|e| e["request_id"] == id.as_str())
                .then_some(())
        });
        assert!(sent.elapsed() < Duration::from_secs(3));
    }
    // The documented way to run Envoy passes the same flag.
    let run =
        std::fs::read_to_string(pavise_tests::workspace_root().join("scripts/run.sh")).unwrap();
    assert!(run.contains("--file-flush-interval-msec 1000"), "make run");
    let docs =
        std::fs::read_to_string(pavise_tests::workspace_root().join("docs/audit.md")).unwrap();
    assert!(
        docs.contains("--file-flush-interval-msec 1000"),
        "docs/audit.md"
    );
}

pavise_tests::for_each_runtime!(
    a_refused_batch_is_dropped_and_later_batches_arrive,
    retryable_statuses_are_retried_and_others_are_not,
    retry_after_is_honoured,
    events_buffered_at_exit_are_logged_with_their_count,
    otlp_records_attributes_resource_and_sink_headers,
    local_file_is_flushed_about_once_a_second
);
