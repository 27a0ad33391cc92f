//! What a stage may ask of the proxy that runs it: the host traits.
//!
//! A stage (audit, cors, auth, screen) decides in plain Rust, and needs the proxy only to read
//! the request, carry its decision out and leave a trace (counters, log lines, the verdict for
//! the audit stage). Those needs are the methods of the traits here; each proxy implements them
//! once: proxy-wasm (`pavise-host`), Envoy's dynamic modules (the native module), and a fake
//! host for native unit tests ([`crate::testing`]). A stage written against the traits compiles
//! and is tested natively, and runs unchanged in every one of them.
//!
//! Why calls on a trait rather than effects returned to one interpreter: a stage needs answers
//! in the middle of a decision (the clock for auth's key expiry, the buffered body once screening
//! decides to inspect it, the response headers CORS edits, the verdicts audit reads), and the
//! order of its effects matters (a denial is counted and logged before the reply is sent, and a
//! failed send is counted as an internal error). Returned effects would split each stage into
//! request/answer halves; a trait keeps each stage a straight function, and a fake host records
//! the very same calls for tests to assert on.
//!
//! The calls are grouped by when a proxy allows them:
//! - [`Host`]: at any time (log lines, the clock, metrics, reading a property);
//! - [`ConfigHost`]: while a policy loads (defining metrics: Envoy's dynamic modules allow it
//!   only on the filter configuration, proxy-wasm anywhere);
//! - [`StreamHost`]: within one request (headers, edits, local replies, the body, filter state,
//!   the verdict hand-off);
//! - [`RootHost`]: outside any request (the timer and HTTP callouts of the audit sink).
//!
//! Every call returns a [`Result`]; a stage turns an error into a fail-closed answer (the
//! chain runner replies 500 and counts it), never a panic. The flow of a request (go on, hold
//! the body, answered) is not a call: a stage returns it ([`crate::stage::Flow`]), and the
//! chain runner maps it to what the proxy expects.

use crate::denial::DenialResponse;
use crate::filter::Filter;
use crate::headers::{HeaderEdit, HeaderList};
use crate::verdict::Verdict;

/// A failed host call. A stage never looks inside: it fails closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostError {
    /// The proxy refused or failed a call: which call, and the proxy's own status text.
    Call { call: &'static str, status: String },
    /// The proxy answered with something its interface rules out (e.g. a property of the
    /// wrong size).
    Malformed { call: &'static str },
    /// A request reached a filter whose policy never loaded (Envoy was told to carry on
    /// without it): refuse rather than pass unchecked.
    NoPolicy,
    /// The call is not available where it was made (e.g. the request body at a tick).
    Unavailable { call: &'static str },
}

impl HostError {
    /// A failed call with the proxy's status (anything `Debug`, e.g. proxy-wasm's `Status`).
    pub fn call(call: &'static str, status: impl std::fmt::Debug) -> HostError {
        HostError::Call {
            call,
            status: format!("{status:?}"),
        }
    }
}

impl std::fmt::Display for HostError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HostError::Call { call, status } => write!(f, "host call {call} failed: {status}"),
            HostError::Malformed { call } => write!(f, "host call {call} returned malformed data"),
            HostError::NoPolicy => write!(f, "no policy loaded"),
            HostError::Unavailable { call } => write!(f, "host call {call} is unavailable here"),
        }
    }
}

impl std::error::Error for HostError {}

/// How important a log line is (the proxy's levels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
    Critical,
}

/// What kind of metric a name is defined as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricKind {
    /// Only goes up (`…_total`).
    Counter,
    /// Goes up and down (e.g. events held in a buffer).
    Gauge,
    /// A distribution of recorded values (e.g. decision time).
    Histogram,
}

/// A metric the host defined, as the host numbers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MetricId(pub u32);

/// Calls a proxy allows at any time.
pub trait Host {
    /// Writes a line to the proxy's log. A stage ignores a failure (there is nowhere to
    /// report it), but the call still says whether the line was written.
    fn log(&mut self, level: LogLevel, message: &str) -> Result<(), HostError>;

    /// Wall-clock time in Unix nanoseconds.
    fn now_unix_nanos(&mut self) -> Result<u64, HostError>;

    /// Wall-clock time in Unix seconds.
    fn now_unix_seconds(&mut self) -> Result<i64, HostError> {
        let nanos = self.now_unix_nanos()?;
        Ok(i64::try_from(nanos / 1_000_000_000).unwrap_or(i64::MAX))
    }

