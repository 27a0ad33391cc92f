//! The audit stage: the audit filter's work against the host traits ([`pavise_core::host`]),
//! run by the standalone audit filter, the combined filter and the native module alike. It
//! captures the request at its
//! headers, builds the event when the stream ends (`on_log`, which Envoy calls for every
//! stream, including those a later filter answered itself), publishes it for the local access
//! log and hands it to the HTTP sink's outbox, which [`SinkFlusher`] (the stage's root state)
//! empties on a timer. No policy logic lives here.
//!
//! Metrics (Prometheus families at Envoy's `/stats/prometheus`; the table is in docs/audit.md):
//! - `pavise_audit_events_total`: events written;
//! - `pavise_audit_skipped_total`: allowed requests not logged (out of scope or not sampled);
//! - `pavise_audit_sink_sent_total`, `pavise_audit_sink_retried_total`,
//!   `pavise_audit_sink_dropped_total`: events delivered to the HTTP sink, re-sent after a
//!   failed batch, lost to a full buffer;
//! - `pavise_audit_sink_failed_batches_total`: POSTs that failed (error status, timeout, no
//!   cluster);
//! - `pavise_audit_sink_rejected_total`: events in batches the collector refused for good (a
//!   status OTLP/HTTP says not to retry), dropped so that they do not block the queue;
//! - `pavise_audit_sink_lost_total`: events still buffered when the VM was replaced or the
//!   proxy stopped and that could not be sent before the drain deadline;
//! - `pavise_audit_buffer_events`, `pavise_audit_buffer_capacity_events` (gauges): events held
//!   for the HTTP sink, and how many it may hold, summed over Envoy's workers;
//! - `pavise_audit_sink_full_denials_total`: requests answered 503 (`on_sink_failure: deny`);
//! - `pavise_internal_errors_total{filter="audit"}`: a host call failed while building or
//!   publishing an event;
//! - `pavise_decision_duration_microseconds{filter="audit",phase="headers"}`: time to capture
//!   the request (and, with `on_sink_failure: deny`, to decide).

use crate::event::{build_event, should_log, EndFacts, RequestFacts};
use crate::outbox::{classify, Delivery, Limits, Outbox, Totals};
use crate::policy::{AuditPolicy, HttpSink, OnSinkFailure};
use crate::sink::{render_batch, OtlpResource, QueuedEvent, CONTENT_TYPE};
use crate::{EVENT_PROPERTY, FILTER_NAME};
use pavise_core::denial::Denial;
use pavise_core::filter::Filter;
use pavise_core::headers::HeaderList;
use pavise_core::host::{
    internal_errors_counter, Callout, CalloutResponse, ConfigHost, DecisionTimer, Host, HostError,
    LogLevel, Metric as Counter, Metric as Gauge, MetricKind, RootHost, StreamHost,
};
use pavise_core::path::normalize_path;
use pavise_core::policy::PolicyErrors;
use pavise_core::request_id::{RequestId, REQUEST_ID_HEADER};
use pavise_core::stage::{Phase, Stage, Step};
use pavise_core::verdict::{Outcome, Verdict};
use std::cell::{Cell, RefCell};
use std::time::Duration;

struct Counters {
    events: Counter,
    skipped: Counter,
    sent: Counter,
    retried: Counter,
    dropped: Counter,
    failed_batches: Counter,
    rejected: Counter,
    lost: Counter,
    denied_sink_full: Counter,
    internal_error: Counter,
    buffer: Gauge,
    buffer_capacity: Gauge,
    timer: DecisionTimer,
}

