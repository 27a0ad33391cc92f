//! The one chain runner: runs a list of stages through every phase of a request and of the
//! root, for any host. A standalone filter is a chain of one stage; the combined module is the
//! four stages in [`crate::filter::Filter::ALL`] order; the native module serves both.
//!
//! What it owns, so no stage and no proxy glue repeats it:
//! - the request headers are fetched once and shown to every stage in order; the first stage
//!   that answers ends the pass, as the next filter in a chain would never see the request;
//! - each verdict is handed to the host ([`StreamHost::publish_verdict`]) when it
//!   [informs the audit](Verdict::informs_audit); a failure to hand it over is logged, never
//!   fatal (auditing must not change the decision);
//! - a host call that fails inside a stage is counted by that stage and answered with a bare
//!   500: fail closed;
//! - the flows of the stages fold into one (answered beats holding beats going on);
//! - each stage's decision time ([`DecisionTimer`]), one clock reading between two stages.
//!
//! The list is a type, `(Option<A>, (Option<B>, ()))`: a stage left out of a combined policy
//! is `None`, and each stage keeps its own memo without boxing or dynamic dispatch.

use crate::denial::Denial;
use crate::headers::HeaderList;
use crate::host::{
    CalloutResponse, DecisionTimer, Host, HostError, LogLevel, RootHost, Started, StreamHost,
};
use crate::stage::{BodyFlow, BodyStep, Flow, Phase, Stage, Step};
use crate::verdict::Verdict;

/// A list of stages run in order: `()` is the empty list, `(Option<S>, Rest)` puts `S` first.
pub trait Stages: 'static {
    /// Every stage's stream memo.
    type Memo: Default + 'static;
    /// Every stage's root state.
    type Root: Default + 'static;

    /// The phases at least one stage implements.
    fn phases(into: &mut Vec<Phase>);

    /// The summary lines of the stages present.
    fn summaries(&self, into: &mut Vec<String>);

    /// Runs the stages at the request headers until one answers.
    fn request_headers(
        &self,
        host: &mut impl StreamHost,
        headers: &HeaderList,
        end_of_stream: bool,
        memo: &mut Self::Memo,
    ) -> Flow {
        let started = DecisionTimer::start(host);
        self.request_headers_from(host, headers, end_of_stream, memo, started)
    }

    /// [`Stages::request_headers`], the first stage's decision time counted from `started`;
    /// each stage's time ends where the next one's starts.
    fn request_headers_from(
        &self,
        host: &mut impl StreamHost,
        headers: &HeaderList,
        end_of_stream: bool,
        memo: &mut Self::Memo,
        started: Started,
    ) -> Flow;

    /// Runs the stages at a body chunk (`trailers`: at the trailers instead).
    fn request_body(
        &self,
        host: &mut impl StreamHost,
        memo: &mut Self::Memo,
        body_size: usize,
        end_of_stream: bool,
        trailers: bool,
    ) -> BodyFlow {
        let started = DecisionTimer::start(host);
        self.request_body_from(host, memo, body_size, end_of_stream, trailers, started)
    }

    /// [`Stages::request_body`], timed as [`Stages::request_headers_from`] is.
    fn request_body_from(
        &self,
        host: &mut impl StreamHost,
        memo: &mut Self::Memo,
        body_size: usize,
        end_of_stream: bool,
        trailers: bool,
        started: Started,
    ) -> BodyFlow;

    fn response_headers(&self, host: &mut impl StreamHost, memo: &mut Self::Memo);

    fn log(&self, host: &mut impl StreamHost, memo: &mut Self::Memo);

    fn start(&self, host: &mut impl RootHost, root: &mut Self::Root) -> Result<(), HostError>;

    /// Whether a delayed shutdown is over.
    fn tick(&self, host: &mut impl RootHost, root: &mut Self::Root) -> bool;

    fn callout_response(
        &self,
        host: &mut impl RootHost,
        root: &mut Self::Root,
        token: u32,
        response: &CalloutResponse,
    ) -> bool;

    /// Whether every stage is done now (none delays the shutdown).
    fn done(&self, host: &mut impl RootHost, root: &mut Self::Root) -> bool;

    /// The chain is being dropped (a new policy, or the proxy's exit).
    fn unload(&self, host: &mut impl RootHost, root: &mut Self::Root);

    /// The proxy drops the chain without waiting: every stage gives up what it holds.
    fn abandon(&self, host: &mut impl RootHost, root: &mut Self::Root);

    /// The chain is being replaced without waiting: what each stage still holds, by filter,
    /// for the chain that replaces it ([`Stages::take_over`]).
    fn hand_over(&self, host: &mut impl RootHost, root: &mut Self::Root, into: &mut Vec<Held>);

    /// Each stage takes over what its namesake in the replaced chain handed over; what no stage
    /// takes stays in `held`.
    fn take_over(&self, host: &mut impl RootHost, root: &mut Self::Root, held: &mut Vec<Held>);
}

