//! The runner's own rules, with toy stages on the fake host. Each real stage has its own
//! phase-by-phase tests in its crate.

use super::*;
use crate::filter::Filter;
use crate::host::{ConfigHost, DecisionTimer, Metric};
use crate::policy::PolicyErrors;
use crate::testing::FakeHost;
use crate::verdict::Outcome;

/// A stage that does what its policy byte says at the headers: `c` go on, `h` hold the body,
/// `d` deny with 403, `f` fail a host call; its body phase buffers until the end.
struct Toy {
    action: u8,
    internal_error: Metric,
    timer: DecisionTimer,
}

impl Toy {
    fn load_as(policy: &[u8], host: &mut impl ConfigHost, name: &str) -> Result<Toy, PolicyErrors> {
        Ok(Toy {
            action: policy.first().copied().unwrap_or(b'c'),
            internal_error: Metric::counter(host, name),
            timer: DecisionTimer::define(host, Filter::Auth),
        })
    }

    fn headers(&self, host: &mut impl StreamHost, filter: Filter) -> Result<Step, HostError> {
        match self.action {
            b'h' => Ok(Step::hold(None)),
            b'd' => {
                host.send_response(403, &[], None)?;
                Ok(Step::answered(Some(Verdict::new(
                    filter.member(),
                    Outcome::Denied,
                ))))
            }
            b'f' => Err(HostError::call("toy", "refused")),
            _ => Ok(Step::next(Some(Verdict::new(
                filter.member(),
                Outcome::Allowed,
            )))),
        }
    }
}

macro_rules! toy_stage {
    ($name:ident, $filter:expr) => {
        struct $name(Toy);
        impl Stage for $name {
            const FILTER: Filter = $filter;
            const PHASES: &'static [Phase] = &[Phase::RequestHeaders, Phase::RequestBody];
            type Memo = u32;
            type Root = ();
            fn load(policy: &[u8], host: &mut impl ConfigHost) -> Result<Self, PolicyErrors> {
                Toy::load_as(policy, host, concat!(stringify!($name), "_internal_error")).map($name)
            }
            fn summary(&self) -> String {
                stringify!($name).into()
            }
            fn count_internal_error(&self, host: &mut impl Host) {
                self.0.internal_error.inc(host);
            }
            fn timer(&self) -> &DecisionTimer {
                &self.0.timer
            }
            fn on_request_headers(
                &self,
                host: &mut impl StreamHost,
                _headers: &HeaderList,
                _end_of_stream: bool,
                memo: &mut u32,
            ) -> Result<Step, HostError> {
                *memo += 1;
                self.0.headers(host, $filter)
            }
            fn on_request_body(
                &self,
                _host: &mut impl StreamHost,
                memo: &mut u32,
                _body_size: usize,
                end_of_stream: bool,
            ) -> Result<BodyStep, HostError> {
                *memo += 1;
                if self.0.action == b'h' && !end_of_stream {
                    Ok((BodyFlow::Buffer, None))
                } else {
                    Ok((BodyFlow::Continue, None))
                }
            }
        }
    };
}

toy_stage!(First, Filter::Cors);
toy_stage!(Second, Filter::Screen);

type Chain = (Option<First>, (Option<Second>, ()));

fn chain(host: &mut FakeHost, first: &[u8], second: &[u8]) -> Chain {
    (
        Some(First::load(first, host).unwrap()),
        (Some(Second::load(second, host).unwrap()), ()),
    )
}

#[test]
fn every_stage_runs_in_order_and_verdicts_that_inform_the_audit_are_handed_over() {
    let mut host = FakeHost::with_request(&[(":path", "/")]);
    let chain = chain(&mut host, b"c", b"d");
    let mut memo = Default::default();
    let flow = on_request_headers(Some(&chain), &mut host, true, &mut memo, "test");
    assert_eq!(flow, Flow::Answered);
    assert_eq!(memo, (1, (1, ())));
    // The bare "allowed" of the first stage is not handed over; the denial is.
    assert_eq!(host.verdicts.len(), 1);
    assert_eq!(host.verdicts[0].filter, "screen");
    assert_eq!(host.reply().map(|r| r.status), Some(403));
}

