//! A stage: one Pavise filter's per-request work, written once against the host traits
//! ([`crate::host`]) and run by any proxy.
//!
//! A stage is loaded from its policy once, then called phase by phase for each request (request
//! headers, body chunks, trailers, response headers, the end of the stream) and, outside
//! requests, at its root (timer ticks, callout answers, shutdown). It returns what the request
//! does next ([`Flow`], [`BodyFlow`]) and the verdict it reached; the chain runner publishes the
//! verdict, maps the flow to the proxy's action and fails closed on a [`HostError`].

use crate::filter::Filter;
use crate::headers::HeaderList;
use crate::host::{
    CalloutResponse, ConfigHost, DecisionTimer, Host, HostError, RootHost, StreamHost,
};
use crate::policy::PolicyErrors;
use crate::verdict::Verdict;

/// What a stage did with a request at its headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Let the request go on.
    Continue,
    /// Let the headers go on, and hold the body until the stage has inspected it. (Stopping
    /// at the headers would not do: Envoy then buffers the body without showing it to the
    /// filter. The upstream sees the headers; no body byte reaches it before the stage lets
    /// it, and a refusal resets the upstream request.)
    HoldForBody,
    /// The stage answered the request itself (a denial, a preflight).
    Answered,
}

/// A stage's flow and the verdict it reached for the audit stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub flow: Flow,
    pub verdict: Option<Verdict>,
}

impl Step {
    pub fn next(verdict: Option<Verdict>) -> Step {
        Step {
            flow: Flow::Continue,
            verdict,
        }
    }

    pub fn hold(verdict: Option<Verdict>) -> Step {
        Step {
            flow: Flow::HoldForBody,
            verdict,
        }
    }

    pub fn answered(verdict: Option<Verdict>) -> Step {
        Step {
            flow: Flow::Answered,
            verdict,
        }
    }

    /// Whether the stage answered the request.
    pub fn is_answered(&self) -> bool {
        self.flow == Flow::Answered
    }
}

/// What a stage does with the request body seen so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFlow {
    /// Let it (and everything held) go on.
    Continue,
    /// Keep buffering: nothing goes upstream yet.
    Buffer,
    /// The stage answered the request itself.
    Answered,
}

/// A stage's flow at a body chunk or the trailers, and its verdict.
pub type BodyStep = (BodyFlow, Option<Verdict>);