impl Counters {
    fn define(host: &mut impl ConfigHost) -> Counters {
        let c = |host: &mut _, name: &str| {
            Counter::counter(host, &format!("pavise_audit_{name}_total"))
        };
        let g = |host: &mut _, name: &str| {
            Gauge::define(host, MetricKind::Gauge, &format!("pavise_audit_{name}"))
        };
        Counters {
            events: c(host, "events"),
            skipped: c(host, "skipped"),
            sent: c(host, "sink_sent"),
            retried: c(host, "sink_retried"),
            dropped: c(host, "sink_dropped"),
            failed_batches: c(host, "sink_failed_batches"),
            rejected: c(host, "sink_rejected"),
            lost: c(host, "sink_lost"),
            denied_sink_full: c(host, "sink_full_denials"),
            internal_error: internal_errors_counter(host, Filter::Audit),
            buffer: g(host, "buffer_events"),
            buffer_capacity: g(host, "buffer_capacity_events"),
            timer: DecisionTimer::define(host, Filter::Audit),
        }
    }
}

/// The HTTP sink's live state, shared by the root (which sends) and the streams (which push).
struct HttpState {
    config: HttpSink,
    /// The OTLP resource, resolved at load.
    resource: OtlpResource,
    /// The configured request headers with their values, resolved at load (never logged).
    headers: Vec<(String, String)>,
    outbox: RefCell<Outbox<QueuedEvent>>,
    /// The totals already added to the counters.
    counted: Cell<Totals>,
    /// This VM's share of the buffer gauge: the events held when it was last moved.
    gauged: Cell<u64>,
    /// Whether this VM's capacity is in the capacity gauge. Added with the first event, not at
    /// load: Envoy also configures the filter on its main thread, whose VM serves no stream
    /// and buffers nothing.
    capacity_gauged: Cell<bool>,
    /// Whether the "buffer full" warning was logged since the buffer last had room: one line
    /// per episode, not one per dropped event.
    warned_full: Cell<bool>,
}

/// The audit filter's work, loaded from a policy.
pub struct AuditStage {
    policy: AuditPolicy,
    http: Option<HttpState>,
    counters: Counters,
}

/// What a stream keeps from its request headers to its end.
#[derive(Default)]
pub struct AuditMemo {
    request: Option<RequestFacts>,
    /// This filter's own refusal (sink full).
    own_verdict: Option<Verdict>,
}

impl AuditStage {
    /// Brings the sink counters up to the outbox's totals.
    fn count_sink(&self, host: &mut impl Host) {
        let Some(http) = &self.http else { return };
        let Ok(outbox) = http.outbox.try_borrow() else {
            return;
        };
        let now = outbox.totals();
        let held = outbox.held() as u64;
        if !http.capacity_gauged.replace(true) {
            self.counters
                .buffer_capacity
                .add(host, u64::from(http.config.buffer_max_events));
        }
        self.counters
            .buffer
            .shift(host, http.gauged.replace(held), held);
        let before = http.counted.replace(now);
        self.counters
            .sent
            .add(host, now.sent.saturating_sub(before.sent));
        self.counters
            .retried
            .add(host, now.retried.saturating_sub(before.retried));
        self.counters
            .dropped
            .add(host, now.dropped.saturating_sub(before.dropped));
        self.counters.failed_batches.add(
            host,
            now.failed_batches.saturating_sub(before.failed_batches),
        );
        self.counters
            .rejected
            .add(host, now.rejected.saturating_sub(before.rejected));
        self.counters
            .lost
            .add(host, now.lost.saturating_sub(before.lost));
    }

    /// Events held by the HTTP sink (waiting and in flight): the buffer's depth.
    pub fn sink_depth(&self) -> usize {
        self.http
            .as_ref()
            .and_then(|h| h.outbox.try_borrow().ok().map(|o| o.depth()))
            .unwrap_or(0)
    }

    /// Events the HTTP sink lost so far: buffer full, refused by the collector, or given up
    /// at shutdown.
    pub fn sink_lost(&self) -> u64 {
        self.http
            .as_ref()
            .and_then(|h| h.outbox.try_borrow().ok().map(|o| o.lost_total()))
            .unwrap_or(0)
    }

