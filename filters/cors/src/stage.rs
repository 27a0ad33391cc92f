//! The CORS stage: the per-request work between a host ([`pavise_core::host`]) and
//! [`CorsEngine`], run by the standalone CORS filter, the combined filter and the native module
//! alike. It decides at the
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

use crate::decision::{CorsDecision, DenyReason, ResponsePlan};
use crate::engine::CorsEngine;
use crate::FILTER_NAME;
use pavise_core::event::{decision_line, RequestSummary};
use pavise_core::filter::Filter;
use pavise_core::headers::HeaderList;
use pavise_core::host::{
    internal_errors_counter, ConfigHost, DecisionTimer, Host, HostError, LogLevel,
    Metric as Counter, StreamHost,
};
use pavise_core::metrics::stat_name;
use pavise_core::policy::PolicyErrors;
use pavise_core::request_id::{RequestId, REQUEST_ID_HEADER};
use pavise_core::stage::{Phase, Stage, Step};
use pavise_core::verdict::{Outcome, Verdict};
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
    fn define(engine: &CorsEngine, host: &mut impl ConfigHost) -> Counters {
        let c = |host: &mut _, labels: &[(&str, &str)]| {
            Counter::counter(host, &stat_name(REQUESTS, labels))
        };
        let per_reason = |host: &mut _, what: &str| {
            DenyReason::ALL
                .iter()
                .map(|r| c(host, &[("decision", what), ("reason", r.as_str())]))
                .collect()
        };
        let route = |host: &mut _, label: &str, what: &str| {
            Counter::counter(
                host,
                &stat_name(ROUTE_REQUESTS, &[("route", label), ("decision", what)]),
            )
        };
        let denied = per_reason(host, "denied");
        let reported = per_reason(host, "reported");
        Counters {
            preflight: c(host, &[("decision", "preflight")]),
            allowed: c(host, &[("decision", "allowed")]),
            not_cross_origin: c(host, &[("decision", "not_cross_origin")]),
            denied,
            reported,
            routes: engine
                .route_labels()
                .map(|label| RouteCounters {
                    preflight: route(host, label, "preflight"),
                    allowed: route(host, label, "allowed"),
                    denied: route(host, label, "denied"),
                    reported: route(host, label, "reported"),
                })
                .collect(),
            internal_error: internal_errors_counter(host, Filter::Cors),
            timer: DecisionTimer::define(host, Filter::Cors),
        }
    }

    fn by_reason(host: &mut impl Host, list: &[Counter], reason: DenyReason) {
        let index = DenyReason::ALL.iter().position(|r| *r == reason);
        if let Some(c) = index.and_then(|i| list.get(i)) {
            c.inc(host);
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
    const FILTER: Filter = Filter::Cors;
    const PHASES: &'static [Phase] = &[Phase::RequestHeaders, Phase::ResponseHeaders];
    /// What the response needs; `None` when the filter answered the request itself.
    type Memo = Option<ResponsePlan>;
    type Root = ();

    fn load(json: &[u8], host: &mut impl ConfigHost) -> Result<CorsStage, PolicyErrors> {
        let engine = CorsEngine::from_json(json)?;
        let counters = Counters::define(&engine, host);
        Ok(CorsStage { engine, counters })
    }

    fn summary(&self) -> String {
        format!(
            "{FILTER_NAME}: policy loaded: {} routes",
            self.engine.route_labels().count()
        )
    }

    fn count_internal_error(&self, host: &mut impl Host) {
        self.counters.internal_error.inc(host);
    }

    fn timer(&self) -> &DecisionTimer {
        &self.counters.timer
    }

    fn on_request_headers(
        &self,
        host: &mut impl StreamHost,
        headers: &HeaderList,
        _end_of_stream: bool,
        plan: &mut Option<ResponsePlan>,
    ) -> Result<Step, HostError> {
        let (step, response) = decide_and_apply(self, host, headers)?;
        *plan = response;
        Ok(step)
    }

    fn on_response_headers(&self, host: &mut impl StreamHost, plan: &mut Option<ResponsePlan>) {
        let Some(plan) = plan.take() else {
            return;
        };
        let edited = host.response_headers().and_then(|upstream| {
            let edits = self.engine.response_edits(&plan, &upstream);
            host.edit_response_headers(upstream, &edits)
        });
        if let Err(e) = edited {
            // The response is already on its way; refusing now would only hide the upstream's
            // answer. Count it and leave the headers as they are.
            self.counters.internal_error.inc(host);
            let _ = host.log(
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
    host: &mut impl StreamHost,
    headers: &HeaderList,
) -> Result<(Step, Option<ResponsePlan>), HostError> {
    let counters = &state.counters;
    match state.engine.decide(headers) {
        CorsDecision::NotCrossOrigin(plan) => {
            counters.not_cross_origin.inc(host);
            Ok((Step::next(None), Some(plan)))
        }
        CorsDecision::Allowed { route, plan } => {
            counters.allowed.inc(host);
            if let Some(c) = counters.route(Some(route)) {
                c.allowed.inc(host);
            }
            Ok((Step::next(None), Some(plan)))
        }
        CorsDecision::Preflight {
            route,
            headers: answer,
        } => {
            counters.preflight.inc(host);
            if let Some(c) = counters.route(Some(route)) {
                c.preflight.inc(host);
            }
            host.send_response(204, &answer, None)?;
            Ok((Step::answered(None), None))
        }
        CorsDecision::Reported {
            route,
            reason,
            plan,
        } => {
            Counters::by_reason(host, &counters.reported, reason);
            if let Some(c) = counters.route(route) {
                c.reported.inc(host);
            }
            log_refusal(host, headers, "report", reason);
            let mut verdict = Verdict::new(Filter::Cors.member(), Outcome::Flagged);
            verdict.reason = Some(reason.as_str().to_string());
            Ok((Step::next(Some(verdict)), Some(plan)))
        }
        CorsDecision::Denied { route, reason } => {
            Counters::by_reason(host, &counters.denied, reason);
            if let Some(c) = counters.route(route) {
                c.denied.inc(host);
            }
            log_refusal(host, headers, "deny", reason);
            let denial = reason.denial();
            let mut verdict = Verdict::new(Filter::Cors.member(), Outcome::Denied);
            verdict.reason = Some(reason.as_str().to_string());
            verdict.status = Some(denial.status);
            let request_id = headers.get(REQUEST_ID_HEADER).and_then(RequestId::parse);
            host.send_denial(&denial.render(request_id.as_ref()))?;
            Ok((Step::answered(Some(verdict)), None))
        }
    }
}

/// The JSON log line for a refused or reported request. The origin is logged (capped): it is
/// what an operator needs to fix a policy, and it is not a secret.
fn log_refusal(host: &mut impl Host, headers: &HeaderList, decision: &str, reason: DenyReason) {
    // The client address is for the log line only: unreadable, the line goes without.
    let address = host.property_string(&["source", "address"]).ok().flatten();
    let summary = RequestSummary::from_headers(headers, address);
    let mut details = Map::new();
    if let Some(origin) = headers.get("origin") {
        details.insert(
            "origin".into(),
            pavise_core::headers::loggable(origin, 128).into(),
        );
    }
    let _ = host.log(
        LogLevel::Info,
        &decision_line(FILTER_NAME, decision, reason.as_str(), &summary, details),
    );
}

#[cfg(test)]
mod tests;
