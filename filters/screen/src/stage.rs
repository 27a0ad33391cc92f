//! The screening stage: the per-request glue between Envoy and [`Screener`], shared by the
//! standalone screening filter ([`crate::filter`]) and the combined Pavise filter.
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

use crate::detect::{Finding, RULES};
use crate::policy::Mode;
use crate::screen::{BodyDecision, BodyPlan, HeaderDecision, Limit, Refusal, Screener};
use crate::FILTER_NAME;
use pavise_core::event::{decision_line, RequestSummary};
use pavise_core::headers::HeaderList;
use pavise_core::metrics::stat_name;
use pavise_core::policy::PolicyErrors;
use pavise_core::request_id::{RequestId, REQUEST_ID_HEADER};
use pavise_core::verdict::{Outcome, Verdict};
use pavise_host::stage::Stage;
use pavise_host::{self as host, BodyFlow, Counter, DecisionTimer, HostError, Step};
use proxy_wasm::types::LogLevel;
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
    fn define() -> Counters {
        let finding = |rule: &crate::detect::Rule, mode: &str| {
            Counter::define(&stat_name(
                FINDINGS,
                &[
                    ("category", rule.category.as_str()),
                    ("rule", rule.id),
                    ("mode", mode),
                ],
            ))
        };
        Counters {
            passed: Counter::define(PASSED),
            findings: RULES
                .iter()
                .map(|r| (r.id, finding(r, "block"), finding(r, "detect")))
                .collect(),
            limits: Limit::ALL
                .iter()
                .map(|l| {
                    let limit = l.id().strip_prefix("limit-").unwrap_or(l.id());
                    (
                        *l,
                        Counter::define(&stat_name(LIMIT_REFUSALS, &[("limit", limit)])),
                    )
                })
                .collect(),
            internal_error: host::internal_errors_counter("screen"),
            timer: DecisionTimer::define("screen"),
        }
    }

    fn finding(&self, f: &Finding, blocked: bool) {
        if let Some((_, block, detect)) = self.findings.iter().find(|(id, _, _)| *id == f.rule.id) {
            if blocked {
                block.inc();
            } else {
                detect.inc();
            }
        }
    }

    fn limit(&self, limit: Limit) {
        if let Some((_, c)) = self.limits.iter().find(|(l, _)| *l == limit) {
            c.inc();
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
    /// Body bytes buffered so far (for a body that ends with trailers).
    buffered: usize,
}

struct BodyState {
    plan: BodyPlan,
    route: Option<usize>,
    mode: Mode,
    /// Bytes that went through while counting (not buffered).
    streamed: u64,
}

impl Stage for ScreenStage {
    type Memo = ScreenMemo;
    const NAME: &'static str = FILTER_NAME;

    fn load(json: &[u8]) -> Result<ScreenStage, PolicyErrors> {
        Ok(ScreenStage {
            screener: Screener::from_json(json)?,
            counters: Counters::define(),
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

    fn count_internal_error(&self) {
        self.counters.internal_error.inc();
    }

    fn timer(&self) -> &DecisionTimer {
        &self.counters.timer
    }

    fn on_request_headers(
        &self,
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
                let verdict = self.refuse(&refusal, &summary(), memo.request_id.as_ref())?;
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
                    Some(s) => self.detected(&findings, s),
                    None => None,
                };
                memo.flagged = verdict.is_some();
                match body {
                    BodyPlan::None => {
                        self.count_passed(memo);
                        Ok(Step::next(verdict))
                    }
                    BodyPlan::Count | BodyPlan::Inspect(_) => {
                        memo.body = Some(BodyState {
                            plan: body,
                            route,
                            mode,
                            streamed: 0,
                        });
                        if matches!(body, BodyPlan::Inspect(_)) {
                            Ok(Step::hold(verdict))
                        } else {
                            Ok(Step::next(verdict))
                        }
                    }
                }
            }
        }
    }

    fn on_request_body(
        &self,
        memo: &mut ScreenMemo,
        body_size: usize,
        end_of_stream: bool,
    ) -> Result<(BodyFlow, Option<Verdict>), HostError> {
        let Some(state) = memo.body.as_mut() else {
            return Ok((BodyFlow::Continue, None));
        };
        let limits = &self.screener.policy().limits;
        let summary = memo
            .summary
            .clone()
            .unwrap_or_else(|| RequestSummary::from_headers(&HeaderList::default(), None));
        let kind = match state.plan {
            BodyPlan::Inspect(kind) => kind,
            BodyPlan::None | BodyPlan::Count => {
                // Streaming through: count, and cut off at the limit.
                state.streamed = state.streamed.saturating_add(body_size as u64);
                if state.streamed > limits.max_body_bytes {
                    let v = self.refuse(
                        &Refusal::Limit(Limit::Body),
                        &summary,
                        memo.request_id.as_ref(),
                    )?;
                    memo.body = None;
                    return Ok((BodyFlow::Answered, Some(v)));
                }
                if end_of_stream {
                    memo.body = None;
                    self.count_passed(memo);
                }
                return Ok((BodyFlow::Continue, None));
            }
        };
        if body_size as u64 > limits.max_body_bytes {
            let v = self.refuse(
                &Refusal::Limit(Limit::Body),
                &summary,
                memo.request_id.as_ref(),
            )?;
            memo.body = None;
            return Ok((BodyFlow::Answered, Some(v)));
        }
        let past_limit = body_size > limits.inspect_body_bytes;
        if !end_of_stream && !past_limit {
            memo.buffered = body_size;
            return Ok((BodyFlow::Buffer, None));
        }
        let bytes = host::request_body(0, body_size.min(limits.inspect_body_bytes))?;
        let (route, mode) = (state.route, state.mode);
        // Past the inspection limit with `pass`, the rest streams through counted.
        state.plan = BodyPlan::Count;
        state.streamed = body_size as u64;
        let decision = self
            .screener
            .screen_body(kind, &bytes, !past_limit, route, mode);
        self.apply_body_decision(memo, decision, !past_limit, &summary)
    }

    /// A body that ends with trailers (HTTP/2, or HTTP/1 with trailers enabled) never sees
    /// `end_of_stream` in the body callback: it is inspected here, before the trailers (and
    /// with them everything held) go on.
    fn on_request_trailers(
        &self,
        memo: &mut ScreenMemo,
    ) -> Result<(BodyFlow, Option<Verdict>), HostError> {
        let buffered = memo.buffered;
        self.on_request_body(memo, buffered, true)
    }
}

impl ScreenStage {
    /// Carries out the decision on an inspected body (`complete`: the whole of it).
    fn apply_body_decision(
        &self,
        memo: &mut ScreenMemo,
        decision: BodyDecision,
        complete: bool,
        summary: &RequestSummary,
    ) -> Result<(BodyFlow, Option<Verdict>), HostError> {
        match decision {
            BodyDecision::Refuse(refusal) => {
                let v = self.refuse(&refusal, summary, memo.request_id.as_ref())?;
                memo.body = None;
                Ok((BodyFlow::Answered, Some(v)))
            }
            BodyDecision::Pass { findings } => {
                let verdict = self.detected(&findings, summary);
                memo.flagged |= verdict.is_some();
                if complete {
                    memo.body = None;
                    self.count_passed(memo);
                }
                Ok((BodyFlow::Continue, verdict))
            }
        }
    }

    /// Counts, logs and sends the denial; the verdict for the audit filter.
    fn refuse(
        &self,
        refusal: &Refusal,
        summary: &RequestSummary,
        request_id: Option<&RequestId>,
    ) -> Result<Verdict, HostError> {
        let mut verdict = Verdict::new("screen", Outcome::Denied);
        verdict.rule_id = Some(refusal.rule_id().to_string());
        match refusal {
            Refusal::Limit(limit) => {
                self.counters.limit(*limit);
                verdict.reason = Some("limit".into());
                self.log("block", "limit", refusal.rule_id(), None, summary);
            }
            Refusal::Finding(f) => {
                self.counters.finding(f, true);
                verdict.reason = Some(f.rule.category.as_str().into());
                self.log(
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
        host::send_denial(&denial.render(request_id))?;
        Ok(verdict)
    }

    /// Counts and logs detect-mode findings; a `flagged` verdict if there were any.
    fn detected(&self, findings: &[Finding], summary: &RequestSummary) -> Option<Verdict> {
        for f in findings {
            self.counters.finding(f, false);
            self.log(
                "detect",
                f.rule.category.as_str(),
                f.rule.id,
                Some(f),
                summary,
            );
        }
        findings.first().map(|f| {
            let mut v = Verdict::new("screen", Outcome::Flagged);
            v.reason = Some(f.rule.category.as_str().into());
            v.rule_id = Some(f.rule.id.to_string());
            v
        })
    }

    fn count_passed(&self, memo: &ScreenMemo) {
        if !memo.flagged {
            self.counters.passed.inc();
        }
    }

    fn log(
        &self,
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
            summary.client_address = host::property_string(&["source", "address"]);
        }
        host::log(
            LogLevel::Info,
            &decision_line(FILTER_NAME, decision, reason, &summary, details),
        );
    }
}