    fn sink_full(&self) -> bool {
        self.http
            .as_ref()
            .and_then(|h| h.outbox.try_borrow().ok().map(|o| o.is_full()))
            .unwrap_or(false)
    }
}

/// Sends the HTTP sink's batches from the root context: one POST in flight at a time. When
/// the VM is about to go (a new policy replaced it, or the proxy is stopping), the root
/// context's `on_done` hands over to [`SinkFlusher::on_done`], which sends what is buffered
/// back to back until a deadline (the sink's `timeout_ms`), then counts and logs what is left.
#[derive(Debug, Default)]
pub struct SinkFlusher {
    /// The token of the batch POST awaiting its answer.
    in_flight: Option<u32>,
    /// While draining before shutdown: when to give up, in Unix milliseconds.
    drain_deadline_ms: Option<u64>,
}

impl SinkFlusher {
    /// The answer to a POST arrived (the root context's `on_http_call_response`). The next
    /// batch goes at once if one is due: waiting for the next tick would cap the sink at one
    /// batch a tick (40 events a second with a 1 s flush interval and batches of 10), and a
    /// busy proxy would fill the buffer and drop events. Returns true when a drain has just
    /// finished: the root context then tells the host it is done.
    pub fn on_http_call_response(
        &mut self,
        host: &mut impl RootHost,
        state: &AuditStage,
        token: u32,
        response: &CalloutResponse,
    ) -> bool {
        if self.in_flight != Some(token) {
            return false;
        }
        self.in_flight = None;
        let status = response.status;
        let retry_after = response.headers.get_str("retry-after");
        let now_secs = host.now_unix_seconds().unwrap_or_default();
        let delivery = classify(status, retry_after, now_secs);
        Self::settle(host, state, delivery, status);
        let retrying = matches!(delivery, Delivery::Retry { .. });
        if self.drain_deadline_ms.is_some() {
            // A failing collector is tried again on the next tick, not in a tight loop.
            return !retrying && self.drain_step(host, state);
        }
        if !retrying {
            self.send(host, state, false);
        }
        false
    }

    fn settle(
        host: &mut impl RootHost,
        state: &AuditStage,
        delivery: Delivery,
        status: Option<u16>,
    ) {
        let Some(http) = &state.http else { return };
        let now_ms = now_ms(host);
        let mut batch = 0;
        if let Ok(mut outbox) = http.outbox.try_borrow_mut() {
            batch = outbox.in_flight_len();
            outbox.settle(now_ms, delivery);
        }
        let cluster = &http.config.cluster;
        let status = status.map_or_else(|| "no answer".to_string(), |s| format!("status {s}"));
        match delivery {
            Delivery::Delivered => {}
            Delivery::Retry { .. } => log(
                host,
                LogLevel::Warn,
                &format!(
                    "{FILTER_NAME}: audit sink cluster '{cluster}' did not take a batch ({status}); \
                     retrying with backoff"
                ),
            ),
            Delivery::Rejected => log(
                host,
                LogLevel::Error,
                &format!(
                    "{FILTER_NAME}: audit sink cluster '{cluster}' refused a batch of {batch} \
                     events ({status}, not retryable); dropped (see pavise_audit_sink_rejected_total)"
                ),
            ),
        }
        state.count_sink(host);
    }

    /// Sends the next batch if one is due (the root context's `on_tick`). Returns true when
    /// a drain has just finished.
    pub fn on_tick(&mut self, host: &mut impl RootHost, state: &AuditStage) -> bool {
        if self.drain_deadline_ms.is_some() {
            return self.drain_step(host, state);
        }
        self.send(host, state, false);
        false
    }