    /// Adds `delta` to a counter, or to a gauge (negative: down).
    fn add_to_metric(&mut self, metric: MetricId, delta: i64) -> Result<(), HostError>;

    /// Records one value in a histogram.
    fn record_metric(&mut self, metric: MetricId, value: u64) -> Result<(), HostError>;

    /// A proxy attribute by path, e.g. `["source", "address"]`, `["response", "code"]`, or a
    /// filter-state entry `["pavise.verdict.auth"]`; `None` if the proxy has no such value.
    fn property(&mut self, path: &[&str]) -> Result<Option<Vec<u8>>, HostError>;

    /// A property as text; `None` if absent or not UTF-8.
    fn property_string(&mut self, path: &[&str]) -> Result<Option<String>, HostError> {
        Ok(self.property(path)?.and_then(|b| String::from_utf8(b).ok()))
    }

    /// A numeric property (integers come as 8 little-endian bytes), e.g. `["response", "code"]`.
    fn property_u64(&mut self, path: &[&str]) -> Result<Option<u64>, HostError> {
        let Some(bytes) = self.property(path)? else {
            return Ok(None);
        };
        let array: [u8; 8] =
            bytes
                .get(..8)
                .and_then(|b| b.try_into().ok())
                .ok_or(HostError::Malformed {
                    call: "get_property",
                })?;
        Ok(Some(u64::from_le_bytes(array)))
    }
}

/// Calls a proxy allows while a policy loads.
pub trait ConfigHost: Host {
    /// Defines a metric under its full stat name (family and labels, as
    /// [`crate::metrics`] spells them) and returns the host's id for it.
    fn define_metric(&mut self, kind: MetricKind, name: &str) -> Result<MetricId, HostError>;
}

/// Calls a proxy allows within one request.
pub trait StreamHost: Host {
    /// All request headers, values as bytes.
    fn request_headers(&mut self) -> Result<HeaderList, HostError>;

    /// Applies edits to the request headers, in order.
    fn edit_request_headers(&mut self, edits: &[HeaderEdit]) -> Result<(), HostError>;

    /// All response headers, values as bytes.
    fn response_headers(&mut self) -> Result<HeaderList, HostError>;

    /// Applies edits to the response headers `current` (fetched just now with
    /// [`StreamHost::response_headers`]), in order. A host may write `current` back edited in
    /// one call rather than one call per edit.
    fn edit_response_headers(
        &mut self,
        current: HeaderList,
        edits: &[HeaderEdit],
    ) -> Result<(), HostError>;

    /// Answers the request locally (a denial, a preflight); the upstream never sees it.
    fn send_response(
        &mut self,
        status: u16,
        headers: &[(String, String)],
        body: Option<&[u8]>,
    ) -> Result<(), HostError>;

    /// Answers the request locally with a rendered denial.
    fn send_denial(&mut self, response: &DenialResponse) -> Result<(), HostError> {
        self.send_response(
            response.status,
            &response.headers,
            Some(response.body.as_bytes()),
        )
    }

    /// The request body buffered so far, from `start`, at most `len` bytes.
    fn request_body(&mut self, start: usize, len: usize) -> Result<Vec<u8>, HostError>;

    /// Sets a filter-state entry that later filters in the chain (and the access log) read.
    fn set_property(&mut self, path: &[&str], value: &[u8]) -> Result<(), HostError>;

    /// Hands a stage's verdict to the audit stage: filter state between separate filters, a
    /// list in memory within one module. Only verdicts that
    /// [`Verdict::informs_audit`] need to arrive.
    fn publish_verdict(&mut self, verdict: &Verdict) -> Result<(), HostError>;

    /// Every verdict handed over for this request so far, in chain order.
    fn verdicts(&mut self) -> Result<Vec<Verdict>, HostError>;
}

/// An answer to an HTTP callout: its status and the headers asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalloutResponse {
    /// `:status`, if the callout got an answer with a numeric one (none: timeout, no cluster).
    pub status: Option<u16>,
    /// The answer's headers.
    pub headers: HeaderList,
}

/// An HTTP POST to a proxy cluster, made outside any request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Callout<'a> {
    pub cluster: &'a str,
    pub authority: &'a str,
    pub path: &'a str,
    pub content_type: &'a str,
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
    pub timeout: std::time::Duration,
}

/// Calls a proxy allows outside any request (the root of a filter).
pub trait RootHost: Host {
    /// Asks for a tick every `period` (zero: no more ticks).
    fn set_tick_period(&mut self, period: std::time::Duration) -> Result<(), HostError>;

