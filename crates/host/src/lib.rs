//! The proxy-wasm glue every Pavise filter shares.
//!
//! The SDK's trait helpers (`get_http_request_header` and friends) `unwrap()` every host call,
//! and its string variants panic on a header value that is not UTF-8; in a filter, a panic
//! wedges the VM and fails every later request. This crate calls `proxy_wasm::hostcalls`
//! directly, reads headers as bytes, and hands every failure back as a `Result` for the filter
//! to turn into a fail-closed answer.
//!
//! Only the calls Pavise needs are here; each filter crate stays a thin layer between these and
//! its pure decision code.

pub mod stage;

use pavise_core::denial::DenialResponse;
use pavise_core::headers::{HeaderEdit, HeaderList};
use proxy_wasm::hostcalls;
use proxy_wasm::types::{BufferType, LogLevel, MapType, MetricType, Status};

/// A failed host call: which call, and the status the host returned.
#[derive(Debug, Clone, Copy)]
pub struct HostError {
    pub call: &'static str,
    pub status: Status,
}

impl std::fmt::Display for HostError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "host call {} failed: {:?}", self.call, self.status)
    }
}

impl HostError {
    /// A stream arrived at a filter whose policy never loaded (Envoy was told to carry on
    /// without it): refuse rather than pass unchecked.
    pub fn no_policy() -> HostError {
        HostError {
            call: "on_configure",
            status: Status::NotFound,
        }
    }
}

fn host<T>(call: &'static str, r: Result<T, Status>) -> Result<T, HostError> {
    r.map_err(|status| HostError { call, status })
}

/// Writes `message` to the proxy's log. A failure to log has nowhere to be reported.
pub fn log(level: LogLevel, message: &str) {
    let _ = hostcalls::log(level, message);
}

/// The plugin configuration (the policy JSON) as bytes; empty if there is none.
pub fn plugin_configuration() -> Result<Vec<u8>, HostError> {
    host(
        "get_buffer(PluginConfiguration)",
        hostcalls::get_buffer(BufferType::PluginConfiguration, 0, usize::MAX),
    )
    .map(Option::unwrap_or_default)
}

/// What a filter stage did with a request at its headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Let the request go on.
    Continue,
    /// Let the headers go on, and hold the body until the stage has inspected it. (Stopping
    /// at the headers would not do: Envoy then buffers the body without showing it to the
    /// filter. The upstream sees the headers; no body byte reaches it before the stage lets
    /// it, and a refusal resets the upstream request.)
    HoldForBody,
    /// The stage answered the request itself (a denial, a preflight).
    Answered,
}

/// A stage's flow and the verdict it reached for the audit filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub flow: Flow,
    pub verdict: Option<pavise_core::verdict::Verdict>,
}

impl Step {
    pub fn next(verdict: Option<pavise_core::verdict::Verdict>) -> Step {
        Step {
            flow: Flow::Continue,
            verdict,
        }
    }

    pub fn hold(verdict: Option<pavise_core::verdict::Verdict>) -> Step {
        Step {
            flow: Flow::HoldForBody,
            verdict,
        }
    }

    pub fn answered(verdict: Option<pavise_core::verdict::Verdict>) -> Step {
        Step {
            flow: Flow::Answered,
            verdict,
        }
    }

    /// Whether the stage answered the request.
    pub fn is_answered(&self) -> bool {
        self.flow == Flow::Answered
    }
}

/// What a stage does with the request body seen so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFlow {
    /// Let it (and everything held) go on.
    Continue,
    /// Keep buffering: nothing goes upstream yet.
    Buffer,
    /// The stage answered the request itself.
    Answered,
}

/// The request body bytes buffered so far, from `start`, at most `len`.
pub fn request_body(start: usize, len: usize) -> Result<Vec<u8>, HostError> {
    host(
        "get_buffer(HttpRequestBody)",
        hostcalls::get_buffer(BufferType::HttpRequestBody, start, len),
    )
    .map(Option::unwrap_or_default)
}

/// Loads and parses the policy at `on_configure`. On failure it logs
/// `<filter>: policy rejected: <path-named errors>` at critical level and returns `None`, so
/// the caller returns `false` and Envoy refuses the configuration.
pub fn load_policy<T, E: std::fmt::Display>(
    filter: &str,
    parse: impl FnOnce(&[u8]) -> Result<T, E>,
) -> Option<T> {
    let bytes = match plugin_configuration() {
        Ok(b) => b,
        Err(e) => {
            log(
                LogLevel::Critical,
                &format!("{filter}: policy rejected: cannot read the plugin configuration ({e})"),
            );
            return None;
        }
    };
    match parse(&bytes) {
        Ok(policy) => Some(policy),
        Err(e) => {
            log(
                LogLevel::Critical,
                &format!("{filter}: policy rejected: {e}"),
            );
            None
        }
    }
}