    /// The VM is about to go: returns true if nothing is left to send (the host may delete
    /// the root context now), false if a drain has started and the root context will call
    /// `done` when it ends.
    pub fn on_done(&mut self, host: &mut impl RootHost, state: &AuditStage) -> bool {
        let Some(http) = &state.http else { return true };
        let held = state.sink_depth();
        if held == 0 {
            return true;
        }
        self.drain_deadline_ms =
            Some(now_ms(host).saturating_add(u64::from(http.config.timeout_ms)));
        log(
            host,
            LogLevel::Info,
            &format!(
                "{FILTER_NAME}: shutting down with {held} audit events buffered; sending them \
                 for at most {} ms (any not sent are lost)",
                http.config.timeout_ms
            ),
        );
        // Ticks keep the deadline even when no answer comes back.
        if let Err(e) = host.set_tick_period(Duration::from_millis(50)) {
            log(host, LogLevel::Warn, &format!("{FILTER_NAME}: {e}"));
        }
        self.drain_step(host, state)
    }

    /// One step of the drain: give up past the deadline, else send the next batch unless one
    /// is in flight. Returns true when the drain is over.
    fn drain_step(&mut self, host: &mut impl RootHost, state: &AuditStage) -> bool {
        let Some(http) = &state.http else { return true };
        let Some(deadline) = self.drain_deadline_ms else {
            return true;
        };
        if now_ms(host) >= deadline {
            let lost = match http.outbox.try_borrow_mut() {
                Ok(mut outbox) => outbox.abandon(),
                Err(_) => 0,
            };
            state.count_sink(host);
            log(
                host,
                LogLevel::Error,
                &format!(
                    "{FILTER_NAME}: {lost} audit events could not be sent to cluster '{}' \
                     before shutdown and are lost (see pavise_audit_sink_lost_total)",
                    http.config.cluster
                ),
            );
            self.drain_deadline_ms = None;
            return true;
        }
        if self.in_flight.is_some() {
            return false;
        }
        if state.sink_depth() == 0 {
            log(
                host,
                LogLevel::Info,
                &format!("{FILTER_NAME}: every buffered audit event was sent before shutdown"),
            );
            self.drain_deadline_ms = None;
            return true;
        }
        self.send(host, state, true);
        false
    }

    /// Sends the next batch: the one due now, or while draining whatever is waiting.
    fn send(&mut self, host: &mut impl RootHost, state: &AuditStage, draining: bool) {
        let Some(http) = &state.http else { return };
        if self.in_flight.is_some() {
            return;
        }
        let now = host.now_unix_nanos().unwrap_or_default();
        let body = match http.outbox.try_borrow_mut() {
            Ok(mut outbox) => {
                let batch = if draining {
                    outbox.next_batch_now()
                } else {
                    outbox.next_batch(now / 1_000_000)
                };
                batch.map(|b| render_batch(http.config.format, b.events(), now, &http.resource))
            }
            Err(_) => None,
        };
        let Some(body) = body else { return };
        let authority = http
            .config
            .authority
            .as_deref()
            .unwrap_or(&http.config.cluster);
        let callout = Callout {
            cluster: &http.config.cluster,
            authority,
            path: &http.config.path,
            content_type: CONTENT_TYPE,
            headers: &http.headers,
            body: body.as_bytes(),
            timeout: Duration::from_millis(u64::from(http.config.timeout_ms)),
        };
        match host.post(&callout) {
            Ok(token) => self.in_flight = Some(token),
            Err(e) => {
                log(
                    host,
                    LogLevel::Warn,
                    &format!("{FILTER_NAME}: cannot post a batch: {e}"),
                );
                Self::settle(host, state, Delivery::Retry { after_ms: None }, None);
            }
        }
    }
}