/// What one stage of a replaced chain still held, for the same stage of the chain that
/// replaces it.
pub type Held = (crate::filter::Filter, Box<dyn std::any::Any + Send>);

impl Stages for () {
    type Memo = ();
    type Root = ();

    fn phases(_into: &mut Vec<Phase>) {}

    fn summaries(&self, _into: &mut Vec<String>) {}

    fn request_headers_from(
        &self,
        _host: &mut impl StreamHost,
        _headers: &HeaderList,
        _end_of_stream: bool,
        _memo: &mut (),
        _started: Started,
    ) -> Flow {
        Flow::Continue
    }

    fn request_body_from(
        &self,
        _host: &mut impl StreamHost,
        _memo: &mut (),
        _body_size: usize,
        _end_of_stream: bool,
        _trailers: bool,
        _started: Started,
    ) -> BodyFlow {
        BodyFlow::Continue
    }

    fn response_headers(&self, _host: &mut impl StreamHost, _memo: &mut ()) {}

    fn log(&self, _host: &mut impl StreamHost, _memo: &mut ()) {}

    fn start(&self, _host: &mut impl RootHost, _root: &mut ()) -> Result<(), HostError> {
        Ok(())
    }

    fn tick(&self, _host: &mut impl RootHost, _root: &mut ()) -> bool {
        false
    }

    fn callout_response(
        &self,
        _host: &mut impl RootHost,
        _root: &mut (),
        _token: u32,
        _response: &CalloutResponse,
    ) -> bool {
        false
    }

    fn done(&self, _host: &mut impl RootHost, _root: &mut ()) -> bool {
        true
    }

    fn unload(&self, _host: &mut impl RootHost, _root: &mut ()) {}

    fn abandon(&self, _host: &mut impl RootHost, _root: &mut ()) {}

    fn hand_over(&self, _host: &mut impl RootHost, _root: &mut (), _into: &mut Vec<Held>) {}

    fn take_over(&self, _host: &mut impl RootHost, _root: &mut (), _held: &mut Vec<Held>) {}
}

impl<S: Stage, Rest: Stages> Stages for (Option<S>, Rest) {
    type Memo = (S::Memo, Rest::Memo);
    type Root = (S::Root, Rest::Root);

    fn phases(into: &mut Vec<Phase>) {
        for phase in S::PHASES {
            if !into.contains(phase) {
                into.push(*phase);
            }
        }
        Rest::phases(into);
    }

    fn summaries(&self, into: &mut Vec<String>) {
        into.extend(self.0.as_ref().map(Stage::summary));
        self.1.summaries(into);
    }

    fn request_headers_from(
        &self,
        host: &mut impl StreamHost,
        headers: &HeaderList,
        end_of_stream: bool,
        memo: &mut Self::Memo,
        mut started: Started,
    ) -> Flow {
        let mut flow = Flow::Continue;
        if let Some(stage) = &self.0 {
            let step = stage.on_request_headers(host, headers, end_of_stream, &mut memo.0);
            started = stage.timer().headers_done(host, started);
            flow = match step {
                Ok(Step { flow, verdict }) => {
                    hand_over(host, verdict.as_ref());
                    flow
                }
                Err(e) => fail_closed(stage, host, &e),
            };
        }
        match flow {
            Flow::Answered => Flow::Answered,
            Flow::HoldForBody => {
                match self.1.request_headers_from(
                    host,
                    headers,
                    end_of_stream,
                    &mut memo.1,
                    started,
                ) {
                    Flow::Answered => Flow::Answered,
                    Flow::Continue | Flow::HoldForBody => Flow::HoldForBody,
                }
            }
            Flow::Continue => {
                self.1
                    .request_headers_from(host, headers, end_of_stream, &mut memo.1, started)
            }
        }
    }

