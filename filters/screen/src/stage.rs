//! The screening stage: the per-request work between a host ([`pavise_core::host`]) and
//! [`Screener`], run by the standalone screening filter, the combined filter and the native
//! module alike. What each body chunk needs is [`BodyMeter`]'s to decide.
//!
//! At the request headers it applies the limits and inspects the path, query and headers. A
//! body is only held when a body rule applies: then no body byte goes upstream until the body
//! is inspected (the headers do: Envoy shows a filter the body only after its headers went
//! on), and at most `inspect_body_bytes` are ever buffered.
//! A body that is only counted streams through and is cut off with 413 at `max_body_bytes`.
//!
//! Metrics (Prometheus families at Envoy's `/stats/prometheus`, labels by Envoy's tag
//! extraction, see `pavise_core::metrics`; the table is in docs/screen.md):
//! - `pavise_screen_passed_total`: requests let through with no finding;
//! - `pavise_screen_findings_total{category,rule,mode}`: every finding, by rule (its category
//!   taken from the rule table) and by whether it refused the request (`block`) or was only
//!   logged (`detect`);
//! - `pavise_screen_limit_refusals_total{limit}`: refusals by limit (`body`, `url`, …);
//! - `pavise_internal_errors_total{filter="screen"}`: a host call failed; the request was
//!   refused (fail closed);
//! - `pavise_decision_duration_microseconds{filter="screen",phase}`: decision time at the
//!   headers and per body call.

use crate::body::{BodyAction, BodyMeter};
use crate::detect::{Finding, RULES};
use crate::policy::Mode;
use crate::screen::{BodyDecision, BodyPlan, HeaderDecision, Limit, Refusal, Screener};
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
use pavise_core::stage::{BodyFlow, BodyStep, Phase, Stage, Step};
use pavise_core::verdict::{Outcome, Verdict};
use serde_json::{Map, Value};

/// The metric families.
const PASSED: &str = "pavise_screen_passed_total";
const FINDINGS: &str = "pavise_screen_findings_total";
const LIMIT_REFUSALS: &str = "pavise_screen_limit_refusals_total";

struct Counters {
    passed: Counter,
    /// Per rule of [`RULES`]: its findings in `block` mode, then in `detect` mode.
    findings: Vec<(&'static str, Counter, Counter)>,
    limits: Vec<(Limit, Counter)>,
    internal_error: Counter,
    timer: DecisionTimer,
}

impl Counters {
    fn define(host: &mut impl ConfigHost) -> Counters {
        let finding = |host: &mut _, rule: &crate::detect::Rule, mode: &str| {
            Counter::counter(
                host,
                &stat_name(
                    FINDINGS,
                    &[
                        ("category", rule.category.as_str()),
                        ("rule", rule.id),
                        ("mode", mode),
                    ],
                ),
            )
        };
        Counters {
            passed: Counter::counter(host, PASSED),
            findings: RULES
                .iter()
                .map(|r| (r.id, finding(host, r, "block"), finding(host, r, "detect")))
                .collect(),
            limits: Limit::ALL
                .iter()
                .map(|l| {
                    let limit = l.id().strip_prefix("limit-").unwrap_or(l.id());
                    (
                        *l,
                        Counter::counter(host, &stat_name(LIMIT_REFUSALS, &[("limit", limit)])),
                    )
                })
                .collect(),
            internal_error: internal_errors_counter(host, Filter::Screen),
            timer: DecisionTimer::define(host, Filter::Screen),
        }
    }

    fn finding(&self, host: &mut impl Host, f: &Finding, blocked: bool) {
        if let Some((_, block, detect)) = self.findings.iter().find(|(id, _, _)| *id == f.rule.id) {
            if blocked {
                block.inc(host);
            } else {
                detect.inc(host);
            }
        }
    }

    fn limit(&self, host: &mut impl Host, limit: Limit) {
        if let Some((_, c)) = self.limits.iter().find(|(l, _)| *l == limit) {
            c.inc(host);
        }
    }
}

/// The screening filter's per-request work, loaded from a policy.
pub struct ScreenStage {
    screener: Screener,
    counters: Counters,
}

/// What a stream keeps from its headers for its body.
#[derive(Default)]
pub struct ScreenMemo {
    body: Option<BodyState>,
    summary: Option<RequestSummary>,
    request_id: Option<RequestId>,
    /// Whether a finding was already counted (so `passed` is counted once, at the end).
    flagged: bool,
}

struct BodyState {
    meter: BodyMeter,
    route: Option<usize>,
    mode: Mode,
}

impl Stage for ScreenStage {
    const FILTER: Filter = Filter::Screen;
    const PHASES: &'static [Phase] = &[
        Phase::RequestHeaders,
        Phase::RequestBody,
        Phase::RequestTrailers,
    ];
    type Memo = ScreenMemo;
    type Root = ();