impl Stage for AuditStage {
    const FILTER: Filter = Filter::Audit;
    const PHASES: &'static [Phase] = &[
        Phase::RequestHeaders,
        Phase::Log,
        Phase::Tick,
        Phase::CalloutResponse,
        Phase::Done,
    ];
    type Memo = AuditMemo;
    type Root = SinkFlusher;

    /// Parses the policy and defines the counters.
    fn load(json: &[u8], host: &mut impl ConfigHost) -> Result<AuditStage, PolicyErrors> {
        AuditStage::load_with_credentials(json, None, host)
    }

    /// The line logged once the policy is loaded.
    fn summary(&self) -> String {
        format!(
            "{FILTER_NAME}: policy loaded: local sink {}, http sink {}",
            if self.policy.local.enabled {
                "on"
            } else {
                "off"
            },
            self.http
                .as_ref()
                .map_or("off", |h| h.config.cluster.as_str())
        )
    }

    /// Counts a request refused because a host call failed.
    fn count_internal_error(&self, host: &mut impl Host) {
        self.counters.internal_error.inc(host);
    }

    fn timer(&self) -> &DecisionTimer {
        &self.counters.timer
    }

    /// Captures the request (already redacted); with `on_sink_failure: deny` and a full
    /// buffer, answers 503.
    fn on_request_headers(
        &self,
        host: &mut impl StreamHost,
        headers: &HeaderList,
        _end_of_stream: bool,
        memo: &mut AuditMemo,
    ) -> Result<Step, HostError> {
        let start = host.now_unix_nanos()?;
        memo.request = Some(RequestFacts::capture(headers, start, &self.policy));
        if self.policy.on_sink_failure != OnSinkFailure::Deny || !self.sink_full() {
            return Ok(Step::next(None));
        }
        self.counters.denied_sink_full.inc(host);
        let denial = Denial::new(
            503,
            "audit_unavailable",
            "the request cannot be audited right now; retry later",
        )
        .with_header("retry-after", "1".to_string());
        let mut verdict = Verdict::new(Filter::Audit.member(), Outcome::Denied);
        verdict.reason = Some("sink_full".into());
        verdict.status = Some(503);
        memo.own_verdict = Some(verdict);
        let request_id = headers.get(REQUEST_ID_HEADER).and_then(RequestId::parse);
        host.send_denial(&denial.render(request_id.as_ref()))?;
        Ok(Step::answered(None))
    }

    /// Starts the root's timer when there is an HTTP sink to flush.
    fn on_start(&self, host: &mut impl RootHost, _root: &mut SinkFlusher) -> Result<(), HostError> {
        match &self.http {
            // Tick often enough to honour the flush interval and the backoff closely.
            Some(h) => host.set_tick_period(Duration::from_millis(u64::from(
                (h.config.flush_interval_ms / 4).clamp(10, 250),
            ))),
            None => Ok(()),
        }
    }

    fn on_tick(&self, host: &mut impl RootHost, root: &mut SinkFlusher) -> bool {
        root.on_tick(host, self)
    }

    fn on_callout_response(
        &self,
        host: &mut impl RootHost,
        root: &mut SinkFlusher,
        token: u32,
        response: &CalloutResponse,
    ) -> bool {
        root.on_http_call_response(host, self, token, response)
    }

    fn on_done(&self, host: &mut impl RootHost, root: &mut SinkFlusher) -> bool {
        root.on_done(host, self)
    }

    /// A policy replaced by a reload (or Envoy's exit) takes its share of the buffer gauges
    /// with it.
    fn on_unload(&self, host: &mut impl RootHost, _root: &mut SinkFlusher) {
        if let Some(h) = &self.http {
            if h.capacity_gauged.get() {
                self.counters
                    .buffer_capacity
                    .sub(host, u64::from(h.config.buffer_max_events));
            }
            self.counters.buffer.sub(host, h.gauged.get());
        }
    }

    /// Envoy's dynamic modules remove a configuration without waiting: what the HTTP sink
    /// still holds is given up, counted as lost and logged.
    fn on_abandon(&self, host: &mut impl RootHost, _root: &mut SinkFlusher) {
        let Some(http) = &self.http else { return };
        let lost = match http.outbox.try_borrow_mut() {
            Ok(mut outbox) => outbox.abandon(),
            Err(_) => 0,
        };
        self.count_sink(host);
        if lost > 0 {
            log(
                host,
                LogLevel::Error,
                &format!(
                    "{FILTER_NAME}: {lost} audit events could not be sent to cluster '{}' \
                     before the configuration was removed and are lost (see \
                     pavise_audit_sink_lost_total)",
                    http.config.cluster
                ),
            );
        }
    }

    /// Envoy's dynamic modules replace a configuration without waiting: what the HTTP sink
    /// still holds goes to the audit stage of the configuration that replaces this one.
    fn on_hand_over(
        &self,
        host: &mut impl RootHost,
        _root: &mut SinkFlusher,
    ) -> Option<Box<dyn std::any::Any + Send>> {
        let http = self.http.as_ref()?;
        let held = http.outbox.try_borrow_mut().ok()?.hand_over();
        self.count_sink(host);
        if held.is_empty() {
            return None;
        }
        log(
            host,
            LogLevel::Info,
            &format!(
                "{FILTER_NAME}: the policy is being replaced with {} audit events buffered; \
                 handing them to the new policy's sink",
                held.len()
            ),
        );
        Some(Box::new(held))
    }

    /// Takes over the events the replaced configuration's audit stage still held: they go out
    /// with this policy's HTTP sink, or, without one, are counted as lost.
    fn on_take_over(
        &self,
        host: &mut impl RootHost,
        _root: &mut SinkFlusher,
        held: Box<dyn std::any::Any + Send>,
    ) {
        let Ok(held) = held.downcast::<Vec<(u64, QueuedEvent)>>() else {
            return;
        };
        let count = held.len();
        let kept = match &self.http {
            Some(http) => match http.outbox.try_borrow_mut() {
                Ok(mut outbox) => outbox.take_over(*held),
                Err(_) => 0,
            },
            None => 0,
        };
        self.count_sink(host);
        if kept < count && self.http.is_none() {
            self.counters.lost.add(host, (count - kept) as u64);
        }
        log(
            host,
            if kept == count {
                LogLevel::Info
            } else {
                LogLevel::Error
            },
            &format!(
                "{FILTER_NAME}: took over {kept} of {count} audit events buffered by the replaced \
                 policy (the rest are counted in pavise_audit_sink_dropped_total, or \
                 pavise_audit_sink_lost_total without an HTTP sink)"
            ),
        );
    }

    /// Builds and ships the event when the stream ends, from every stage's verdict.
    fn on_log(&self, host: &mut impl StreamHost, memo: &mut AuditMemo) {
        let Some(request) = memo.request.take() else {
            return;
        };
        let mut verdicts = host.verdicts().unwrap_or_else(|e| {
            // The request is over: the event goes out without the verdicts rather than not
            // at all, and the failure is counted.
            self.counters.internal_error.inc(host);
            log(
                host,
                LogLevel::Error,
                &format!("{FILTER_NAME}: verdicts: {e}"),
            );
            Vec::new()
        });
        verdicts.extend(memo.own_verdict.take());
        let path = normalize_path(&request.path);
        if !should_log(&self.policy, &request, &path, &verdicts) {
            self.counters.skipped.inc(host);
            return;
        }
        let end_nanos = host.now_unix_nanos().unwrap_or(request.start_unix_nanos);
        // Missing facts leave their fields empty: the event is still written.
        let end = EndFacts {
            status: host
                .property_u64(&["response", "code"])
                .ok()
                .flatten()
                .and_then(|c| u16::try_from(c).ok())
                .unwrap_or(0),
            source_address: host.property_string(&["source", "address"]).ok().flatten(),
            duration_ms: Some(end_nanos.saturating_sub(request.start_unix_nanos) as f64 / 1e6),
            request_bytes: host.property_u64(&["request", "total_size"]).ok().flatten(),
            response_bytes: host
                .property_u64(&["response", "total_size"])
                .ok()
                .flatten(),
        };
        let start_unix_nanos = request.start_unix_nanos;
        let event = build_event(request, end, &verdicts);
        self.counters.events.inc(host);
        if self.policy.local.enabled {
            if let Err(e) = host.set_property(&[EVENT_PROPERTY], event.to_json().as_bytes()) {
                self.counters.internal_error.inc(host);
                log(
                    host,
                    LogLevel::Error,
                    &format!("{FILTER_NAME}: local sink: {e}"),
                );
            }
        }
        if let Some(http) = &self.http {
            let pushed = match http.outbox.try_borrow_mut() {
                Ok(mut outbox) => {
                    let queued = QueuedEvent::new(event, start_unix_nanos, http.config.format);
                    outbox.push(end_nanos / 1_000_000, queued).is_ok()
                }
                Err(_) => false,
            };
            if pushed {
                http.warned_full.set(false);
            } else if !http.warned_full.replace(true) {
                log(
                    host,
                    LogLevel::Warn,
                    &format!(
                        "{FILTER_NAME}: audit sink buffer full; dropping events until it drains \
                         (see pavise_audit_sink_dropped_total)"
                    ),
                );
            }
            self.count_sink(host);
        }
    }
}

