//! A chain of stages as one proxy-wasm filter: the root and stream contexts every Pavise Wasm
//! module uses, over the host-independent runner [`pavise_core::chain`].
//!
//! A standalone filter is a chain of one stage whose verdict travels to the audit filter as
//! filter state ([`Handover::FilterState`]); the combined module is the four stages in one
//! chain whose verdicts stay in memory ([`Handover::InMemory`]).

use crate::wasm::WasmHost;
use pavise_core::chain::{self as runner, InMemoryVerdicts, Stages};
use pavise_core::host::{Host, LogLevel, RootHost};
use pavise_core::policy::PolicyErrors;
use pavise_core::stage::{BodyFlow, Flow, Stage};
use pavise_core::verdict::Verdict;
use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{Action, ContextType};
use std::rc::Rc;

/// How the stages' verdicts reach the audit stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handover {
    /// As Envoy filter state, for an audit filter elsewhere in the chain.
    FilterState,
    /// In memory, for an audit stage in the same module.
    InMemory,
}

/// Parses a chain's policy and defines its metrics.
pub type Loader<L> = fn(&[u8], &mut WasmHost) -> Result<L, PolicyErrors>;

/// The root of a filter that runs `S` alone, its verdicts handed over as filter state.
pub fn standalone<S: Stage>() -> ChainRoot<(Option<S>, ())> {
    ChainRoot::new(S::FILTER.name(), load_one::<S>, Handover::FilterState)
}

fn load_one<S: Stage>(json: &[u8], host: &mut WasmHost) -> Result<(Option<S>, ()), PolicyErrors> {
    Ok((Some(S::load(json, host)?), ()))
}

/// The root context of a Pavise Wasm filter.
pub struct ChainRoot<L: Stages> {
    name: &'static str,
    load: Loader<L>,
    handover: Handover,
    chain: Option<Rc<L>>,
    root: L::Root,
}

impl<L: Stages> ChainRoot<L> {
    /// `name` is the filter's name in log lines (`pavise.auth`, `pavise.combined`).
    pub fn new(name: &'static str, load: Loader<L>, handover: Handover) -> ChainRoot<L> {
        ChainRoot {
            name,
            load,
            handover,
            chain: None,
            root: L::Root::default(),
        }
    }

    /// Tells the host that a delayed shutdown is over.
    fn finish_shutdown(&self) {
        if let Err(e) = WasmHost.done() {
            let _ = WasmHost.log(LogLevel::Warn, &format!("{}: {e}", self.name));
        }
    }
}

/// A policy replaced by a reload (or Envoy's exit) takes its share of shared gauges with it.
impl<L: Stages> Drop for ChainRoot<L> {
    fn drop(&mut self) {
        if let Some(chain) = &self.chain {
            chain.unload(&mut WasmHost, &mut self.root);
        }
    }
}

impl<L: Stages> Context for ChainRoot<L> {
    fn on_http_call_response(&mut self, token: u32, _: usize, _: usize, _: usize) {
        if let Some(chain) = &self.chain {
            let response = WasmHost.callout_response();
            if chain.callout_response(&mut WasmHost, &mut self.root, token, &response) {
                self.finish_shutdown();
            }
        }
    }

    /// The VM is being replaced or the proxy is stopping: a stage may delay it (the audit
    /// stage sends what is buffered first).
    fn on_done(&mut self) -> bool {
        match &self.chain {
            Some(chain) => chain.done(&mut WasmHost, &mut self.root),
            None => true,
        }
    }
}

impl<L: Stages> RootContext for ChainRoot<L> {
    /// Loads the policy; a policy that does not load is refused (Envoy keeps the old one, or
    /// refuses to start) with `<filter>: policy rejected: <path-named errors>` in its log.
    fn on_configure(&mut self, _config_size: usize) -> bool {
        let mut host = WasmHost;
        let loaded = host
            .plugin_configuration()
            .map_err(|e| format!("cannot read the plugin configuration ({e})"))
            .and_then(|bytes| (self.load)(&bytes, &mut host).map_err(|e| e.to_string()));
        let chain = match loaded {
            Ok(chain) => chain,
            Err(e) => {
                let _ = host.log(
                    LogLevel::Critical,
                    &format!("{}: policy rejected: {e}", self.name),
                );
                return false;
            }
        };
        if let Err(e) = chain.start(&mut host, &mut self.root) {
            let _ = host.log(LogLevel::Critical, &format!("{}: {e}", self.name));
            return false;
        }
        let mut summaries = Vec::new();
        chain.summaries(&mut summaries);
        for line in summaries {
            let line = match self.handover {
                Handover::FilterState => line,
                Handover::InMemory => format!("{}: {line}", self.name),
            };
            let _ = host.log(LogLevel::Info, &line);
        }
        self.chain = Some(Rc::new(chain));
        true
    }

