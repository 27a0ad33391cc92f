//! The stream driver on the fake host: the native module's per-stream logic, phase by phase.

use super::*;
use pavise_audit::EVENT_PROPERTY;
use pavise_auth::stage::AuthStage;
use pavise_core::stage::Stage;
use pavise_core::testing::FakeHost;
use pavise_screen::stage::ScreenStage;

fn policy(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../policies/{name}.example.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn request(extra: &[(&str, &str)]) -> FakeHost {
    let mut pairs = vec![
        (":method", "POST"),
        (":path", "/orders"),
        (":authority", "api.example.com"),
        ("x-request-id", "rid-1"),
    ];
    pairs.extend_from_slice(extra);
    FakeHost::with_request(&pairs)
}

#[test]
fn a_missing_key_is_answered_and_stops_the_headers() {
    let mut host = request(&[]);
    let chain: (Option<AuthStage>, ()) = (
        Some(AuthStage::load(&policy("auth"), &mut host).unwrap()),
        (),
    );
    let mut driver = StreamDriver::new(false);
    let flow = driver.request_headers(Some(&chain), &mut host, true, "pavise.auth");
    assert_eq!(flow, Flow::Answered);
    assert_eq!(headers_status(flow), dm::HEADERS_STOP_ITERATION);
    assert_eq!(host.reply().map(|r| r.status), Some(401));
    // A standalone filter hands its verdict over as filter state (the fake host's list).
    assert_eq!(host.verdicts.len(), 1);
}

#[test]
fn a_filter_without_a_policy_refuses_every_phase() {
    let mut host = request(&[]);
    let mut driver: StreamDriver<(Option<AuthStage>, ())> = StreamDriver::new(false);
    let flow = driver.request_headers(None, &mut host, false, "pavise.auth");
    assert_eq!(flow, Flow::Answered);
    assert_eq!(host.reply().map(|r| r.status), Some(500));
    assert_eq!(
        driver.request_body(None, &mut host, 3, true),
        BodyFlow::Answered
    );
    assert_eq!(driver.request_trailers(None, &mut host), BodyFlow::Answered);
}

#[test]
fn the_body_view_follows_the_buffering_the_chain_asked_for() {
    let mut host = request(&[("content-type", "application/json")]);
    let chain: (Option<ScreenStage>, ()) = (
        Some(ScreenStage::load(&policy("screen"), &mut host).unwrap()),
        (),
    );
    let mut driver = StreamDriver::new(false);
    assert_eq!(driver.body_view(), BodyView::Received);
    let flow = driver.request_headers(Some(&chain), &mut host, false, "pavise.screen");
    assert_eq!(flow, Flow::HoldForBody);
    assert_eq!(headers_status(flow), dm::HEADERS_CONTINUE);
    host.request_body = br#"{"q": "a"#.to_vec();
    let size = host.request_body.len();
    let flow = driver.request_body(Some(&chain), &mut host, size, false);
    assert_eq!(flow, BodyFlow::Buffer);
    assert_eq!(body_status(flow), dm::BODY_STOP_ITERATION_AND_BUFFER);
    assert_eq!(driver.body_view(), BodyView::BufferedThenReceived);
    host.request_body.extend_from_slice(b"' OR 1=1 --\"}");
    let size = host.request_body.len();
    let flow = driver.request_body(Some(&chain), &mut host, size, true);
    assert_eq!(flow, BodyFlow::Answered, "{:?}", host.replies);
    assert_eq!(body_status(flow), dm::BODY_STOP_ITERATION_NO_BUFFER);
    assert_eq!(host.reply().map(|r| r.status), Some(403));
    assert_eq!(driver.body_view(), BodyView::Received);
}

#[test]
fn the_combined_chain_keeps_verdicts_in_memory_and_audits_the_refusal() {
    let mut host = request(&[]);
    let chain = pavise_combined::load(&policy("combined"), &mut host).unwrap();
    let mut driver = StreamDriver::new(true);
    let flow = driver.request_headers(Some(&chain), &mut host, true, pavise_combined::FILTER_NAME);
    assert_eq!(flow, Flow::Answered);
    driver.log(Some(&chain), &mut host);
    // Nothing went through the host's hand-over: the verdicts stayed in the driver.
    assert!(host.verdicts.is_empty());
    let event = host.properties.get(EVENT_PROPERTY).expect("an audit event");
    let event: serde_json::Value = serde_json::from_slice(event).unwrap();
    assert!(event.to_string().contains("\"auth\""), "{event}");
}

#[test]
fn statuses_for_every_flow() {
    assert_eq!(headers_status(Flow::Continue), dm::HEADERS_CONTINUE);
    assert_eq!(headers_status(Flow::HoldForBody), dm::HEADERS_CONTINUE);
    assert_eq!(body_status(BodyFlow::Continue), dm::BODY_CONTINUE);
    assert_eq!(trailers_status(BodyFlow::Continue), dm::TRAILERS_CONTINUE);
    assert_eq!(
        trailers_status(BodyFlow::Answered),
        dm::TRAILERS_STOP_ITERATION
    );
}
