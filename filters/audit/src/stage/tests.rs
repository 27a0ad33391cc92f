//! The audit stage on the fake host, through every phase: the request captured at its headers,
//! the event built at the end from the verdicts handed over, the local sink, and the HTTP
//! sink's timer, callouts, retries and drain at shutdown.

use super::*;
use pavise_core::chain::{self, Stages};
use pavise_core::stage::Flow;
use pavise_core::testing::FakeHost;

const POLICY: &str = r#"{"sample_allowed": 0.0, "local": {"enabled": true},
  "redact": {"query_params": ["token"]},
  "http": {"cluster": "audit_sink", "path": "/v1/logs", "format": "json_array",
           "batch_max_events": 2, "flush_interval_ms": 1000, "buffer_max_events": 4,
           "timeout_ms": 500}}"#;

type Chain = (Option<AuditStage>, ());

fn setup(path: &str) -> (FakeHost, Chain) {
    let mut host = FakeHost::with_request(&[
        (":method", "GET"),
        (":path", path),
        (":authority", "api.test"),
    ]);
    let chain = (
        Some(AuditStage::load(POLICY.as_bytes(), &mut host).unwrap()),
        (),
    );
    (host, chain)
}

/// One request through the stage, with `verdict` handed over by a later stage.
fn request(host: &mut FakeHost, chain: &Chain, verdict: Option<Verdict>) -> Flow {
    let mut memo = Default::default();
    host.verdicts.clear();
    let flow = chain::on_request_headers(Some(chain), host, true, &mut memo, FILTER_NAME);
    host.verdicts.extend(verdict);
    host.properties
        .insert("response.code".into(), 401u64.to_le_bytes().to_vec());
    chain.log(host, &mut memo);
    flow
}

fn denied() -> Verdict {
    let mut v = Verdict::new("auth", Outcome::Denied);
    v.reason = Some("missing".into());
    v.status = Some(401);
    v
}

#[test]
fn a_refused_request_is_logged_locally_redacted_with_its_verdict() {
    let (mut host, chain) = setup("/orders?token=s3cret&page=1");
    assert_eq!(request(&mut host, &chain, Some(denied())), Flow::Continue);
    let event = String::from_utf8(host.properties[EVENT_PROPERTY].clone()).unwrap();
    assert!(event.contains("\"missing\""), "{event}");
    assert!(!event.contains("s3cret"), "{event}");
    assert_eq!(host.metric("pavise_audit_events_total"), Some(1));
}

#[test]
fn an_allowed_request_that_is_not_sampled_is_skipped() {
    let (mut host, chain) = setup("/orders");
    request(&mut host, &chain, None);
    assert!(!host.properties.contains_key(EVENT_PROPERTY));
    assert_eq!(host.metric("pavise_audit_skipped_total"), Some(1));
}

#[test]
fn the_sink_sends_batches_on_the_timer_and_retries_a_failed_one() {
    let (mut host, chain) = setup("/orders");
    let mut root = Default::default();
    chain.start(&mut host, &mut root).unwrap();
    assert_eq!(host.tick_period, Some(Duration::from_millis(250)));
    request(&mut host, &chain, Some(denied()));
    request(&mut host, &chain, Some(denied()));
    assert!(!chain.tick(&mut host, &mut root));
    assert_eq!(host.callouts.len(), 1);
    assert_eq!(host.callouts[0].cluster, "audit_sink");
    let body = String::from_utf8(host.callouts[0].body.clone()).unwrap();
    assert_eq!(body.matches("\"missing\"").count(), 2, "{body}");

    // A 503 is retried later; the events stay held.
    let failed = CalloutResponse {
        status: Some(503),
        headers: HeaderList::from_pairs(&[(":status", "503")]),
    };
    assert!(!chain.callout_response(&mut host, &mut root, 0, &failed));
    assert_eq!(
        host.metric("pavise_audit_sink_failed_batches_total"),
        Some(1)
    );
    assert_eq!(chain.0.as_ref().unwrap().sink_depth(), 2);

    // Past the backoff, the batch goes again and is delivered.
    host.now_nanos += 60_000_000_000;
    chain.tick(&mut host, &mut root);
    assert_eq!(host.callouts.len(), 2);
    let ok = CalloutResponse {
        status: Some(200),
        headers: HeaderList::from_pairs(&[(":status", "200")]),
    };
    chain.callout_response(&mut host, &mut root, 1, &ok);
    assert_eq!(host.metric("pavise_audit_sink_sent_total"), Some(2));
    assert_eq!(chain.0.as_ref().unwrap().sink_depth(), 0);
    // An answer to no callout of ours changes nothing.
    assert!(!chain.callout_response(&mut host, &mut root, 7, &ok));
}

