//! The proxy-wasm glue: load the policy at configure time, decide each request at the headers
//! phase (answer a preflight, refuse, or remember what the response needs), then edit the
//! response headers. No policy logic lives here.
//!
//! Counters (Prometheus names at Envoy's `/stats/prometheus`):
//! - `pavise_cors_preflight`: preflights answered here with 204;
//! - `pavise_cors_allowed`: cross-origin requests let through with CORS headers;
//! - `pavise_cors_not_cross_origin`: requests without `Origin` or from the request's own origin;
//! - `pavise_cors_denied_<reason>`: refused with 403 (`enforce`), one per [`DenyReason`];
//! - `pavise_cors_reported_<reason>`: let through without CORS headers (`report`);
//! - `pavise_cors_route_<route>_{preflight,allowed,denied,reported}`: the same by route, where
//!   `<route>` is the route's `name` or `route<index>`;
//! - `pavise_cors_internal_error`: a host call failed; the request was refused with 500 (or,
//!   at the response, the headers were left as the upstream sent them).

use crate::decision::{denial, CorsDecision, DenyReason, ResponsePlan};
use crate::engine::CorsEngine;
use crate::FILTER_NAME;
use pavise_core::event::{decision_line, RequestSummary};
use pavise_core::headers::HeaderList;
use pavise_core::metrics::metric_name;
use pavise_core::request_id::{RequestId, REQUEST_ID_HEADER};
use pavise_core::verdict::{Outcome, Verdict};
use pavise_host::{self as host, Counter, HostError};
use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{Action, ContextType, LogLevel};
use serde_json::Map;
use std::rc::Rc;

proxy_wasm::main! {{
    proxy_wasm::set_log_level(LogLevel::Info);
    proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> { Box::new(CorsRoot::default()) });
}}

/// The counters of one route.
struct RouteCounters {
    preflight: Counter,
    allowed: Counter,
    denied: Counter,
    reported: Counter,
}

struct Counters {
    preflight: Counter,
    allowed: Counter,
    not_cross_origin: Counter,
    denied: Vec<Counter>,
    reported: Vec<Counter>,
    routes: Vec<RouteCounters>,
    internal_error: Counter,
}

impl Counters {
    fn define(engine: &CorsEngine) -> Counters {
        let per_reason = |what: &str| {
            DenyReason::ALL
                .iter()
                .map(|r| Counter::define(&metric_name("cors", &[what, r.as_str()])))
                .collect()
        };
        let route = |label: &str, what: &str| {
            Counter::define(&metric_name("cors", &["route", label, what]))
        };
        Counters {
            preflight: Counter::define(&metric_name("cors", &["preflight"])),
            allowed: Counter::define(&metric_name("cors", &["allowed"])),
            not_cross_origin: Counter::define(&metric_name("cors", &["not_cross_origin"])),
            denied: per_reason("denied"),
            reported: per_reason("reported"),
            routes: engine
                .route_labels()
                .map(|label| RouteCounters {
                    preflight: route(label, "preflight"),
                    allowed: route(label, "allowed"),
                    denied: route(label, "denied"),
                    reported: route(label, "reported"),
                })
                .collect(),
            internal_error: Counter::define(&metric_name("cors", &["internal_error"])),
        }
    }

    fn by_reason(list: &[Counter], reason: DenyReason) {
        let index = DenyReason::ALL.iter().position(|r| *r == reason);
        if let Some(c) = index.and_then(|i| list.get(i)) {
            c.inc();
        }
    }

    fn route(&self, route: Option<usize>) -> Option<&RouteCounters> {
        route.and_then(|i| self.routes.get(i))
    }
}

#[derive(Default)]
struct CorsRoot {
    state: Option<Rc<Loaded>>,
}

struct Loaded {
    engine: CorsEngine,
    counters: Counters,
}

impl Context for CorsRoot {}

impl RootContext for CorsRoot {
    fn on_configure(&mut self, _config_size: usize) -> bool {
        let Some(engine) = host::load_policy(FILTER_NAME, CorsEngine::from_json) else {
            return false;
        };
        let counters = Counters::define(&engine);
        host::log(
            LogLevel::Info,
            &format!(
                "{FILTER_NAME}: policy loaded: {} routes",
                engine.route_labels().count()
            ),
        );
        self.state = Some(Rc::new(Loaded { engine, counters }));
        true
    }

