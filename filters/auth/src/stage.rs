//! The auth stage: the per-request work between a host ([`pavise_core::host`]) and
//! [`Authenticator`], run by the standalone auth filter, the combined filter and the native
//! module alike. It decides at the request headers, applies the edits or sends the denial,
//! counts and logs, and returns the verdict for the audit filter. No policy logic lives here.
//!
//! Metrics (Prometheus families at Envoy's `/stats/prometheus`, labels by Envoy's tag
//! extraction, see `pavise_core::metrics`; the table is in docs/auth.md):
//! - `pavise_auth_requests_total{decision="allowed",reason="key"|"public_route"}`: requests let
//!   through with a valid key, or by a public route;
//! - `pavise_auth_requests_total{decision="denied",reason}`: refusals, one per [`DenyReason`];
//! - `pavise_internal_errors_total{filter="auth"}`: a host call failed and the request was
//!   refused (fail closed);
//! - `pavise_decision_duration_microseconds{filter="auth",phase="headers"}`: decision time.

use crate::decision::{AuthDecision, Authenticator, DenyReason};
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
use serde_json::{Map, Value};

/// The family of every request counter.
const REQUESTS: &str = "pavise_auth_requests_total";

struct Counters {
    allowed: Counter,
    public: Counter,
    denied: Vec<(DenyReason, Counter)>,
    internal_error: Counter,
    timer: DecisionTimer,
}

impl Counters {
    fn define(host: &mut impl ConfigHost) -> Counters {
        let mut requests = |decision: &str, reason: &str| {
            Counter::counter(
                host,
                &stat_name(REQUESTS, &[("decision", decision), ("reason", reason)]),
            )
        };
        let allowed = requests("allowed", "key");
        let public = requests("allowed", "public_route");
        let denied = DenyReason::ALL
            .iter()
            .map(|r| (*r, requests("denied", r.as_str())))
            .collect();
        Counters {
            allowed,
            public,
            denied,
            internal_error: internal_errors_counter(host, Filter::Auth),
            timer: DecisionTimer::define(host, Filter::Auth),
        }
    }

    fn denied(&self, host: &mut impl Host, reason: DenyReason) {
        if let Some((_, c)) = self.denied.iter().find(|(r, _)| *r == reason) {
            c.inc(host);
        }
    }
}

/// The auth filter's per-request work, loaded from a policy.
pub struct AuthStage {
    auth: Authenticator,
    counters: Counters,
}

impl Stage for AuthStage {
    const FILTER: Filter = Filter::Auth;
    const PHASES: &'static [Phase] = &[Phase::RequestHeaders];
    type Memo = ();
    type Root = ();

    /// `env` references resolve against the VM's environment (the variables listed in
    /// `vm_config.environment_variables`); the plaintext is hashed and dropped right here.
    fn load(json: &[u8], host: &mut impl ConfigHost) -> Result<AuthStage, PolicyErrors> {
        let auth = Authenticator::from_json(json, |name| std::env::var(name).ok())?;
        Ok(AuthStage {
            auth,
            counters: Counters::define(host),
        })
    }

    fn summary(&self) -> String {
        format!(
            "{FILTER_NAME}: policy loaded: {} keys, {} routes",
            self.auth.policy().keys.len(),
            self.auth.policy().routes.len()
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
        _memo: &mut (),
    ) -> Result<Step, HostError> {
        decide_and_apply(self, host, headers)
    }
}

fn decide_and_apply(
    state: &AuthStage,
    host: &mut impl StreamHost,
    headers: &HeaderList,
) -> Result<Step, HostError> {
    let now = host.now_unix_seconds()?;
    match state.auth.decide(headers, now) {
        AuthDecision::Allow(allowed) => {
            host.edit_request_headers(&allowed.edits)?;
            if allowed.client.is_some() {
                state.counters.allowed.inc(host);
            } else {
                state.counters.public.inc(host);
            }
            let mut verdict = Verdict::new(Filter::Auth.member(), Outcome::Allowed);
            verdict.client_id = allowed.client.clone();
            Ok(Step::next(Some(verdict)))
        }
        AuthDecision::Deny(refused) => {
            state.counters.denied(host, refused.reason);
            // The client address is for the log line only: unreadable, the line goes without.
            let address = host.property_string(&["source", "address"]).ok().flatten();
            let summary = RequestSummary::from_headers(headers, address);
            let mut details = Map::new();
            if let Some(id) = &refused.key_id {
                details.insert("key_id".into(), Value::from(id.as_str()));
            }
            if let Some(fp) = &refused.key_fingerprint {
                details.insert("key_fingerprint".into(), Value::from(fp.as_str()));
            }
            let _ = host.log(
                LogLevel::Info,
                &decision_line(
                    FILTER_NAME,
                    "deny",
                    refused.reason.as_str(),
                    &summary,
                    details,
                ),
            );
            let denial = state.auth.denial(&refused);
            let mut verdict = Verdict::new(Filter::Auth.member(), Outcome::Denied);
            verdict.reason = Some(refused.reason.as_str().to_string());
            verdict.status = Some(denial.status);
            let request_id = headers.get(REQUEST_ID_HEADER).and_then(RequestId::parse);
            host.send_denial(&denial.render(request_id.as_ref()))?;
            Ok(Step::answered(Some(verdict)))
        }
    }
}

#[cfg(test)]
mod tests;