    fn load(json: &[u8], host: &mut impl ConfigHost) -> Result<ScreenStage, PolicyErrors> {
        Ok(ScreenStage {
            screener: Screener::from_json(json)?,
            counters: Counters::define(host),
        })
    }

    fn summary(&self) -> String {
        let p = self.screener.policy();
        format!(
            "{FILTER_NAME}: policy loaded: mode {:?}, {} routes, body up to {} bytes, {} inspected",
            p.mode,
            p.routes.len(),
            p.limits.max_body_bytes,
            p.limits.inspect_body_bytes
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
        end_of_stream: bool,
        memo: &mut ScreenMemo,
    ) -> Result<Step, HostError> {
        memo.request_id = headers.get(REQUEST_ID_HEADER).and_then(RequestId::parse);
        // The summary is for log lines only: built when there is something to log now or a
        // body still to inspect, never on a plain pass (its client address is a host call).
        let summary = || RequestSummary::from_headers(headers, None);
        match self.screener.screen_headers(headers, !end_of_stream) {
            HeaderDecision::Refuse(refusal) => {
                let verdict = self.refuse(host, &refusal, &summary(), memo.request_id.as_ref())?;
                Ok(Step::answered(Some(verdict)))
            }
            HeaderDecision::Pass {
                findings,
                body,
                route,
                mode,
            } => {
                let needs_summary = !findings.is_empty() || body != BodyPlan::None;
                memo.summary = needs_summary.then(summary);
                let verdict = match &memo.summary {
                    Some(s) => self.detected(host, &findings, s),
                    None => None,
                };
                memo.flagged = verdict.is_some();
                if body == BodyPlan::None {
                    self.count_passed(host, memo);
                    return Ok(Step::next(verdict));
                }
                memo.body = Some(BodyState {
                    meter: BodyMeter::new(body),
                    route,
                    mode,
                });
                if matches!(body, BodyPlan::Inspect(_)) {
                    Ok(Step::hold(verdict))
                } else {
                    Ok(Step::next(verdict))
                }
            }
        }
    }

    fn on_request_body(
        &self,
        host: &mut impl StreamHost,
        memo: &mut ScreenMemo,
        body_size: usize,
        end_of_stream: bool,
    ) -> Result<BodyStep, HostError> {
        let limits = &self.screener.policy().limits;
        let Some(state) = memo.body.as_mut() else {
            return Ok((BodyFlow::Continue, None));
        };
        let action = state.meter.on_body(limits, body_size, end_of_stream);
        self.carry_out(host, memo, action)
    }

    /// A body that ends with trailers (HTTP/2, or HTTP/1 with trailers enabled) never sees
    /// `end_of_stream` in the body callback: it is inspected here, before the trailers (and
    /// with them everything held) go on.
    fn on_request_trailers(
        &self,
        host: &mut impl StreamHost,
        memo: &mut ScreenMemo,
    ) -> Result<BodyStep, HostError> {
        let limits = &self.screener.policy().limits;
        let Some(state) = memo.body.as_mut() else {
            return Ok((BodyFlow::Continue, None));
        };
        let action = state.meter.on_trailers(limits);
        self.carry_out(host, memo, action)
    }
}

impl ScreenStage {
    /// Carries out what the meter said about the body so far.
    fn carry_out(
        &self,
        host: &mut impl StreamHost,
        memo: &mut ScreenMemo,
        action: BodyAction,
    ) -> Result<BodyStep, HostError> {
        let summary = memo
            .summary
            .clone()
            .unwrap_or_else(|| RequestSummary::from_headers(&HeaderList::default(), None));
        match action {
            BodyAction::Buffer => Ok((BodyFlow::Buffer, None)),
            BodyAction::Continue { finished } => {
                if finished {
                    memo.body = None;
                    self.count_passed(host, memo);
                }
                Ok((BodyFlow::Continue, None))
            }
            BodyAction::Refuse(refusal) => {
                let v = self.refuse(host, &refusal, &summary, memo.request_id.as_ref())?;
                memo.body = None;
                Ok((BodyFlow::Answered, Some(v)))
            }
            BodyAction::Inspect {
                kind,
                len,
                complete,
            } => {
                let bytes = host.request_body(0, len)?;
                let (route, mode) = match &memo.body {
                    Some(state) => (state.route, state.mode),
                    None => (None, self.screener.policy().mode),
                };
                let decision = self
                    .screener
                    .screen_body(kind, &bytes, complete, route, mode);
                self.apply_body_decision(host, memo, decision, complete, &summary)
            }
        }
    }