/// All request headers, values as bytes.
pub fn request_headers() -> Result<HeaderList, HostError> {
    host(
        "get_map_bytes(HttpRequestHeaders)",
        hostcalls::get_map_bytes(MapType::HttpRequestHeaders),
    )
    .map(HeaderList::new)
}

/// All response headers, values as bytes.
pub fn response_headers() -> Result<HeaderList, HostError> {
    host(
        "get_map_bytes(HttpResponseHeaders)",
        hostcalls::get_map_bytes(MapType::HttpResponseHeaders),
    )
    .map(HeaderList::new)
}

/// Removes every value of a request header.
pub fn remove_request_header(name: &str) -> Result<(), HostError> {
    host(
        "remove_map_value(HttpRequestHeaders)",
        hostcalls::remove_map_value(MapType::HttpRequestHeaders, name),
    )
}

/// Replaces every value of a request header with `value`.
pub fn set_request_header(name: &str, value: &str) -> Result<(), HostError> {
    host(
        "set_map_value(HttpRequestHeaders)",
        hostcalls::set_map_value(MapType::HttpRequestHeaders, name, Some(value)),
    )
}

/// Removes every value of a response header.
pub fn remove_response_header(name: &str) -> Result<(), HostError> {
    host(
        "remove_map_value(HttpResponseHeaders)",
        hostcalls::remove_map_value(MapType::HttpResponseHeaders, name),
    )
}

/// Replaces every value of a response header with `value`.
pub fn set_response_header(name: &str, value: &str) -> Result<(), HostError> {
    host(
        "set_map_value(HttpResponseHeaders)",
        hostcalls::set_map_value(MapType::HttpResponseHeaders, name, Some(value)),
    )
}

/// Applies edits to the request headers, in order.
pub fn edit_request_headers(edits: &[HeaderEdit]) -> Result<(), HostError> {
    for edit in edits {
        match edit {
            HeaderEdit::Remove(name) => remove_request_header(name)?,
            HeaderEdit::Set(name, value) => set_request_header(name, value)?,
        }
    }
    Ok(())
}

/// Applies edits to the response headers `current` (fetched just now), in order. Two or more
/// edits are applied to the copy and written back in one call: every host call is a round trip
/// through the VM boundary, and it costs more than rewriting a small map in the proxy.
pub fn edit_response_headers_of(
    mut current: HeaderList,
    edits: &[HeaderEdit],
) -> Result<(), HostError> {
    if edits.len() < 2 {
        return edit_response_headers(edits);
    }
    current.apply(edits);
    host(
        "set_map_bytes(HttpResponseHeaders)",
        hostcalls::set_map_bytes(MapType::HttpResponseHeaders, current.iter().collect()),
    )
}

/// Applies edits to the response headers, in order, one host call each.
pub fn edit_response_headers(edits: &[HeaderEdit]) -> Result<(), HostError> {
    for edit in edits {
        match edit {
            HeaderEdit::Remove(name) => remove_response_header(name)?,
            HeaderEdit::Set(name, value) => set_response_header(name, value)?,
        }
    }
    Ok(())
}

/// Answers the request locally with a rendered denial.
pub fn send_denial(response: &DenialResponse) -> Result<(), HostError> {
    send_response(
        response.status,
        &response.headers,
        Some(response.body.as_bytes()),
    )
}

/// Answers the request locally (e.g. a CORS preflight) without asking the upstream.
pub fn send_response(
    status: u16,
    headers: &[(String, String)],
    body: Option<&[u8]>,
) -> Result<(), HostError> {
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    host(
        "send_http_response",
        hostcalls::send_http_response(u32::from(status), headers, body),
    )
}

/// Answers with a bare 500 when a filter cannot decide (a host call failed): fail closed.
pub fn send_internal_error(filter: &str, error: &HostError) {
    log(
        LogLevel::Error,
        &format!("{filter}: failing closed: {error}"),
    );
    let denial =
        pavise_core::denial::Denial::new(500, "internal_error", "the request could not be checked");
    let _ = send_denial(&denial.render(None));
}