    /// Sends a callout; its answer arrives later with the returned token.
    fn post(&mut self, callout: &Callout<'_>) -> Result<u32, HostError>;

    /// Tells the proxy that a shutdown this root delayed is over.
    fn done(&mut self) -> Result<(), HostError>;
}

/// A metric defined once at load. If the host refused to define it, updates are skipped: a
/// missing metric must never fail a request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Metric(Option<MetricId>);

impl Metric {
    /// Defines `name` as `kind`; a refusal is logged and leaves the metric inert.
    pub fn define(host: &mut impl ConfigHost, kind: MetricKind, name: &str) -> Metric {
        match host.define_metric(kind, name) {
            Ok(id) => Metric(Some(id)),
            Err(e) => {
                let _ = host.log(LogLevel::Warn, &format!("cannot define metric {name}: {e}"));
                Metric(None)
            }
        }
    }

    /// A counter.
    pub fn counter(host: &mut impl ConfigHost, name: &str) -> Metric {
        Metric::define(host, MetricKind::Counter, name)
    }

    /// Adds one (a counter).
    pub fn inc(&self, host: &mut impl Host) {
        self.add(host, 1);
    }

    /// Adds `n` (a counter or gauge); a host failure is ignored, see the type.
    pub fn add(&self, host: &mut impl Host, n: u64) {
        if let (Some(id), Ok(n)) = (self.0, i64::try_from(n)) {
            if n > 0 {
                let _ = host.add_to_metric(id, n);
            }
        }
    }

    /// Takes `n` off (a gauge).
    pub fn sub(&self, host: &mut impl Host, n: u64) {
        if let (Some(id), Ok(n)) = (self.0, i64::try_from(n)) {
            if n > 0 {
                let _ = host.add_to_metric(id, -n);
            }
        }
    }

    /// Records a value (a histogram).
    pub fn record(&self, host: &mut impl Host, value: u64) {
        if let Some(id) = self.0 {
            let _ = host.record_metric(id, value);
        }
    }

    /// Moves this VM's share of a gauge from `before` to `now`. Gauges move by differences,
    /// never by setting a value, so each Envoy worker's VM contributes its own share and the
    /// stat reads the sum over all of them.
    pub fn shift(&self, host: &mut impl Host, before: u64, now: u64) {
        if now >= before {
            self.add(host, now - before);
        } else {
            self.sub(host, before - now);
        }
    }
}

/// The counter of requests `filter` refused because a host call failed.
pub fn internal_errors_counter(host: &mut impl ConfigHost, filter: Filter) -> Metric {
    use crate::metrics::{stat_name, INTERNAL_ERRORS};
    Metric::counter(
        host,
        &stat_name(INTERNAL_ERRORS, &[("filter", filter.member())]),
    )
}

/// The decision-time histograms of one stage: one for its work at the request headers, one
/// for each call with request body (see [`crate::metrics::DECISION_DURATION`]). The chain
/// runner times every stage; a stage only defines its timer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DecisionTimer {
    headers: Metric,
    body: Metric,
}

/// A point on the host clock, to time a stage's decision.
#[derive(Debug, Clone, Copy)]
pub struct Started(Option<u64>);

impl DecisionTimer {
    pub fn define(host: &mut impl ConfigHost, filter: Filter) -> DecisionTimer {
        use crate::metrics::{stat_name, DECISION_DURATION};
        let mut phase = |phase| {
            Metric::define(
                host,
                MetricKind::Histogram,
                &stat_name(
                    DECISION_DURATION,
                    &[("filter", filter.member()), ("phase", phase)],
                ),
            )
        };
        DecisionTimer {
            headers: phase("headers"),
            body: phase("body"),
        }
    }

    /// Reads the host clock; a clock that cannot be read records nothing.
    pub fn start(host: &mut impl Host) -> Started {
        Started(host.now_unix_nanos().ok())
    }

    /// Records the time since `started` at the headers; the reading it ends on, which the next
    /// stage's time starts from (one clock call per stage, not two).
    pub fn headers_done(&self, host: &mut impl Host, started: Started) -> Started {
        Self::record(&self.headers, host, started)
    }

    /// [`DecisionTimer::headers_done`] for a call with request body.
    pub fn body_done(&self, host: &mut impl Host, started: Started) -> Started {
        Self::record(&self.body, host, started)
    }

    fn record(histogram: &Metric, host: &mut impl Host, started: Started) -> Started {
        let end = host.now_unix_nanos().ok();
        if let (Some(start), Some(end)) = (started.0, end) {
            histogram.record(host, end.saturating_sub(start) / 1_000);
        }
        Started(end)
    }
}