    /// Carries out the decision on an inspected body (`complete`: the whole of it).
    fn apply_body_decision(
        &self,
        host: &mut impl StreamHost,
        memo: &mut ScreenMemo,
        decision: BodyDecision,
        complete: bool,
        summary: &RequestSummary,
    ) -> Result<BodyStep, HostError> {
        match decision {
            BodyDecision::Refuse(refusal) => {
                let v = self.refuse(host, &refusal, summary, memo.request_id.as_ref())?;
                memo.body = None;
                Ok((BodyFlow::Answered, Some(v)))
            }
            BodyDecision::Pass { findings } => {
                let verdict = self.detected(host, &findings, summary);
                memo.flagged |= verdict.is_some();
                if complete {
                    memo.body = None;
                    self.count_passed(host, memo);
                }
                Ok((BodyFlow::Continue, verdict))
            }
        }
    }

    /// Counts, logs and sends the denial; the verdict for the audit filter.
    fn refuse(
        &self,
        host: &mut impl StreamHost,
        refusal: &Refusal,
        summary: &RequestSummary,
        request_id: Option<&RequestId>,
    ) -> Result<Verdict, HostError> {
        let mut verdict = Verdict::new(Filter::Screen.member(), Outcome::Denied);
        verdict.rule_id = Some(refusal.rule_id().to_string());
        match refusal {
            Refusal::Limit(limit) => {
                self.counters.limit(host, *limit);
                verdict.reason = Some("limit".into());
                self.log(host, "block", "limit", refusal.rule_id(), None, summary);
            }
            Refusal::Finding(f) => {
                self.counters.finding(host, f, true);
                verdict.reason = Some(f.rule.category.as_str().into());
                self.log(
                    host,
                    "block",
                    f.rule.category.as_str(),
                    f.rule.id,
                    Some(f),
                    summary,
                );
            }
        }
        let denial = refusal.denial();
        verdict.status = Some(denial.status);
        host.send_denial(&denial.render(request_id))?;
        Ok(verdict)
    }

    /// Counts and logs detect-mode findings; a `flagged` verdict if there were any.
    fn detected(
        &self,
        host: &mut impl Host,
        findings: &[Finding],
        summary: &RequestSummary,
    ) -> Option<Verdict> {
        for f in findings {
            self.counters.finding(host, f, false);
            self.log(
                host,
                "detect",
                f.rule.category.as_str(),
                f.rule.id,
                Some(f),
                summary,
            );
        }
        findings.first().map(|f| {
            let mut v = Verdict::new(Filter::Screen.member(), Outcome::Flagged);
            v.reason = Some(f.rule.category.as_str().into());
            v.rule_id = Some(f.rule.id.to_string());
            v
        })
    }

    fn count_passed(&self, host: &mut impl Host, memo: &ScreenMemo) {
        if !memo.flagged {
            self.counters.passed.inc(host);
        }
    }

    fn log(
        &self,
        host: &mut impl Host,
        decision: &str,
        reason: &str,
        rule_id: &str,
        finding: Option<&Finding>,
        summary: &RequestSummary,
    ) {
        let mut details = Map::new();
        details.insert("rule_id".into(), Value::from(rule_id));
        if let Some(f) = finding {
            details.insert("location".into(), Value::from(f.location.as_str()));
            if let Some(excerpt) = &f.excerpt {
                details.insert("excerpt".into(), Value::from(excerpt.as_str()));
            }
        }
        // The client address is read only now, when a line is logged.
        let mut summary = summary.clone();
        if summary.client_address.is_none() {
            summary.client_address = host.property_string(&["source", "address"]).ok().flatten();
        }
        let _ = host.log(
            LogLevel::Info,
            &decision_line(FILTER_NAME, decision, reason, &summary, details),
        );
    }
}

#[cfg(test)]
mod tests;