    fn request_body_from(
        &self,
        host: &mut impl StreamHost,
        memo: &mut Self::Memo,
        body_size: usize,
        end_of_stream: bool,
        trailers: bool,
        mut started: Started,
    ) -> BodyFlow {
        let mut flow = BodyFlow::Continue;
        if let Some(stage) = &self.0 {
            let step: Result<BodyStep, HostError> = if trailers {
                stage.on_request_trailers(host, &mut memo.0)
            } else {
                stage.on_request_body(host, &mut memo.0, body_size, end_of_stream)
            };
            started = stage.timer().body_done(host, started);
            flow = match step {
                Ok((flow, verdict)) => {
                    hand_over(host, verdict.as_ref());
                    flow
                }
                Err(e) => {
                    fail_closed(stage, host, &e);
                    BodyFlow::Answered
                }
            };
        }
        match flow {
            BodyFlow::Answered => BodyFlow::Answered,
            BodyFlow::Buffer => {
                match self.1.request_body_from(
                    host,
                    &mut memo.1,
                    body_size,
                    end_of_stream,
                    trailers,
                    started,
                ) {
                    BodyFlow::Answered => BodyFlow::Answered,
                    BodyFlow::Continue | BodyFlow::Buffer => BodyFlow::Buffer,
                }
            }
            BodyFlow::Continue => self.1.request_body_from(
                host,
                &mut memo.1,
                body_size,
                end_of_stream,
                trailers,
                started,
            ),
        }
    }

    fn response_headers(&self, host: &mut impl StreamHost, memo: &mut Self::Memo) {
        if let Some(stage) = &self.0 {
            stage.on_response_headers(host, &mut memo.0);
        }
        self.1.response_headers(host, &mut memo.1);
    }

    fn log(&self, host: &mut impl StreamHost, memo: &mut Self::Memo) {
        if let Some(stage) = &self.0 {
            stage.on_log(host, &mut memo.0);
        }
        self.1.log(host, &mut memo.1);
    }

    fn start(&self, host: &mut impl RootHost, root: &mut Self::Root) -> Result<(), HostError> {
        if let Some(stage) = &self.0 {
            stage.on_start(host, &mut root.0)?;
        }
        self.1.start(host, &mut root.1)
    }

    fn tick(&self, host: &mut impl RootHost, root: &mut Self::Root) -> bool {
        let finished = match &self.0 {
            Some(stage) => stage.on_tick(host, &mut root.0),
            None => false,
        };
        self.1.tick(host, &mut root.1) || finished
    }

    fn callout_response(
        &self,
        host: &mut impl RootHost,
        root: &mut Self::Root,
        token: u32,
        response: &CalloutResponse,
    ) -> bool {
        let finished = match &self.0 {
            Some(stage) => stage.on_callout_response(host, &mut root.0, token, response),
            None => false,
        };
        self.1.callout_response(host, &mut root.1, token, response) || finished
    }

    fn done(&self, host: &mut impl RootHost, root: &mut Self::Root) -> bool {
        let done = match &self.0 {
            Some(stage) => stage.on_done(host, &mut root.0),
            None => true,
        };
        self.1.done(host, &mut root.1) && done
    }

    fn unload(&self, host: &mut impl RootHost, root: &mut Self::Root) {
        if let Some(stage) = &self.0 {
            stage.on_unload(host, &mut root.0);
        }
        self.1.unload(host, &mut root.1);
    }

    fn abandon(&self, host: &mut impl RootHost, root: &mut Self::Root) {
        if let Some(stage) = &self.0 {
            stage.on_abandon(host, &mut root.0);
        }
        self.1.abandon(host, &mut root.1);
    }

    fn hand_over(&self, host: &mut impl RootHost, root: &mut Self::Root, into: &mut Vec<Held>) {
        if let Some(held) = self
            .0
            .as_ref()
            .and_then(|stage| stage.on_hand_over(host, &mut root.0))
        {
            into.push((S::FILTER, held));
        }
        self.1.hand_over(host, &mut root.1, into);
    }

    fn take_over(&self, host: &mut impl RootHost, root: &mut Self::Root, held: &mut Vec<Held>) {
        if let Some(stage) = &self.0 {
            while let Some(at) = held.iter().position(|(f, _)| *f == S::FILTER) {
                let (_, h) = held.swap_remove(at);
                stage.on_take_over(host, &mut root.0, h);
            }
        }
        self.1.take_over(host, &mut root.1, held);
    }
}