fn now_ms(host: &mut impl Host) -> u64 {
    host.now_unix_nanos().unwrap_or_default() / 1_000_000
}

/// Writes a log line; a failure to log has nowhere to be reported.
fn log(host: &mut impl Host, level: LogLevel, message: &str) {
    let _ = host.log(level, message);
}

impl AuditStage {
    /// Loads the policy, adding another filter's credential locations to its redaction: the
    /// combined filter passes the auth policy's `(header, query_param)`, so that no key it
    /// reads can reach an event whatever the audit policy lists.
    pub fn load_with_credentials(
        json: &[u8],
        credentials: Option<(&str, Option<&str>)>,
        host: &mut impl ConfigHost,
    ) -> Result<AuditStage, PolicyErrors> {
        let mut policy = crate::policy::parse(json)?;
        if let Some((header, query_param)) = credentials {
            policy.redact.add_credentials(header, query_param);
        }
        let http = match policy.http.clone() {
            Some(config) => Some(HttpState::new(config)?),
            None => None,
        };
        Ok(AuditStage {
            policy,
            http,
            counters: Counters::define(host),
        })
    }
}

impl HttpState {
    /// The sink's state, with its header values and resource read from the environment.
    fn new(config: HttpSink) -> Result<HttpState, PolicyErrors> {
        let env = |name: &str| std::env::var(name).ok();
        let at = pavise_core::policy::JsonPath::root().field("http");
        let mut headers = Vec::new();
        for (i, h) in config.headers.iter().enumerate() {
            let value = h.value.resolve(env).ok_or_else(|| {
                PolicyErrors::single(
                    &at.field("headers").index(i).field("env"),
                    "environment variable is not set or empty in the VM (pass it with \
                     vm_config.environment_variables.host_env_keys)",
                )
            })?;
            headers.push((h.name.clone(), format!("{}{value}", h.prefix)));
        }
        let service_instance_id = match &config.service_instance_id {
            Some(source) => Some(source.resolve(env).ok_or_else(|| {
                PolicyErrors::single(
                    &at.field("service_instance_id").field("env"),
                    "environment variable is not set or empty in the VM",
                )
            })?),
            None => None,
        };
        Ok(HttpState {
            resource: OtlpResource {
                service_name: config.service_name.clone(),
                service_instance_id,
            },
            headers,
            outbox: RefCell::new(Outbox::new(Limits {
                batch_max_events: config.batch_max_events as usize,
                flush_interval_ms: u64::from(config.flush_interval_ms),
                buffer_max_events: config.buffer_max_events as usize,
                initial_backoff_ms: u64::from(config.initial_backoff_ms),
                max_backoff_ms: u64::from(config.max_backoff_ms),
            })),
            config,
            counted: Cell::new(Totals::default()),
            gauged: Cell::new(0),
            capacity_gauged: Cell::new(false),
            warned_full: Cell::new(false),
        })
    }
}

#[cfg(test)]
mod tests;