/// A host property as text, e.g. `["source", "address"]`.
pub fn property_string(path: &[&str]) -> Option<String> {
    match hostcalls::get_property(path.to_vec()) {
        Ok(Some(bytes)) => String::from_utf8(bytes).ok(),
        _ => None,
    }
}

/// A host property as raw bytes.
pub fn property_bytes(path: &[&str]) -> Option<Vec<u8>> {
    hostcalls::get_property(path.to_vec()).ok().flatten()
}

/// Sets a host property (filter state) that later filters in the chain can read.
pub fn set_property(path: &[&str], value: &[u8]) -> Result<(), HostError> {
    host(
        "set_property",
        hostcalls::set_property(path.to_vec(), Some(value)),
    )
}

/// Wall-clock time in Unix seconds.
pub fn now_unix_seconds() -> Result<i64, HostError> {
    let now = host("get_current_time", hostcalls::get_current_time())?;
    Ok(now
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX)))
}

/// Wall-clock time in Unix nanoseconds.
pub fn now_unix_nanos() -> Result<u64, HostError> {
    let now = host("get_current_time", hostcalls::get_current_time())?;
    Ok(now
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)))
}

/// A numeric property (Envoy encodes integers as 8 little-endian bytes), e.g.
/// `["response", "code"]`.
pub fn property_u64(path: &[&str]) -> Option<u64> {
    let bytes = property_bytes(path)?;
    let array: [u8; 8] = bytes.get(..8)?.try_into().ok()?;
    Some(u64::from_le_bytes(array))
}

/// Asks for `on_tick` every `period` on the root context.
pub fn set_tick_period(period: std::time::Duration) -> Result<(), HostError> {
    host("set_tick_period", hostcalls::set_tick_period(period))
}

