//! The auth stage on the fake host, phase by phase: what it edits, answers, counts, logs and
//! hands to the audit stage, and that a failed host call fails closed.

use super::*;
use crate::keyring::digest_hex;
use pavise_core::chain::{self, Stages};
use pavise_core::stage::{BodyFlow, Flow};
use pavise_core::testing::FakeHost;

const KEY: &str = "stage-key-0123456789abcdef0123456";

fn policy() -> String {
    format!(
        r#"{{"credentials": {{"header": "x-api-key"}},
            "keys": [{{"id": "k1", "client": "billing", "sha256": "{}"}}],
            "routes": [{{"match": {{"path_prefix": "/healthz"}}, "access": "public"}},
                       {{"match": {{"path_prefix": "/"}}, "access": "authenticated"}}]}}"#,
        digest_hex(KEY.as_bytes())
    )
}

fn chain(host: &mut FakeHost) -> (Option<AuthStage>, ()) {
    (
        Some(AuthStage::load(policy().as_bytes(), host).unwrap()),
        (),
    )
}

fn run(headers: &[(&str, &str)]) -> (FakeHost, Flow) {
    let mut host = FakeHost::with_request(headers);
    host.properties
        .insert("source.address".into(), b"192.0.2.7:5000".to_vec());
    let chain = chain(&mut host);
    let mut memo = Default::default();
    let flow = chain::on_request_headers(Some(&chain), &mut host, true, &mut memo, FILTER_NAME);
    // Every later phase is a no-op for auth.
    assert_eq!(
        chain.request_body(&mut host, &mut memo, 0, true, false),
        BodyFlow::Continue
    );
    chain.response_headers(&mut host, &mut memo);
    chain.log(&mut host, &mut memo);
    (host, flow)
}

#[test]
fn a_valid_key_passes_stripped_and_names_the_client() {
    let (host, flow) = run(&[(":path", "/orders"), ("x-api-key", KEY)]);
    assert_eq!(flow, Flow::Continue);
    assert!(host.replies.is_empty());
    assert_eq!(
        host.request_headers.get("x-api-key"),
        None,
        "the key never goes upstream"
    );
    assert_eq!(
        host.metric("pavise_auth_requests_total.decision.allowed.reason.key"),
        Some(1)
    );
    assert_eq!(host.verdicts.len(), 1);
    assert_eq!(host.verdicts[0].client_id.as_deref(), Some("billing"));
    assert_eq!(host.verdicts[0].outcome, Outcome::Allowed);
}

#[test]
fn a_public_route_passes_without_a_verdict() {
    let (host, flow) = run(&[(":path", "/healthz")]);
    assert_eq!(flow, Flow::Continue);
    assert_eq!(
        host.metric("pavise_auth_requests_total.decision.allowed.reason.public_route"),
        Some(1)
    );
    assert!(
        host.verdicts.is_empty(),
        "a bare allowed does not inform the audit"
    );
}

#[test]
fn a_wrong_key_is_denied_counted_and_logged_without_the_key() {
    let (host, flow) = run(&[
        (":path", "/orders"),
        ("x-api-key", "not-the-key-0123456789abcdef012345"),
        ("x-request-id", "req-1"),
    ]);
    assert_eq!(flow, Flow::Answered);
    let reply = host.reply().unwrap();
    assert_eq!(reply.status, 401);
    assert!(reply.body_text().contains("req-1"));
    assert_eq!(
        host.metric("pavise_auth_requests_total.decision.denied.reason.unknown"),
        Some(1)
    );
    assert_eq!(host.verdicts[0].reason.as_deref(), Some("unknown"));
    assert_eq!(host.verdicts[0].status, Some(401));
    let line = &host
        .logs
        .iter()
        .find(|(_, l)| l.contains("\"deny\""))
        .unwrap()
        .1;
    assert!(line.contains("192.0.2.7"), "{line}");
    assert!(
        !line.contains("not-the-key"),
        "a key never reaches a log line: {line}"
    );
}

#[test]
fn no_clock_or_no_reply_fails_closed() {
    for call in ["now", "edit_request_headers", "send_response"] {
        let mut host = FakeHost::with_request(&[(":path", "/orders"), ("x-api-key", KEY)]);
        if call == "send_response" {
            host.request_headers = HeaderList::from_pairs(&[(":path", "/orders")]);
        }
        let chain = chain(&mut host);
        host.fail(call);
        let flow =
            chain::on_request_headers(Some(&chain), &mut host, true, &mut ((), ()), FILTER_NAME);
        assert_eq!(flow, Flow::Answered, "{call}");
        assert_eq!(
            host.metric("pavise_internal_errors_total.filter.auth"),
            Some(1),
            "{call}"
        );
        assert_eq!(
            host.metric("pavise_auth_requests_total.decision.allowed.reason.key"),
            Some(0),
            "{call}"
        );
    }
}

#[test]
fn implements_only_the_request_headers() {
    let mut phases = Vec::new();
    <(Option<AuthStage>, ())>::phases(&mut phases);
    assert_eq!(phases, [Phase::RequestHeaders]);
}
