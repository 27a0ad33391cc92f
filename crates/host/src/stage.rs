//! Filter stages, and the standalone Envoy filter that runs one.
//!
//! A stage is one Pavise filter's per-request glue (auth, cors, screen): loaded from its policy
//! once, called with the request headers the caller fetched, returning a [`Step`] with its
//! verdict. Written once, a stage runs two ways: alone, as its own Envoy filter
//! ([`StandaloneRoot`], which publishes the verdict as filter state for the audit filter), or
//! inside the combined Pavise filter, which fetches the headers once for every stage and hands
//! the verdicts to the audit stage in memory.

use crate::{
    log, request_headers, send_internal_error, BodyFlow, DecisionTimer, Flow, HostError, Step,
};
use pavise_core::headers::HeaderList;
use pavise_core::policy::PolicyErrors;
use pavise_core::verdict::Verdict;
use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{Action, ContextType, LogLevel};
use std::rc::Rc;

/// One filter's per-request work.
pub trait Stage: Sized + 'static {
    /// What a stream keeps between its request and response phases.
    type Memo: Default + 'static;

    /// The filter's name in logs, e.g. `pavise.auth`.
    const NAME: &'static str;

    /// Parses the policy and defines the counters.
    fn load(policy: &[u8]) -> Result<Self, PolicyErrors>;

    /// The line logged once the policy is loaded.
    fn summary(&self) -> String;

    /// Counts a request refused because a host call failed.
    fn count_internal_error(&self);

    /// The histograms of this stage's decision time (defined at load).
    fn timer(&self) -> &DecisionTimer;

    /// Decides a request at its headers and carries the decision out (edits, local answer).
    /// `end_of_stream`: the request has no body (Envoy has removed `transfer-encoding` from
    /// the headers by now, so they cannot tell).
    fn on_request_headers(
        &self,
        headers: &HeaderList,
        end_of_stream: bool,
        memo: &mut Self::Memo,
    ) -> Result<Step, HostError>;

    /// Sees the request body as it arrives: `body_size` bytes buffered so far (all of them
    /// while the stage buffers), `end_of_stream` on the last chunk.
    fn on_request_body(
        &self,
        _memo: &mut Self::Memo,
        _body_size: usize,
        _end_of_stream: bool,
    ) -> Result<(BodyFlow, Option<Verdict>), HostError> {
        Ok((BodyFlow::Continue, None))
    }

    /// Sees the request trailers: the body, if any, is complete.
    fn on_request_trailers(
        &self,
        _memo: &mut Self::Memo,
    ) -> Result<(BodyFlow, Option<Verdict>), HostError> {
        Ok((BodyFlow::Continue, None))
    }

    /// Edits the response headers, if the stage has anything to add.
    fn on_response_headers(&self, _memo: &mut Self::Memo) {}
}

/// The proxy-wasm action for a stage's flow at the headers.
pub fn header_action(flow: Flow) -> Action {
    match flow {
        Flow::Continue | Flow::HoldForBody => Action::Continue,
        Flow::Answered => Action::Pause,
    }
}

/// The proxy-wasm action for a stage's flow at a body chunk (`Pause` buffers the body).
pub fn body_action(flow: BodyFlow) -> Action {
    match flow {
        BodyFlow::Continue => Action::Continue,
        BodyFlow::Buffer | BodyFlow::Answered => Action::Pause,
    }
}

/// The root context of a filter that runs one stage.
pub struct StandaloneRoot<S: Stage> {
    stage: Option<Rc<S>>,
}

impl<S: Stage> Default for StandaloneRoot<S> {
    fn default() -> Self {
        StandaloneRoot { stage: None }
    }
}

impl<S: Stage> Context for StandaloneRoot<S> {}

impl<S: Stage> RootContext for StandaloneRoot<S> {
    fn on_configure(&mut self, _config_size: usize) -> bool {
        match crate::load_policy(S::NAME, S::load) {
            Some(stage) => {
                log(LogLevel::Info, &stage.summary());
                self.stage = Some(Rc::new(stage));
                true
            }
            None => false,
        }
    }

    fn create_http_context(&self, _context_id: u32) -> Option<Box<dyn HttpContext>> {
        // Always a context: the SDK panics on None. Without a policy it refuses everything.
        Some(Box::new(StandaloneStream::<S> {
            stage: self.stage.clone(),
            memo: S::Memo::default(),
        }))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

struct StandaloneStream<S: Stage> {
    stage: Option<Rc<S>>,
    memo: S::Memo,
}

impl<S: Stage> Context for StandaloneStream<S> {}

impl<S: Stage> HttpContext for StandaloneStream<S> {
    fn on_http_request_headers(&mut self, _num_headers: usize, end_of_stream: bool) -> Action {
        let Some(stage) = self.stage.clone() else {
            send_internal_error(S::NAME, &HostError::no_policy());
            return Action::Pause;
        };
        let started = DecisionTimer::start();
        let step = request_headers()
            .and_then(|h| stage.on_request_headers(&h, end_of_stream, &mut self.memo));
        stage.timer().headers_done(started);
        match step {
            Ok(step) => {
                if let Some(verdict) = &step.verdict {
                    crate::publish_verdict(verdict);
                }
                header_action(step.flow)
            }
            Err(e) => {
                stage.count_internal_error();
                send_internal_error(S::NAME, &e);
                Action::Pause
            }
        }
    }

    fn on_http_request_body(&mut self, body_size: usize, end_of_stream: bool) -> Action {
        let Some(stage) = self.stage.clone() else {
            return Action::Pause;
        };
        let started = DecisionTimer::start();
        let step = stage.on_request_body(&mut self.memo, body_size, end_of_stream);
        stage.timer().body_done(started);
        self.body_step(&stage, step)
    }

    fn on_http_request_trailers(&mut self, _num_trailers: usize) -> Action {
        let Some(stage) = self.stage.clone() else {
            return Action::Pause;
        };
        let started = DecisionTimer::start();
        let step = stage.on_request_trailers(&mut self.memo);
        stage.timer().body_done(started);
        self.body_step(&stage, step)
    }

    fn on_http_response_headers(&mut self, _num_headers: usize, _end_of_stream: bool) -> Action {
        if let Some(stage) = &self.stage {
            stage.on_response_headers(&mut self.memo);
        }
        Action::Continue
    }
}

impl<S: Stage> StandaloneStream<S> {
    /// Publishes a body-phase verdict and maps the flow to an action; fails closed on error.
    fn body_step(
        &mut self,
        stage: &Rc<S>,
        step: Result<(BodyFlow, Option<Verdict>), HostError>,
    ) -> Action {
        match step {
            Ok((flow, verdict)) => {
                if let Some(verdict) = &verdict {
                    crate::publish_verdict(verdict);
                }
                body_action(flow)
            }
            Err(e) => {
                stage.count_internal_error();
                send_internal_error(S::NAME, &e);
                Action::Pause
            }
        }
    }
}