/// POSTs `body` to an Envoy cluster from the root context; the answer arrives at the root's
/// `on_http_call_response` with the returned token.
pub fn post_to_cluster(
    cluster: &str,
    authority: &str,
    path: &str,
    content_type: &str,
    extra_headers: &[(String, String)],
    body: &[u8],
    timeout: std::time::Duration,
) -> Result<u32, HostError> {
    let mut headers = vec![
        (":method", "POST"),
        (":path", path),
        (":authority", authority),
        ("content-type", content_type),
    ];
    headers.extend(extra_headers.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    host(
        "dispatch_http_call",
        hostcalls::dispatch_http_call(cluster, headers, Some(body), vec![], timeout),
    )
}

/// The `:status` of the HTTP call whose answer is being handled, if it is a number.
pub fn http_call_status() -> Option<u16> {
    match hostcalls::get_map_value(MapType::HttpCallResponseHeaders, ":status") {
        Ok(Some(s)) => s.parse().ok(),
        _ => None,
    }
}

/// A header of the HTTP call's answer being handled (e.g. `retry-after`).
pub fn http_call_header(name: &str) -> Option<String> {
    hostcalls::get_map_value(MapType::HttpCallResponseHeaders, name)
        .ok()
        .flatten()
}

/// Tells the host that a root context which delayed its shutdown (`on_done` returned false)
/// has finished.
pub fn done() -> Result<(), HostError> {
    host("done", hostcalls::done())
}

/// A counter defined once at configure time. If the host refused to define it, increments are
/// silently skipped: a missing metric must never fail a request.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counter(Option<u32>);

impl Counter {
    pub fn define(name: &str) -> Counter {
        match hostcalls::define_metric(MetricType::Counter, name) {
            Ok(id) => Counter(Some(id)),
            Err(status) => {
                log(
                    LogLevel::Warn,
                    &format!("cannot define metric {name}: {status:?}"),
                );
                Counter(None)
            }
        }
    }

    pub fn inc(&self) {
        self.add(1);
    }

    pub fn add(&self, n: u64) {
        if let (Some(id), Ok(n)) = (self.0, i64::try_from(n)) {
            if n > 0 {
                let _ = hostcalls::increment_metric(id, n);
            }
        }
    }
}

/// A gauge defined once at configure time. It moves by differences
/// ([`Gauge::add`]/[`Gauge::sub`]), never by setting a value, so each Envoy worker's VM
/// contributes its own share and the stat reads the sum over all of them.
#[derive(Debug, Clone, Copy, Default)]
pub struct Gauge(Option<u32>);

impl Gauge {
    pub fn define(name: &str) -> Gauge {
        match hostcalls::define_metric(MetricType::Gauge, name) {
            Ok(id) => Gauge(Some(id)),
            Err(status) => {
                log(
                    LogLevel::Warn,
                    &format!("cannot define metric {name}: {status:?}"),
                );
                Gauge(None)
            }
        }
    }

    pub fn add(&self, n: u64) {
        if let (Some(id), Ok(n)) = (self.0, i64::try_from(n)) {
            if n > 0 {
                let _ = hostcalls::increment_metric(id, n);
            }
        }
    }

    pub fn sub(&self, n: u64) {
        if let (Some(id), Ok(n)) = (self.0, i64::try_from(n)) {
            if n > 0 {
                let _ = hostcalls::increment_metric(id, -n);
            }
        }
    }

    /// Moves this VM's share from `before` to `now`.
    pub fn shift(&self, before: u64, now: u64) {
        if now >= before {
            self.add(now - before);
        } else {
            self.sub(before - now);
        }
    }
}

/// A histogram defined once at configure time; Envoy buckets what [`Histogram::record`] gets.
#[derive(Debug, Clone, Copy, Default)]
pub struct Histogram(Option<u32>);

impl Histogram {
    pub fn define(name: &str) -> Histogram {
        match hostcalls::define_metric(MetricType::Histogram, name) {
            Ok(id) => Histogram(Some(id)),
            Err(status) => {
                log(
                    LogLevel::Warn,
                    &format!("cannot define metric {name}: {status:?}"),
                );
                Histogram(None)
            }
        }
    }

    pub fn record(&self, value: u64) {
        if let Some(id) = self.0 {
            let _ = hostcalls::record_metric(id, value);
        }
    }
}

/// The decision-time histograms of one stage: one for its work at the request headers, one for
/// each call with request body (see `pavise_core::metrics::DECISION_DURATION`).
#[derive(Debug, Clone, Copy, Default)]
pub struct DecisionTimer {
    headers: Histogram,
    body: Histogram,
}

/// A point on the host clock, to time a stage's decision.
#[derive(Debug, Clone, Copy)]
pub struct Started(Option<u64>);

impl DecisionTimer {
    /// `filter` is the filter's short name (`auth`), the value of the `filter` label.
    pub fn define(filter: &str) -> DecisionTimer {
        use pavise_core::metrics::{stat_name, DECISION_DURATION};
        let phase = |phase| {
            Histogram::define(&stat_name(
                DECISION_DURATION,
                &[("filter", filter), ("phase", phase)],
            ))
        };
        DecisionTimer {
            headers: phase("headers"),
            body: phase("body"),
        }
    }

    /// Reads the host clock; a clock that cannot be read records nothing.
    pub fn start() -> Started {
        Started(now_unix_nanos().ok())
    }

    pub fn headers_done(&self, started: Started) {
        Self::record(&self.headers, started);
    }

    pub fn body_done(&self, started: Started) {
        Self::record(&self.body, started);
    }

    fn record(histogram: &Histogram, started: Started) {
        if let (Some(start), Ok(end)) = (started.0, now_unix_nanos()) {
            histogram.record(end.saturating_sub(start) / 1_000);
        }
    }
}

/// The counter of requests `filter` (its short name) refused because a host call failed.
pub fn internal_errors_counter(filter: &str) -> Counter {
    use pavise_core::metrics::{stat_name, INTERNAL_ERRORS};
    Counter::define(&stat_name(INTERNAL_ERRORS, &[("filter", filter)]))
}

/// Publishes this filter's decision for the audit filter (see `pavise_core::verdict`), unless
/// it is a bare "allowed" that cannot change the event ([`Verdict::informs_audit`]). A
/// failure is logged, never fatal: auditing must not change the decision itself.
///
/// [`Verdict::informs_audit`]: pavise_core::verdict::Verdict::informs_audit
pub fn publish_verdict(verdict: &pavise_core::verdict::Verdict) {
    if !verdict.informs_audit() {
        return;
    }
    let name = pavise_core::verdict::verdict_property(&verdict.filter);
    if let Err(e) = set_property(&[name.as_str()], verdict.to_json().as_bytes()) {
        log(
            LogLevel::Warn,
            &format!("cannot publish verdict {name}: {e}"),
        );
    }
}

/// Reads the verdict another filter published for this request, if any.
pub fn read_verdict(filter: &str) -> Option<pavise_core::verdict::Verdict> {
    let name = pavise_core::verdict::verdict_property(filter);
    property_bytes(&[name.as_str()]).and_then(|b| pavise_core::verdict::Verdict::from_json(&b))
}
