//! The proxy-wasm glue of the combined filter: one root context owning every configured
//! stage, one stream context running them in chain order. The request headers are fetched
//! once for all stages; the first stage that answers the request (a preflight, a denial) ends
//! the pass, as the next filter in a chain would never see it; verdicts are collected in
//! memory for the audit stage.

use crate::policy::{auth_credentials, split, Members};
use crate::FILTER_NAME;
use pavise_audit::stage::{AuditMemo, AuditStage, SinkFlusher};
use pavise_auth::stage::AuthStage;
use pavise_core::headers::HeaderList;
use pavise_core::policy::PolicyErrors;
use pavise_core::verdict::Verdict;
use pavise_cors::decision::ResponsePlan;
use pavise_cors::stage::CorsStage;
use pavise_host::stage::{body_action, Stage};
use pavise_host::{self as host, HostError};
use pavise_screen::stage::{ScreenMemo, ScreenStage};
use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{Action, ContextType, LogLevel};
use std::rc::Rc;

proxy_wasm::main! {{
    proxy_wasm::set_log_level(LogLevel::Info);
    proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> { Box::new(CombinedRoot::default()) });
}}

/// The configured stages.
struct Stages {
    audit: Option<AuditStage>,
    cors: Option<CorsStage>,
    auth: Option<AuthStage>,
    screen: Option<ScreenStage>,
}

/// Loads one member with its filter's own loader, its errors placed under `$.<member>`.
fn load_member<S>(
    members: &Members,
    name: &str,
    load: impl FnOnce(&[u8]) -> Result<S, PolicyErrors>,
) -> Result<Option<S>, PolicyErrors> {
    members
        .get(name)
        .map(|text| load(text).map_err(|e| e.nested(name)))
        .transpose()
}

impl Stages {
    fn load(json: &[u8]) -> Result<Stages, PolicyErrors> {
        let members = split(json)?;
        let credentials = auth_credentials(&members);
        let credentials = credentials
            .as_ref()
            .map(|(header, query)| (header.as_str(), query.as_deref()));
        Ok(Stages {
            audit: load_member(&members, "audit", |text| {
                AuditStage::load_with_credentials(text, credentials)
            })?,
            cors: load_member(&members, "cors", CorsStage::load)?,
            auth: load_member(&members, "auth", AuthStage::load)?,
            screen: load_member(&members, "screen", ScreenStage::load)?,
        })
    }

    fn summaries(&self) -> Vec<String> {
        let mut out = Vec::new();
        out.extend(self.audit.as_ref().map(Stage::summary));
        out.extend(self.cors.as_ref().map(Stage::summary));
        out.extend(self.auth.as_ref().map(Stage::summary));
        out.extend(self.screen.as_ref().map(Stage::summary));
        out
    }
}

#[derive(Default)]
struct CombinedRoot {
    stages: Option<Rc<Stages>>,
    flusher: SinkFlusher,
}

impl Context for CombinedRoot {
    fn on_http_call_response(
        &mut self,
        token: u32,
        _headers: usize,
        _body: usize,
        _trailers: usize,
    ) {
        if let Some(audit) = self.stages.as_ref().and_then(|s| s.audit.as_ref()) {
            if self.flusher.on_http_call_response(audit, token) {
                finish_shutdown();
            }
        }
    }