#[test]
fn shutdown_waits_for_the_buffer_and_gives_up_at_the_deadline() {
    let (mut host, chain) = setup("/orders");
    let mut root = Default::default();
    chain.start(&mut host, &mut root).unwrap();
    assert!(
        chain.done(&mut host, &mut root),
        "nothing held: done at once"
    );

    request(&mut host, &chain, Some(denied()));
    assert!(
        !chain.done(&mut host, &mut root),
        "the drain delays the shutdown"
    );
    assert_eq!(host.callouts.len(), 1, "the held event is sent at once");
    host.now_nanos += 1_000_000_000;
    assert!(
        chain.tick(&mut host, &mut root),
        "past the deadline the drain ends"
    );
    assert_eq!(host.metric("pavise_audit_sink_lost_total"), Some(1));
    assert!(host.logs.iter().any(|(_, l)| l.contains("are lost")));
}

#[test]
fn a_drain_ends_when_the_last_batch_is_delivered() {
    let (mut host, chain) = setup("/orders");
    let mut root = Default::default();
    request(&mut host, &chain, Some(denied()));
    assert!(!chain.done(&mut host, &mut root));
    let ok = CalloutResponse {
        status: Some(200),
        headers: HeaderList::default(),
    };
    assert!(chain.callout_response(&mut host, &mut root, 0, &ok));
    assert_eq!(host.metric("pavise_audit_sink_sent_total"), Some(1));
}

#[test]
fn no_clock_at_the_headers_fails_closed() {
    let (mut host, chain) = setup("/orders");
    host.fail("now");
    let flow = chain::on_request_headers(
        Some(&chain),
        &mut host,
        true,
        &mut Default::default(),
        FILTER_NAME,
    );
    assert_eq!(flow, Flow::Answered);
    assert_eq!(host.reply().map(|r| r.status), Some(500));
    assert_eq!(
        host.metric("pavise_internal_errors_total.filter.audit"),
        Some(1)
    );
}

#[test]
fn implements_the_headers_the_end_and_the_root_phases() {
    let mut phases = Vec::new();
    Chain::phases(&mut phases);
    assert_eq!(
        phases,
        [
            Phase::RequestHeaders,
            Phase::Log,
            Phase::Tick,
            Phase::CalloutResponse,
            Phase::Done
        ]
    );
}

#[test]
fn a_replaced_policy_hands_its_held_events_to_the_new_one() {
    let (mut host, old) = setup("/orders");
    let mut old_root = Default::default();
    request(&mut host, &old, Some(denied()));
    request(&mut host, &old, Some(denied()));
    let (_, new) = setup("/orders");
    let mut new_root = Default::default();
    let mut held = Vec::new();
    old.hand_over(&mut host, &mut old_root, &mut held);
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].0, Filter::Audit);
    new.take_over(&mut host, &mut new_root, &mut held);
    assert!(held.is_empty(), "the audit stage took its own");
    // The new policy sends them; the old one has nothing left to lose.
    old.abandon(&mut host, &mut old_root);
    assert_eq!(host.metric("pavise_audit_sink_lost_total"), Some(0));
    new.start(&mut host, &mut new_root).unwrap();
    host.now_nanos += 2_000_000_000;
    new.tick(&mut host, &mut new_root);
    assert_eq!(host.callouts.len(), 1);
    let body = String::from_utf8_lossy(&host.callouts[0].body).into_owned();
    assert_eq!(body.matches("/orders").count(), 2, "{body}");
    assert!(host
        .logs
        .iter()
        .any(|(_, l)| l.contains("took over 2 of 2")));
}

#[test]
fn events_abandoned_without_a_successor_are_counted_lost() {
    let (mut host, chain) = setup("/orders");
    let mut root = Default::default();
    request(&mut host, &chain, Some(denied()));
    chain.abandon(&mut host, &mut root);
    assert_eq!(host.metric("pavise_audit_sink_lost_total"), Some(1));
    assert!(host
        .logs
        .iter()
        .any(|(_, l)| l.contains("before the configuration was removed")));
}
