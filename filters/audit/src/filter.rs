//! The audit filter as its own Envoy filter, first in the chain: [`AuditStage`] per stream,
//! the other filters' verdicts read back from filter state when the stream ends, and the HTTP
//! sink flushed from the root context's timer.

use crate::stage::{AuditMemo, AuditStage, SinkFlusher};
use crate::FILTER_NAME;
use pavise_core::verdict::{Verdict, VERDICT_FILTERS};
use pavise_host::stage::Stage;
use pavise_host::{self as host, HostError};
use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{Action, ContextType, LogLevel};
use std::rc::Rc;

proxy_wasm::main! {{
    proxy_wasm::set_log_level(LogLevel::Info);
    proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> { Box::new(AuditRoot::default()) });
}}

#[derive(Default)]
struct AuditRoot {
    stage: Option<Rc<AuditStage>>,
    flusher: SinkFlusher,
}

impl Context for AuditRoot {
    fn on_http_call_response(
        &mut self,
        token: u32,
        _headers: usize,
        _body: usize,
        _trailers: usize,
    ) {
        if let Some(stage) = &self.stage {
            if self.flusher.on_http_call_response(stage, token) {
                finish_shutdown();
            }
        }
    }

    /// The VM is being replaced or the proxy is stopping: send what is buffered first.
    fn on_done(&mut self) -> bool {
        match &self.stage {
            Some(stage) => self.flusher.on_done(stage),
            None => true,
        }
    }
}

/// Tells the host that the delayed shutdown is over.
fn finish_shutdown() {
    if let Err(e) = host::done() {
        host::log(LogLevel::Warn, &format!("{FILTER_NAME}: {e}"));
    }
}

impl RootContext for AuditRoot {
    fn on_configure(&mut self, _config_size: usize) -> bool {
        let Some(stage) = host::load_policy(FILTER_NAME, AuditStage::load) else {
            return false;
        };
        if let Err(e) = stage.start_timer() {
            host::log(LogLevel::Critical, &format!("{FILTER_NAME}: {e}"));
            return false;
        }
        host::log(LogLevel::Info, &stage.summary());
        self.stage = Some(Rc::new(stage));
        true
    }

    fn on_tick(&mut self) {
        if let Some(stage) = &self.stage {
            if self.flusher.on_tick(stage) {
                finish_shutdown();
            }
        }
    }

    fn create_http_context(&self, _context_id: u32) -> Option<Box<dyn HttpContext>> {
        Some(Box::new(AuditStream {
            stage: self.stage.clone(),
            memo: AuditMemo::default(),
        }))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

struct AuditStream {
    stage: Option<Rc<AuditStage>>,
    memo: AuditMemo,
}

impl Context for AuditStream {}

impl HttpContext for AuditStream {
    fn on_http_request_headers(&mut self, _num_headers: usize, end_of_stream: bool) -> Action {
        let Some(stage) = self.stage.clone() else {
            host::send_internal_error(FILTER_NAME, &HostError::no_policy());
            return Action::Pause;
        };
        let started = host::DecisionTimer::start();
        let step = host::request_headers()
            .and_then(|h| stage.on_request_headers(&h, end_of_stream, &mut self.memo));
        stage.timer().headers_done(started);
        match step {
            Ok(step) if step.is_answered() => Action::Pause,
            Ok(_) => Action::Continue,
            Err(e) => {
                stage.count_internal_error();
                host::send_internal_error(FILTER_NAME, &e);
                Action::Pause
            }
        }
    }

    fn on_log(&mut self) {
        if let Some(stage) = &self.stage {
            let verdicts: Vec<Verdict> = VERDICT_FILTERS
                .iter()
                .filter_map(|f| host::read_verdict(f))
                .collect();
            stage.on_log(&mut self.memo, verdicts);
        }
    }
}
