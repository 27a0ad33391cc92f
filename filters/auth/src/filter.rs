//! The proxy-wasm glue: load the policy at configure time, decide each request at the headers
//! phase, apply the edits or send the denial, count and log. No policy logic lives here.
//!
//! Counters (Prometheus names at Envoy's `/stats/prometheus`):
//! - `pavise_auth_allowed`: authenticated requests let through;
//! - `pavise_auth_public`: requests let through by a public route;
//! - `pavise_auth_denied_<reason>`: refusals, one counter per [`DenyReason`];
//! - `pavise_auth_internal_error`: a host call failed and the request was refused (fail closed).

use crate::decision::{AuthDecision, Authenticator, DenyReason};
use crate::FILTER_NAME;
use pavise_core::event::{decision_line, RequestSummary};
use pavise_core::metrics::metric_name;
use pavise_core::request_id::{RequestId, REQUEST_ID_HEADER};
use pavise_core::verdict::{Outcome, Verdict};
use pavise_host::{self as host, Counter, HostError};
use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{Action, ContextType, LogLevel};
use serde_json::{Map, Value};
use std::rc::Rc;

proxy_wasm::main! {{
    proxy_wasm::set_log_level(LogLevel::Info);
    proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> { Box::new(AuthRoot::default()) });
}}

struct Counters {
    allowed: Counter,
    public: Counter,
    denied: Vec<(DenyReason, Counter)>,
    internal_error: Counter,
}

impl Counters {
    fn define() -> Counters {
        Counters {
            allowed: Counter::define(&metric_name("auth", &["allowed"])),
            public: Counter::define(&metric_name("auth", &["public"])),
            denied: DenyReason::ALL
                .iter()
                .map(|r| {
                    (
                        *r,
                        Counter::define(&metric_name("auth", &["denied", r.as_str()])),
                    )
                })
                .collect(),
            internal_error: Counter::define(&metric_name("auth", &["internal_error"])),
        }
    }

    fn denied(&self, reason: DenyReason) {
        if let Some((_, c)) = self.denied.iter().find(|(r, _)| *r == reason) {
            c.inc();
        }
    }
}

#[derive(Default)]
struct AuthRoot {
    state: Option<Rc<Loaded>>,
}

struct Loaded {
    auth: Authenticator,
    counters: Counters,
}

impl Context for AuthRoot {}

impl RootContext for AuthRoot {
    fn on_configure(&mut self, _config_size: usize) -> bool {
        // `env` references resolve against the VM's environment, i.e. the variables listed in
        // vm_config.environment_variables; the plaintext is hashed and dropped right here.
        let loaded = host::load_policy(FILTER_NAME, |json| {
            Authenticator::from_json(json, |name| std::env::var(name).ok())
        });
        match loaded {
            Some(auth) => {
                let keys = auth.policy().keys.len();
                let routes = auth.policy().routes.len();
                self.state = Some(Rc::new(Loaded {
                    auth,
                    counters: Counters::define(),
                }));
                host::log(
                    LogLevel::Info,
                    &format!("{FILTER_NAME}: policy loaded: {keys} keys, {routes} routes"),
                );
                true
            }
            None => false,
        }
    }

    fn create_http_context(&self, _context_id: u32) -> Option<Box<dyn HttpContext>> {
        // Always a context: the SDK panics on None. Without a policy it refuses everything.
        Some(Box::new(AuthStream {
            state: self.state.clone(),
        }))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

struct AuthStream {
    state: Option<Rc<Loaded>>,
}

impl Context for AuthStream {}

impl HttpContext for AuthStream {
    fn on_http_request_headers(&mut self, _num_headers: usize, _end_of_stream: bool) -> Action {
        let Some(state) = self.state.clone() else {
            host::send_internal_error(FILTER_NAME, &HostError::no_policy());
            return Action::Pause;
        };
        match decide_and_apply(&state) {
            Ok(action) => action,
            Err(e) => {
                state.counters.internal_error.inc();
                host::send_internal_error(FILTER_NAME, &e);
                Action::Pause
            }
        }
    }
}

fn decide_and_apply(state: &Loaded) -> Result<Action, HostError> {
    let headers = host::request_headers()?;
    let now = host::now_unix_seconds()?;
    match state.auth.decide(&headers, now) {
        AuthDecision::Allow(allowed) => {
            host::edit_request_headers(&allowed.edits)?;
            if allowed.client.is_some() {
                state.counters.allowed.inc();
            } else {
                state.counters.public.inc();
            }
            let mut verdict = Verdict::new("auth", Outcome::Allowed);
            verdict.client_id = allowed.client.clone();
            host::publish_verdict(&verdict);
            Ok(Action::Continue)
        }
        AuthDecision::Deny(refused) => {
            state.counters.denied(refused.reason);
            let summary = RequestSummary::from_headers(
                &headers,
                host::property_string(&["source", "address"]),
            );
            let mut details = Map::new();
            if let Some(id) = &refused.key_id {
                details.insert("key_id".into(), Value::from(id.as_str()));
            }
            if let Some(fp) = &refused.key_fingerprint {
                details.insert("key_fingerprint".into(), Value::from(fp.as_str()));
            }
            host::log(
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
            let mut verdict = Verdict::new("auth", Outcome::Denied);
            verdict.reason = Some(refused.reason.as_str().to_string());
            verdict.status = Some(denial.status);
            host::publish_verdict(&verdict);
            let request_id = headers.get(REQUEST_ID_HEADER).and_then(RequestId::parse);
            host::send_denial(&denial.render(request_id.as_ref()))?;
            Ok(Action::Pause)
        }
    }
}
