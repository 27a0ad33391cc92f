//! The proxy-wasm glue: capture the request at its headers, build the event when the stream
//! ends (`on_log`, which Envoy calls for every stream, including those a later filter answered
//! itself), publish it for the local access log and hand it to the HTTP sink's outbox; the
//! root context flushes the outbox on a timer. No policy logic lives here.
//!
//! Counters (Prometheus names at Envoy's `/stats/prometheus`):
//! - `pavise_audit_events`: events written;
//! - `pavise_audit_skipped`: allowed requests not logged (out of scope or not sampled);
//! - `pavise_audit_sink_sent`, `pavise_audit_sink_retried`, `pavise_audit_sink_dropped`:
//!   events delivered to the HTTP sink, re-sent after a failed batch, lost to a full buffer;
//! - `pavise_audit_sink_failed_batches`: POSTs that failed (error status, timeout, no cluster);
//! - `pavise_audit_denied_sink_full`: requests answered 503 (`on_sink_failure: deny`);
//! - `pavise_audit_internal_error`: a host call failed while building or publishing an event.

use crate::event::{build_event, should_log, EndFacts, RequestFacts};
use crate::outbox::{Limits, Outbox, Totals};
use crate::policy::{AuditPolicy, HttpSink, OnSinkFailure};
use crate::sink::{render_batch, QueuedEvent, CONTENT_TYPE};
use crate::{EVENT_PROPERTY, FILTER_NAME};
use pavise_core::denial::Denial;
use pavise_core::metrics::metric_name;
use pavise_core::path::normalize_path;
use pavise_core::request_id::{RequestId, REQUEST_ID_HEADER};
use pavise_core::verdict::{Outcome, Verdict, VERDICT_FILTERS};
use pavise_host::{self as host, Counter, HostError};
use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{Action, ContextType, LogLevel};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

proxy_wasm::main! {{
    proxy_wasm::set_log_level(LogLevel::Info);
    proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> { Box::new(AuditRoot::default()) });
}}

struct Counters {
    events: Counter,
    skipped: Counter,
    sent: Counter,
    retried: Counter,
    dropped: Counter,
    failed_batches: Counter,
    denied_sink_full: Counter,
    internal_error: Counter,
}

impl Counters {
    fn define() -> Counters {
        let c = |name: &str| Counter::define(&metric_name("audit", &[name]));
        Counters {
            events: c("events"),
            skipped: c("skipped"),
            sent: c("sink_sent"),
            retried: c("sink_retried"),
            dropped: c("sink_dropped"),
            failed_batches: c("sink_failed_batches"),
            denied_sink_full: c("denied_sink_full"),
            internal_error: c("internal_error"),
        }
    }
}

/// The HTTP sink's live state, shared by the root (which sends) and the streams (which push).
struct HttpState {
    config: HttpSink,
    outbox: RefCell<Outbox<QueuedEvent>>,
    /// The totals already added to the counters.
    counted: Cell<Totals>,
    /// Whether the "buffer full" warning was logged since the buffer last had room: one line
    /// per episode, not one per dropped event.
    warned_full: Cell<bool>,
}

struct Loaded {
    policy: AuditPolicy,
    http: Option<HttpState>,
    counters: Counters,
}

impl Loaded {
    /// Brings the sink counters up to the outbox's totals.
    fn count_sink(&self) {
        let Some(http) = &self.http else { return };
        let Ok(outbox) = http.outbox.try_borrow() else {
            return;
        };
        let now = outbox.totals();
        let before = http.counted.replace(now);
        self.counters.sent.add(now.sent.saturating_sub(before.sent));
        self.counters
            .retried
            .add(now.retried.saturating_sub(before.retried));
        self.counters
            .dropped
            .add(now.dropped.saturating_sub(before.dropped));
        self.counters
            .failed_batches
            .add(now.failed_batches.saturating_sub(before.failed_batches));
    }

    fn sink_full(&self) -> bool {
        self.http
            .as_ref()
            .and_then(|h| h.outbox.try_borrow().ok().map(|o| o.is_full()))
            .unwrap_or(false)
    }
}

