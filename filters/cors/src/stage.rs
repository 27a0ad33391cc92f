//! The CORS stage: the per-request glue between Envoy and [`CorsEngine`], shared by the
//! standalone CORS filter ([`crate::filter`]) and the combined Pavise filter. It decides at the
//! request headers (answer a preflight, refuse, or remember what the response needs), then
//! edits the response headers. No policy logic lives here.
//!
//! Metrics (Prometheus families at Envoy's `/stats/prometheus`, labels by Envoy's tag
//! extraction, see `pavise_core::metrics`; the table is in docs/cors.md):
//! - `pavise_cors_requests_total{decision}`: `preflight` (answered here with 204), `allowed`
//!   (let through with CORS headers), `not_cross_origin` (no `Origin`, or the request's own);
//! - `pavise_cors_requests_total{decision="denied"|"reported",reason}`: refused with 403
//!   (`enforce`) or let through without CORS headers (`report`), one per [`DenyReason`];
//! - `pavise_cors_route_requests_total{route,decision}`: preflight, allowed, denied, reported by
//!   route, where `route` is the route's `name` or `route<index>`;
//! - `pavise_internal_errors_total{filter="cors"}`: a host call failed; the request was refused
//!   with 500 (or, at the response, the headers were left as the upstream sent them);
//! - `pavise_decision_duration_microseconds{filter="cors",phase="headers"}`: decision time.

use crate::decision::{denial, CorsDecision, DenyReason, ResponsePlan};
use crate::engine::CorsEngine;
use crate::FILTER_NAME;
use pavise_core::event::{decision_line, RequestSummary};
use pavise_core::headers::HeaderList;
use pavise_core::metrics::stat_name;
use pavise_core::policy::PolicyErrors;
use pavise_core::request_id::{RequestId, REQUEST_ID_HEADER};
use pavise_core::verdict::{Outcome, Verdict};
use pavise_host::stage::Stage;
use pavise_host::{self as host, Counter, DecisionTimer, HostError, Step};
use proxy_wasm::types::LogLevel;
use serde_json::Map;

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
    timer: DecisionTimer,
}

/// The families of the request counters, overall and by route.
const REQUESTS: &str = "pavise_cors_requests_total";
const ROUTE_REQUESTS: &str = "pavise_cors_route_requests_total";

impl Counters {
    fn define(engine: &CorsEngine) -> Counters {
        let decision = |d: &str| Counter::define(&stat_name(REQUESTS, &[("decision", d)]));
        let per_reason = |what: &str| {
            DenyReason::ALL
                .iter()
                .map(|r| {
                    Counter::define(&stat_name(
                        REQUESTS,
                        &[("decision", what), ("reason", r.as_str())],
                    ))
                })
                .collect()
        };
        let route = |label: &str, what: &str| {
            Counter::define(&stat_name(
                ROUTE_REQUESTS,
                &[("route", label), ("decision", what)],
            ))
        };
        Counters {
            preflight: decision("preflight"),
            allowed: decision("allowed"),
            not_cross_origin: decision("not_cross_origin"),
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
            internal_error: host::internal_errors_counter("cors"),
            timer: DecisionTimer::define("cors"),
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

/// The CORS filter's per-request work, loaded from a policy.
pub struct CorsStage {
    engine: CorsEngine,
    counters: Counters,
}

impl Stage for CorsStage {
    /// What the response needs; `None` when the filter answered the request itself.
    type Memo = Option<ResponsePlan>;
    const NAME: &'static str = FILTER_NAME;

    fn load(json: &[u8]) -> Result<CorsStage, PolicyErrors> {
        let engine = CorsEngine::from_json(json)?;
        let counters = Counters::define(&engine);
        Ok(CorsStage { engine, counters })
    }

    fn summary(&self) -> String {
        format!(
            "{FILTER_NAME}: policy loaded: {} routes",
            self.engine.route_labels().count()
        )
    }

    fn count_internal_error(&self) {
        self.counters.internal_error.inc();
    }

    fn timer(&self) -> &DecisionTimer {
        &self.counters.timer
    }

    fn on_request_headers(
        &self,
        headers: &HeaderList,
        _end_of_stream: bool,
        plan: &mut Option<ResponsePlan>,
    ) -> Result<Step, HostError> {
        let (step, response) = decide_and_apply(self, headers)?;
        *plan = response;
        Ok(step)
    }

    fn on_response_headers(&self, plan: &mut Option<ResponsePlan>) {
        let Some(plan) = plan.take() else {
            return;
        };
        let edited = host::response_headers().and_then(|upstream| {
            let edits = self.engine.response_edits(&plan, &upstream);
            host::edit_response_headers_of(upstream, &edits)
        });
        if let Err(e) = edited {
            // The response is already on its way; refusing now would only hide the upstream's
            // answer. Count it and leave the headers as they are.
            self.counters.internal_error.inc();
            host::log(
                LogLevel::Error,
                &format!("{FILTER_NAME}: response headers left unedited: {e}"),
            );
        }
    }
}

/// Decides the request and carries out what can be done now; returns the action and what the
/// response will need.
fn decide_and_apply(
    state: &CorsStage,
    headers: &HeaderList,
) -> Result<(Step, Option<ResponsePlan>), HostError> {
    let counters = &state.counters;
    match state.engine.decide(headers) {
        CorsDecision::NotCrossOrigin(plan) => {
            counters.not_cross_origin.inc();
            Ok((Step::next(None), Some(plan)))
        }
        CorsDecision::Allowed { route, plan } => {
            counters.allowed.inc();
            if let Some(c) = counters.route(Some(route)) {
                c.allowed.inc();
            }
            Ok((Step::next(None), Some(plan)))
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
            Ok((Step::answered(None), None))
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
            log_refusal(headers, "report", reason);
            let mut verdict = Verdict::new("cors", Outcome::Flagged);
            verdict.reason = Some(reason.as_str().to_string());
            Ok((Step::next(Some(verdict)), Some(plan)))
        }
        CorsDecision::Denied { route, reason } => {
            Counters::by_reason(&counters.denied, reason);
            if let Some(c) = counters.route(route) {
                c.denied.inc();
            }
            log_refusal(headers, "deny", reason);
            let denial = denial();
            let mut verdict = Verdict::new("cors", Outcome::Denied);
            verdict.reason = Some(reason.as_str().to_string());
            verdict.status = Some(denial.status);
            let request_id = headers.get(REQUEST_ID_HEADER).and_then(RequestId::parse);
            host::send_denial(&denial.render(request_id.as_ref()))?;
            Ok((Step::answered(Some(verdict)), None))
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