    /// The VM is being replaced or the proxy is stopping: the audit stage sends what is
    /// buffered first.
    fn on_done(&mut self) -> bool {
        match self.stages.as_ref().and_then(|s| s.audit.as_ref()) {
            Some(audit) => self.flusher.on_done(audit),
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

impl RootContext for CombinedRoot {
    fn on_configure(&mut self, _config_size: usize) -> bool {
        let Some(stages) = host::load_policy(FILTER_NAME, Stages::load) else {
            return false;
        };
        if let Some(audit) = &stages.audit {
            if let Err(e) = audit.start_timer() {
                host::log(LogLevel::Critical, &format!("{FILTER_NAME}: {e}"));
                return false;
            }
        }
        for line in stages.summaries() {
            host::log(LogLevel::Info, &format!("{FILTER_NAME}: {line}"));
        }
        self.stages = Some(Rc::new(stages));
        true
    }

    fn on_tick(&mut self) {
        if let Some(audit) = self.stages.as_ref().and_then(|s| s.audit.as_ref()) {
            if self.flusher.on_tick(audit) {
                finish_shutdown();
            }
        }
    }

    fn create_http_context(&self, _context_id: u32) -> Option<Box<dyn HttpContext>> {
        Some(Box::new(CombinedStream {
            stages: self.stages.clone(),
            audit: AuditMemo::default(),
            cors: None,
            screen: ScreenMemo::default(),
            verdicts: Vec::new(),
        }))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

struct CombinedStream {
    stages: Option<Rc<Stages>>,
    audit: AuditMemo,
    cors: Option<ResponsePlan>,
    screen: ScreenMemo,
    verdicts: Vec<Verdict>,
}

impl Context for CombinedStream {}

impl CombinedStream {
    /// Runs the stages in order until one answers; `Ok(true)` if one did.
    fn run(
        &mut self,
        stages: &Stages,
        end_of_stream: bool,
    ) -> Result<bool, (HostError, &'static str)> {
        let headers = host::request_headers().map_err(|e| (e, FILTER_NAME))?;
        let eos = end_of_stream;
        let v = &mut self.verdicts;
        Ok(
            run_stage(stages.audit.as_ref(), &headers, eos, &mut self.audit, v)?
                || run_stage(stages.cors.as_ref(), &headers, eos, &mut self.cors, v)?
                || run_stage(stages.auth.as_ref(), &headers, eos, &mut (), v)?
                || run_stage(stages.screen.as_ref(), &headers, eos, &mut self.screen, v)?,
        )
    }
}

impl CombinedStream {
    /// Keeps a body-phase verdict and maps the flow to an action; fails closed on error.
    fn screen_body_step(
        &mut self,
        screen: &ScreenStage,
        step: Result<(pavise_host::BodyFlow, Option<Verdict>), HostError>,
    ) -> Action {
        match step {
            Ok((flow, verdict)) => {
                self.verdicts.extend(verdict);
                body_action(flow)
            }
            Err(e) => {
                screen.count_internal_error();
                host::send_internal_error(ScreenStage::NAME, &e);
                Action::Pause
            }
        }
    }
}

/// Runs one stage, if configured; keeps its verdict; whether it answered the request.
fn run_stage<S: Stage>(
    stage: Option<&S>,
    headers: &HeaderList,
    end_of_stream: bool,
    memo: &mut S::Memo,
    verdicts: &mut Vec<Verdict>,
) -> Result<bool, (HostError, &'static str)> {
    let Some(stage) = stage else {
        return Ok(false);
    };
    let started = host::DecisionTimer::start();
    let step = stage.on_request_headers(headers, end_of_stream, memo);
    stage.timer().headers_done(started);
    let step = step.map_err(|e| {
        stage.count_internal_error();
        (e, S::NAME)
    })?;
    let answered = step.is_answered();
    verdicts.extend(step.verdict);
    Ok(answered)
}

impl HttpContext for CombinedStream {
    fn on_http_request_headers(&mut self, _num_headers: usize, end_of_stream: bool) -> Action {
        let Some(stages) = self.stages.clone() else {
            host::send_internal_error(FILTER_NAME, &HostError::no_policy());
            return Action::Pause;
        };
        match self.run(&stages, end_of_stream) {
            Ok(true) => Action::Pause,
            Ok(false) => Action::Continue,
            Err((e, stage)) => {
                host::send_internal_error(stage, &e);
                Action::Pause
            }
        }
    }

    fn on_http_request_body(&mut self, body_size: usize, end_of_stream: bool) -> Action {
        let Some(stages) = self.stages.clone() else {
            return Action::Continue;
        };
        let Some(screen) = stages.screen.as_ref() else {
            return Action::Continue;
        };
        let started = host::DecisionTimer::start();
        let step = screen.on_request_body(&mut self.screen, body_size, end_of_stream);
        screen.timer().body_done(started);
        self.screen_body_step(screen, step)
    }

    fn on_http_request_trailers(&mut self, _num_trailers: usize) -> Action {
        let Some(stages) = self.stages.clone() else {
            return Action::Continue;
        };
        let Some(screen) = stages.screen.as_ref() else {
            return Action::Continue;
        };
        let started = host::DecisionTimer::start();
        let step = screen.on_request_trailers(&mut self.screen);
        screen.timer().body_done(started);
        self.screen_body_step(screen, step)
    }

    fn on_http_response_headers(&mut self, _num_headers: usize, _end_of_stream: bool) -> Action {
        if let Some(cors) = self.stages.as_ref().and_then(|s| s.cors.as_ref()) {
            cors.on_response_headers(&mut self.cors);
        }
        Action::Continue
    }

    fn on_log(&mut self) {
        if let Some(audit) = self.stages.as_ref().and_then(|s| s.audit.as_ref()) {
            audit.on_log(&mut self.audit, std::mem::take(&mut self.verdicts));
        }
    }
}