/// Hands a verdict to the host if it can change the audit event.
fn hand_over(host: &mut impl StreamHost, verdict: Option<&Verdict>) {
    let Some(verdict) = verdict.filter(|v| v.informs_audit()) else {
        return;
    };
    if let Err(e) = host.publish_verdict(verdict) {
        let _ = host.log(
            LogLevel::Warn,
            &format!("cannot hand over the {} verdict: {e}", verdict.filter),
        );
    }
}

/// A stage could not decide: counts it, and answers 500.
fn fail_closed<S: Stage>(stage: &S, host: &mut impl StreamHost, error: &HostError) -> Flow {
    stage.count_internal_error(host);
    send_internal_error(host, S::FILTER.name(), error);
    Flow::Answered
}

/// Answers with a bare 500 when a filter cannot decide: fail closed. The reason goes to the
/// log only.
pub fn send_internal_error(host: &mut impl StreamHost, filter: &str, error: &HostError) {
    let _ = host.log(
        LogLevel::Error,
        &format!("{filter}: failing closed: {error}"),
    );
    let denial = Denial::new(500, "internal_error", "the request could not be checked");
    let _ = host.send_denial(&denial.render(None));
}

/// The request phase runner for one stream: fetches the headers once and runs the chain.
/// `None` for a filter whose policy never loaded refuses the request.
pub fn on_request_headers<L: Stages>(
    chain: Option<&L>,
    host: &mut impl StreamHost,
    end_of_stream: bool,
    memo: &mut L::Memo,
    filter: &str,
) -> Flow {
    let Some(chain) = chain else {
        send_internal_error(host, filter, &HostError::NoPolicy);
        return Flow::Answered;
    };
    match host.request_headers() {
        Ok(headers) => chain.request_headers(host, &headers, end_of_stream, memo),
        Err(e) => {
            send_internal_error(host, filter, &e);
            Flow::Answered
        }
    }
}

/// The verdicts of one request kept in memory, for stages that run in one module: wraps a
/// stream host and answers [`StreamHost::publish_verdict`] and [`StreamHost::verdicts`] itself.
pub struct InMemoryVerdicts<'a, H> {
    pub host: &'a mut H,
    pub verdicts: &'a mut Vec<Verdict>,
}

impl<H: Host> Host for InMemoryVerdicts<'_, H> {
    fn log(&mut self, level: LogLevel, message: &str) -> Result<(), HostError> {
        self.host.log(level, message)
    }

    fn now_unix_nanos(&mut self) -> Result<u64, HostError> {
        self.host.now_unix_nanos()
    }

    fn add_to_metric(
        &mut self,
        metric: crate::host::MetricId,
        delta: i64,
    ) -> Result<(), HostError> {
        self.host.add_to_metric(metric, delta)
    }

    fn record_metric(
        &mut self,
        metric: crate::host::MetricId,
        value: u64,
    ) -> Result<(), HostError> {
        self.host.record_metric(metric, value)
    }

    fn property(&mut self, path: &[&str]) -> Result<Option<Vec<u8>>, HostError> {
        self.host.property(path)
    }
}

impl<H: StreamHost> StreamHost for InMemoryVerdicts<'_, H> {
    fn request_headers(&mut self) -> Result<HeaderList, HostError> {
        self.host.request_headers()
    }

    fn edit_request_headers(
        &mut self,
        edits: &[crate::headers::HeaderEdit],
    ) -> Result<(), HostError> {
        self.host.edit_request_headers(edits)
    }

    fn response_headers(&mut self) -> Result<HeaderList, HostError> {
        self.host.response_headers()
    }

    fn edit_response_headers(
        &mut self,
        current: HeaderList,
        edits: &[crate::headers::HeaderEdit],
    ) -> Result<(), HostError> {
        self.host.edit_response_headers(current, edits)
    }

    fn send_response(
        &mut self,
        status: u16,
        headers: &[(String, String)],
        body: Option<&[u8]>,
    ) -> Result<(), HostError> {
        self.host.send_response(status, headers, body)
    }

    fn request_body(&mut self, start: usize, len: usize) -> Result<Vec<u8>, HostError> {
        self.host.request_body(start, len)
    }

    fn set_property(&mut self, path: &[&str], value: &[u8]) -> Result<(), HostError> {
        self.host.set_property(path, value)
    }

    fn publish_verdict(&mut self, verdict: &Verdict) -> Result<(), HostError> {
        self.verdicts.push(verdict.clone());
        Ok(())
    }

    fn verdicts(&mut self) -> Result<Vec<Verdict>, HostError> {
        Ok(self.verdicts.clone())
    }
}

#[cfg(test)]
mod tests;