#[test]
fn the_first_answer_ends_the_pass() {
    let mut host = FakeHost::with_request(&[]);
    let chain = chain(&mut host, b"d", b"c");
    let mut memo = Default::default();
    assert_eq!(
        on_request_headers(Some(&chain), &mut host, true, &mut memo, "test"),
        Flow::Answered
    );
    assert_eq!(memo, (1, (0, ())), "the second stage never saw the request");
}

#[test]
fn a_failed_host_call_is_counted_and_answered_500() {
    let mut host = FakeHost::with_request(&[]);
    let chain = chain(&mut host, b"c", b"f");
    let mut memo = Default::default();
    assert_eq!(
        on_request_headers(Some(&chain), &mut host, true, &mut memo, "test"),
        Flow::Answered
    );
    assert_eq!(host.metric("Second_internal_error"), Some(1));
    assert_eq!(host.metric("First_internal_error"), Some(0));
    let reply = host.reply().unwrap();
    assert_eq!(reply.status, 500);
    assert!(reply.body_text().contains("internal_error"));
    assert!(
        !reply.body_text().contains("toy"),
        "the reason stays in the log"
    );
    assert!(host
        .logs
        .iter()
        .any(|(_, l)| l.contains("pavise.screen: failing closed")));
}

#[test]
fn unreadable_headers_and_a_missing_policy_fail_closed() {
    let mut host = FakeHost::with_request(&[]);
    host.fail("request_headers");
    let chain = chain(&mut host, b"c", b"c");
    let mut memo = Default::default();
    assert_eq!(
        on_request_headers(Some(&chain), &mut host, true, &mut memo, "test"),
        Flow::Answered
    );
    assert_eq!(host.reply().map(|r| r.status), Some(500));

    let mut host = FakeHost::with_request(&[]);
    assert_eq!(
        on_request_headers::<Chain>(None, &mut host, true, &mut Default::default(), "test"),
        Flow::Answered
    );
    assert_eq!(host.reply().map(|r| r.status), Some(500));
}

#[test]
fn holding_folds_and_the_body_runs_through_every_stage() {
    let mut host = FakeHost::with_request(&[]);
    let chain = chain(&mut host, b"c", b"h");
    let mut memo = Default::default();
    assert_eq!(
        on_request_headers(Some(&chain), &mut host, false, &mut memo, "test"),
        Flow::HoldForBody
    );
    assert_eq!(
        chain.request_body(&mut host, &mut memo, 10, false, false),
        BodyFlow::Buffer
    );
    assert_eq!(
        chain.request_body(&mut host, &mut memo, 20, true, false),
        BodyFlow::Continue
    );
    assert_eq!(memo, (3, (3, ())));
}

#[test]
fn a_verdict_that_cannot_be_handed_over_changes_nothing() {
    let mut host = FakeHost::with_request(&[]);
    host.fail("publish_verdict");
    let chain = chain(&mut host, b"c", b"d");
    let mut memo = Default::default();
    assert_eq!(
        on_request_headers(Some(&chain), &mut host, true, &mut memo, "test"),
        Flow::Answered
    );
    assert_eq!(host.reply().map(|r| r.status), Some(403));
    assert!(host
        .logs
        .iter()
        .any(|(_, l)| l.contains("cannot hand over the screen verdict")));
}

#[test]
fn in_memory_verdicts_stay_in_the_module() {
    let mut host = FakeHost::with_request(&[]);
    let chain = chain(&mut host, b"c", b"d");
    let mut memo = Default::default();
    let mut verdicts = Vec::new();
    let mut inner = InMemoryVerdicts {
        host: &mut host,
        verdicts: &mut verdicts,
    };
    on_request_headers(Some(&chain), &mut inner, true, &mut memo, "test");
    assert_eq!(inner.verdicts().unwrap().len(), 1);
    assert!(host.verdicts.is_empty());
    assert_eq!(verdicts.len(), 1);
}

#[test]
fn phases_are_the_union_of_the_stages() {
    let mut phases = Vec::new();
    Chain::phases(&mut phases);
    assert_eq!(phases, [Phase::RequestHeaders, Phase::RequestBody]);
}