    fn create_http_context(&self, _context_id: u32) -> Option<Box<dyn HttpContext>> {
        // Always a context: the SDK panics on None. Without a policy it refuses everything.
        Some(Box::new(CorsStream {
            state: self.state.clone(),
            plan: None,
        }))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

struct CorsStream {
    state: Option<Rc<Loaded>>,
    /// What the response needs; `None` when the filter answered the request itself.
    plan: Option<ResponsePlan>,
}

impl Context for CorsStream {}

impl HttpContext for CorsStream {
    fn on_http_request_headers(&mut self, _num_headers: usize, _end_of_stream: bool) -> Action {
        let Some(state) = self.state.clone() else {
            host::send_internal_error(FILTER_NAME, &HostError::no_policy());
            return Action::Pause;
        };
        match decide_and_apply(&state) {
            Ok((action, plan)) => {
                self.plan = plan;
                action
            }
            Err(e) => {
                state.counters.internal_error.inc();
                host::send_internal_error(FILTER_NAME, &e);
                Action::Pause
            }
        }
    }

    fn on_http_response_headers(&mut self, _num_headers: usize, _end_of_stream: bool) -> Action {
        let (Some(state), Some(plan)) = (self.state.as_ref(), self.plan.take()) else {
            return Action::Continue;
        };
        let edited = host::response_headers().and_then(|upstream| {
            host::edit_response_headers(&state.engine.response_edits(&plan, &upstream))
        });
        if let Err(e) = edited {
            // The response is already on its way; refusing now would only hide the upstream's
            // answer. Count it and leave the headers as they are.
            state.counters.internal_error.inc();
            host::log(
                LogLevel::Error,
                &format!("{FILTER_NAME}: response headers left unedited: {e}"),
            );
        }
        Action::Continue
    }
}

/// Decides the request and carries out what can be done now; returns the action and what the
/// response will need.
fn decide_and_apply(state: &Loaded) -> Result<(Action, Option<ResponsePlan>), HostError> {
    let headers = host::request_headers()?;
    let counters = &state.counters;
    match state.engine.decide(&headers) {
        CorsDecision::NotCrossOrigin(plan) => {
            counters.not_cross_origin.inc();
            Ok((Action::Continue, Some(plan)))
        }
        CorsDecision::Allowed { route, plan } => {
            counters.allowed.inc();
            if let Some(c) = counters.route(Some(route)) {
                c.allowed.inc();
            }
            Ok((Action::Continue, Some(plan)))
        }
        CorsDecision::Preflight {
            route,
            headers: answer,
        } => {
            counters.preflight.inc();
            if let Some(c) = counters.route(Some(route)) {
                c.preflight.inc();
            }
            host::send_response(204, &answer, None)?;
            Ok((Action::Pause, None))
        }
        CorsDecision::Reported {
            route,
            reason,
            plan,
        } => {
            Counters::by_reason(&counters.reported, reason);
            if let Some(c) = counters.route(route) {
                c.reported.inc();
            }
            log_refusal(&headers, "report", reason);
            let mut verdict = Verdict::new("cors", Outcome::Flagged);
            verdict.reason = Some(reason.as_str().to_string());
            host::publish_verdict(&verdict);
            Ok((Action::Continue, Some(plan)))
        }
        CorsDecision::Denied { route, reason } => {
            Counters::by_reason(&counters.denied, reason);
            if let Some(c) = counters.route(route) {
                c.denied.inc();
            }
            log_refusal(&headers, "deny", reason);
            let denial = denial();
            let mut verdict = Verdict::new("cors", Outcome::Denied);
            verdict.reason = Some(reason.as_str().to_string());
            verdict.status = Some(denial.status);
            host::publish_verdict(&verdict);
            let request_id = headers.get(REQUEST_ID_HEADER).and_then(RequestId::parse);
            host::send_denial(&denial.render(request_id.as_ref()))?;
            Ok((Action::Pause, None))
        }
    }
}

/// The JSON log line for a refused or reported request. The origin is logged (capped): it is
/// what an operator needs to fix a policy, and it is not a secret.
fn log_refusal(headers: &HeaderList, decision: &str, reason: DenyReason) {
    let summary =
        RequestSummary::from_headers(headers, host::property_string(&["source", "address"]));
    let mut details = Map::new();
    if let Some(origin) = headers.get("origin") {
        details.insert(
            "origin".into(),
            pavise_core::headers::loggable(origin, 128).into(),
        );
    }
    host::log(
        LogLevel::Info,
        &decision_line(FILTER_NAME, decision, reason.as_str(), &summary, details),
    );
}