#[derive(Default)]
struct AuditRoot {
    state: Option<Rc<Loaded>>,
    /// The batch POST awaiting its answer.
    in_flight: Option<u32>,
}

impl Context for AuditRoot {
    fn on_http_call_response(
        &mut self,
        token: u32,
        _headers: usize,
        _body: usize,
        _trailers: usize,
    ) {
        if self.in_flight != Some(token) {
            return;
        }
        self.in_flight = None;
        let delivered = host::http_call_status().is_some_and(|s| (200..300).contains(&s));
        self.settle(delivered);
    }
}

impl AuditRoot {
    fn settle(&self, delivered: bool) {
        let Some(state) = &self.state else { return };
        let Some(http) = &state.http else { return };
        let now_ms = now_ms();
        if let Ok(mut outbox) = http.outbox.try_borrow_mut() {
            outbox.settle(now_ms, delivered);
        }
        if !delivered {
            host::log(
                LogLevel::Warn,
                &format!(
                    "{FILTER_NAME}: audit sink cluster '{}' did not take a batch; retrying with backoff",
                    http.config.cluster
                ),
            );
        }
        state.count_sink();
    }

    /// Sends the next batch if one is due.
    fn flush(&mut self) {
        let Some(state) = self.state.clone() else {
            return;
        };
        let Some(http) = &state.http else { return };
        if self.in_flight.is_some() {
            return;
        }
        let now = host::now_unix_nanos().unwrap_or_default();
        let batch = match http.outbox.try_borrow_mut() {
            Ok(mut outbox) => outbox.next_batch(now / 1_000_000),
            Err(_) => None,
        };
        let Some(batch) = batch else { return };
        let body = render_batch(http.config.format, &batch.events, now);
        let authority = http
            .config
            .authority
            .as_deref()
            .unwrap_or(&http.config.cluster);
        match host::post_to_cluster(
            &http.config.cluster,
            authority,
            &http.config.path,
            CONTENT_TYPE,
            body.as_bytes(),
            Duration::from_millis(u64::from(http.config.timeout_ms)),
        ) {
            Ok(token) => self.in_flight = Some(token),
            Err(e) => {
                host::log(
                    LogLevel::Warn,
                    &format!("{FILTER_NAME}: cannot post a batch: {e}"),
                );
                self.settle(false);
            }
        }
    }
}

impl RootContext for AuditRoot {
    fn on_configure(&mut self, _config_size: usize) -> bool {
        let Some(policy) = host::load_policy(FILTER_NAME, crate::policy::parse) else {
            return false;
        };
        let http = policy.http.clone().map(|config| HttpState {
            outbox: RefCell::new(Outbox::new(Limits {
                batch_max_events: config.batch_max_events as usize,
                flush_interval_ms: u64::from(config.flush_interval_ms),
                buffer_max_events: config.buffer_max_events as usize,
                initial_backoff_ms: u64::from(config.initial_backoff_ms),
                max_backoff_ms: u64::from(config.max_backoff_ms),
            })),
            config,
            counted: Cell::new(Totals::default()),
            warned_full: Cell::new(false),
        });
        if let Some(h) = &http {
            // Tick often enough to honour the flush interval and the backoff closely.
            let period = (h.config.flush_interval_ms / 4).clamp(10, 250);
            if let Err(e) = host::set_tick_period(Duration::from_millis(u64::from(period))) {
                host::log(LogLevel::Critical, &format!("{FILTER_NAME}: {e}"));
                return false;
            }
        }
        host::log(
            LogLevel::Info,
            &format!(
                "{FILTER_NAME}: policy loaded: local sink {}, http sink {}",
                if policy.local.enabled { "on" } else { "off" },
                http.as_ref().map_or("off", |h| h.config.cluster.as_str())
            ),
        );
        self.state = Some(Rc::new(Loaded {
            policy,
            http,
            counters: Counters::define(),
        }));
        true
    }

    fn on_tick(&mut self) {
        self.flush();
    }