/// One filter's work. Every phase has a default that lets the request go on, so a stage only
/// implements the phases it needs; [`Stage::PHASES`] names them (the proxy-wasm build removes
/// the callbacks of the others, see `tools/wasm-trim`).
pub trait Stage: Sized + 'static {
    /// Which filter this is.
    const FILTER: Filter;

    /// The phases this stage implements.
    const PHASES: &'static [Phase];

    /// What a stream keeps between its phases.
    type Memo: Default + 'static;

    /// What the stage's root keeps between ticks (e.g. the audit sink's flush state).
    type Root: Default + 'static;

    /// Parses the policy and defines the metrics.
    fn load(policy: &[u8], host: &mut impl ConfigHost) -> Result<Self, PolicyErrors>;

    /// The line logged once the policy is loaded.
    fn summary(&self) -> String;

    /// Counts a request refused because a host call failed.
    fn count_internal_error(&self, host: &mut impl Host);

    /// The histograms of this stage's decision time (defined at load).
    fn timer(&self) -> &DecisionTimer;

    /// Decides a request at its headers and carries the decision out (edits, local answer).
    /// `end_of_stream`: the request has no body.
    fn on_request_headers(
        &self,
        host: &mut impl StreamHost,
        headers: &HeaderList,
        end_of_stream: bool,
        memo: &mut Self::Memo,
    ) -> Result<Step, HostError>;

    /// Sees the request body as it arrives: `body_size` bytes buffered so far (all of them
    /// while the stage buffers), `end_of_stream` on the last chunk.
    fn on_request_body(
        &self,
        _host: &mut impl StreamHost,
        _memo: &mut Self::Memo,
        _body_size: usize,
        _end_of_stream: bool,
    ) -> Result<BodyStep, HostError> {
        Ok((BodyFlow::Continue, None))
    }

    /// Sees the request trailers: the body, if any, is complete.
    fn on_request_trailers(
        &self,
        _host: &mut impl StreamHost,
        _memo: &mut Self::Memo,
    ) -> Result<BodyStep, HostError> {
        Ok((BodyFlow::Continue, None))
    }

    /// Edits the response headers, if the stage has anything to add. The response is on its
    /// way: a failure is the stage's to count and log, never a reason to refuse.
    fn on_response_headers(&self, _host: &mut impl StreamHost, _memo: &mut Self::Memo) {}

    /// The stream has ended (Envoy calls this for every stream, including those a stage
    /// answered); the verdicts of every stage are available from the host.
    fn on_log(&self, _host: &mut impl StreamHost, _memo: &mut Self::Memo) {}

    /// The policy is in place: start timers. An error refuses the configuration.
    fn on_start(&self, _host: &mut impl RootHost, _root: &mut Self::Root) -> Result<(), HostError> {
        Ok(())
    }

    /// A timer tick. `true`: a shutdown this stage delayed is over.
    fn on_tick(&self, _host: &mut impl RootHost, _root: &mut Self::Root) -> bool {
        false
    }

    /// The answer to a callout this stage made. `true`: a delayed shutdown is over.
    fn on_callout_response(
        &self,
        _host: &mut impl RootHost,
        _root: &mut Self::Root,
        _token: u32,
        _response: &CalloutResponse,
    ) -> bool {
        false
    }

    /// The policy is being replaced or the proxy stops: give back what the stage added to
    /// shared gauges (a stage cannot do it in `Drop`, which has no host).
    fn on_unload(&self, _host: &mut impl RootHost, _root: &mut Self::Root) {}

    /// The proxy is stopping or replacing the policy. `true`: done now; `false`: the stage
    /// delays the shutdown until a later tick or callout answer returns `true`.
    fn on_done(&self, _host: &mut impl RootHost, _root: &mut Self::Root) -> bool {
        true
    }

    /// The proxy removes the policy without waiting for the stage (Envoy's dynamic modules
    /// never delay it, unlike [`Stage::on_done`]): give up whatever the stage still holds,
    /// counted and logged, before [`Stage::on_unload`].
    fn on_abandon(&self, _host: &mut impl RootHost, _root: &mut Self::Root) {}

    /// The policy is being replaced without waiting for the stage (Envoy's dynamic modules):
    /// take out what the stage still holds, for the same stage of the policy that replaces it
    /// ([`Stage::on_take_over`]). `None`: nothing held.
    fn on_hand_over(
        &self,
        _host: &mut impl RootHost,
        _root: &mut Self::Root,
    ) -> Option<Box<dyn std::any::Any + Send>> {
        None
    }

    /// Takes over what the stage of the replaced policy handed over ([`Stage::on_hand_over`]).
    fn on_take_over(
        &self,
        _host: &mut impl RootHost,
        _root: &mut Self::Root,
        _held: Box<dyn std::any::Any + Send>,
    ) {
    }
}

/// A phase a stage may implement, named by the proxy-wasm callback that delivers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    RequestHeaders,
    RequestBody,
    RequestTrailers,
    ResponseHeaders,
    Log,
    Tick,
    CalloutResponse,
    Done,
}

impl Phase {
    /// The proxy-wasm ABI export that delivers this phase (what `tools/wasm-trim` keeps).
    pub const fn wasm_callback(self) -> &'static str {
        match self {
            Phase::RequestHeaders => "proxy_on_request_headers",
            Phase::RequestBody => "proxy_on_request_body",
            Phase::RequestTrailers => "proxy_on_request_trailers",
            Phase::ResponseHeaders => "proxy_on_response_headers",
            Phase::Log => "proxy_on_log",
            Phase::Tick => "proxy_on_tick",
            Phase::CalloutResponse => "proxy_on_http_call_response",
            Phase::Done => "proxy_on_done",
        }
    }
}