    fn on_tick(&mut self) {
        if let Some(chain) = &self.chain {
            if chain.tick(&mut WasmHost, &mut self.root) {
                self.finish_shutdown();
            }
        }
    }

    fn create_http_context(&self, _context_id: u32) -> Option<Box<dyn HttpContext>> {
        // Always a context: the SDK panics on None. Without a policy it refuses everything.
        Some(Box::new(ChainStream::<L> {
            name: self.name,
            chain: self.chain.clone(),
            memo: L::Memo::default(),
            verdicts: match self.handover {
                Handover::FilterState => None,
                Handover::InMemory => Some(Vec::new()),
            },
        }))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

struct ChainStream<L: Stages> {
    name: &'static str,
    chain: Option<Rc<L>>,
    memo: L::Memo,
    /// The verdicts of this request, when they stay in memory.
    verdicts: Option<Vec<Verdict>>,
}

/// Runs `$body` with `$host` bound to this stream's host: the proxy-wasm host, wrapped to keep
/// verdicts in memory when the stream does.
macro_rules! with_host {
    ($stream:expr, |$host:ident| $body:expr) => {
        match $stream.verdicts.as_mut() {
            Some(verdicts) => {
                let $host = &mut InMemoryVerdicts {
                    host: &mut WasmHost,
                    verdicts,
                };
                $body
            }
            None => {
                let $host = &mut WasmHost;
                $body
            }
        }
    };
}

/// The proxy-wasm action for a flow at the headers.
fn header_action(flow: Flow) -> Action {
    match flow {
        Flow::Continue | Flow::HoldForBody => Action::Continue,
        Flow::Answered => Action::Pause,
    }
}

/// The proxy-wasm action for a flow at a body chunk (`Pause` buffers the body).
fn body_action(flow: BodyFlow) -> Action {
    match flow {
        BodyFlow::Continue => Action::Continue,
        BodyFlow::Buffer | BodyFlow::Answered => Action::Pause,
    }
}

impl<L: Stages> Context for ChainStream<L> {}

impl<L: Stages> HttpContext for ChainStream<L> {
    fn on_http_request_headers(&mut self, _num_headers: usize, end_of_stream: bool) -> Action {
        let chain = self.chain.clone();
        let (name, memo) = (self.name, &mut self.memo);
        let flow = with_host!(self, |host| runner::on_request_headers(
            chain.as_deref(),
            host,
            end_of_stream,
            memo,
            name
        ));
        header_action(flow)
    }

    fn on_http_request_body(&mut self, body_size: usize, end_of_stream: bool) -> Action {
        let Some(chain) = self.chain.clone() else {
            return Action::Pause;
        };
        let memo = &mut self.memo;
        let flow = with_host!(self, |host| chain.request_body(
            host,
            memo,
            body_size,
            end_of_stream,
            false
        ));
        body_action(flow)
    }

    fn on_http_request_trailers(&mut self, _num_trailers: usize) -> Action {
        let Some(chain) = self.chain.clone() else {
            return Action::Pause;
        };
        let memo = &mut self.memo;
        let flow = with_host!(self, |host| chain.request_body(host, memo, 0, true, true));
        body_action(flow)
    }

    fn on_http_response_headers(&mut self, _num_headers: usize, _end_of_stream: bool) -> Action {
        if let Some(chain) = self.chain.clone() {
            let memo = &mut self.memo;
            with_host!(self, |host| chain.response_headers(host, memo));
        }
        Action::Continue
    }

    fn on_log(&mut self) {
        if let Some(chain) = self.chain.clone() {
            let memo = &mut self.memo;
            with_host!(self, |host| chain.log(host, memo));
        }
    }
}