    fn create_http_context(&self, _context_id: u32) -> Option<Box<dyn HttpContext>> {
        Some(Box::new(AuditStream {
            state: self.state.clone(),
            request: None,
            own_verdict: None,
        }))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

struct AuditStream {
    state: Option<Rc<Loaded>>,
    request: Option<RequestFacts>,
    /// This filter's own refusal (sink full), which it cannot read back as filter state
    /// before the stream ends.
    own_verdict: Option<Verdict>,
}

impl Context for AuditStream {}

impl HttpContext for AuditStream {
    fn on_http_request_headers(&mut self, _num_headers: usize, _end_of_stream: bool) -> Action {
        let Some(state) = self.state.clone() else {
            host::send_internal_error(FILTER_NAME, &HostError::no_policy());
            return Action::Pause;
        };
        let headers = match host::request_headers() {
            Ok(h) => h,
            Err(e) => {
                state.counters.internal_error.inc();
                host::send_internal_error(FILTER_NAME, &e);
                return Action::Pause;
            }
        };
        let start = host::now_unix_nanos().unwrap_or_default();
        self.request = Some(RequestFacts::capture(&headers, start, &state.policy));
        if state.policy.on_sink_failure == OnSinkFailure::Deny && state.sink_full() {
            state.counters.denied_sink_full.inc();
            let denial = Denial::new(
                503,
                "audit_unavailable",
                "the request cannot be audited right now; retry later",
            )
            .with_header("retry-after", "1".to_string());
            let mut verdict = Verdict::new("audit", Outcome::Denied);
            verdict.reason = Some("sink_full".into());
            verdict.status = Some(503);
            self.own_verdict = Some(verdict);
            let request_id = headers.get(REQUEST_ID_HEADER).and_then(RequestId::parse);
            if let Err(e) = host::send_denial(&denial.render(request_id.as_ref())) {
                host::send_internal_error(FILTER_NAME, &e);
            }
            return Action::Pause;
        }
        Action::Continue
    }

    fn on_log(&mut self) {
        let (Some(state), Some(request)) = (self.state.clone(), self.request.take()) else {
            return;
        };
        let mut verdicts: Vec<Verdict> = self.own_verdict.take().into_iter().collect();
        verdicts.extend(VERDICT_FILTERS.iter().filter_map(|f| host::read_verdict(f)));
        let path = normalize_path(&request.path);
        if !should_log(&state.policy, &request, &path, &verdicts) {
            state.counters.skipped.inc();
            return;
        }
        let end_nanos = host::now_unix_nanos().unwrap_or(request.start_unix_nanos);
        let end = EndFacts {
            status: host::property_u64(&["response", "code"])
                .and_then(|c| u16::try_from(c).ok())
                .unwrap_or(0),
            source_address: host::property_string(&["source", "address"]),
            duration_ms: Some(end_nanos.saturating_sub(request.start_unix_nanos) as f64 / 1e6),
            request_bytes: host::property_u64(&["request", "total_size"]),
            response_bytes: host::property_u64(&["response", "total_size"]),
        };
        let event = build_event(&request, &end, &verdicts);
        state.counters.events.inc();
        if state.policy.local.enabled {
            let json = serde_json::to_string(&event).unwrap_or_default();
            if let Err(e) = host::set_property(&[EVENT_PROPERTY], json.as_bytes()) {
                state.counters.internal_error.inc();
                host::log(LogLevel::Error, &format!("{FILTER_NAME}: local sink: {e}"));
            }
        }
        if let Some(http) = &state.http {
            let queued = QueuedEvent {
                event,
                unix_nanos: request.start_unix_nanos,
            };
            let pushed = match http.outbox.try_borrow_mut() {
                Ok(mut outbox) => outbox.push(end_nanos / 1_000_000, queued).is_ok(),
                Err(_) => false,
            };
            if pushed {
                http.warned_full.set(false);
            } else if !http.warned_full.replace(true) {
                host::log(
                    LogLevel::Warn,
                    &format!(
                        "{FILTER_NAME}: audit sink buffer full; dropping events until it drains \
                         (see pavise_audit_sink_dropped)"
                    ),
                );
            }
            state.count_sink();
        }
    }
}

fn now_ms() -> u64 {
    host::now_unix_nanos().unwrap_or_default() / 1_000_000
}
