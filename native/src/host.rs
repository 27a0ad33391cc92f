//! The host traits of [`pavise_core::host`] over Envoy's dynamic-modules ABI: [`DmConfigHost`]
//! while a configuration loads, [`DmStreamHost`] within a stream's hook, [`DmRootHost`] for a
//! configuration's own work on Envoy's main thread (timer ticks, callouts).
//!
//! Where the ABI differs from proxy-wasm, and how the hosts bridge it:
//! - a local reply is kept ([`PendingReply`]) and sent once the chain has returned, as
//!   proxy-wasm does: Envoy runs the reply through the filter chain at once, this filter's
//!   own response hook included, which must not find the stream in use;
//! - a request body is the chunks Envoy buffered for this filter plus the chunk of the current
//!   hook ([`BodyView`]), where proxy-wasm shows one buffer;
//! - properties map to attributes (`source.address`, `response.code`, …) and to filter state
//!   (a one-part path such as `pavise.verdict.auth`);
//! - metric updates name the stream (`..._http_filter_increment_counter`) or, outside one, the
//!   configuration (`..._http_filter_config_increment_counter`);
//! - the clock is the system clock (the ABI has none; Envoy's is the same clock).

use crate::driver::BodyView;
use crate::metrics::{Defined, MetricTable};
use pavise_core::filter::Filter;
use pavise_core::headers::{HeaderEdit, HeaderList};
use pavise_core::host::{
    Callout, ConfigHost, Host, HostError, LogLevel, MetricId, MetricKind, RootHost, StreamHost,
};
use pavise_core::verdict::{verdict_property, Verdict};
use pavise_envoy_dm::callbacks as cb;
use pavise_envoy_dm::{
    envoy_bytes, envoy_header, ConfigEnvoyPtr, EnvoyBuffer, EnvoyHttpHeader, FilterEnvoyPtr,
    ModuleBuffer, ModuleHttpHeader,
};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Writes a line to Envoy's log (under its `dynamic_modules` logger).
pub fn log_line(level: LogLevel, message: &str) {
    let level = match level {
        LogLevel::Trace => pavise_envoy_dm::LOG_TRACE,
        LogLevel::Debug => pavise_envoy_dm::LOG_DEBUG,
        LogLevel::Info => pavise_envoy_dm::LOG_INFO,
        LogLevel::Warn => pavise_envoy_dm::LOG_WARN,
        LogLevel::Error => pavise_envoy_dm::LOG_ERROR,
        LogLevel::Critical => pavise_envoy_dm::LOG_CRITICAL,
    };
    // SAFETY: the buffer borrows `message` for the call only.
    unsafe { cb::envoy_dynamic_module_callback_log(level, ModuleBuffer::of(message.as_bytes())) }
}

fn now_unix_nanos() -> Result<u64, HostError> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| HostError::Malformed { call: "clock" })?;
    Ok(u64::try_from(now.as_nanos()).unwrap_or(u64::MAX))
}

fn metrics_call(call: &'static str, result: u32) -> Result<(), HostError> {
    if result == pavise_envoy_dm::METRICS_SUCCESS {
        Ok(())
    } else {
        Err(HostError::call(call, result))
    }
}

/// The metric updates of one side of the ABI: a stream's or the configuration's.
trait MetricSink {
    fn table(&self) -> &MetricTable;
    fn counter(&mut self, id: usize, value: u64) -> u32;
    fn gauge_up(&mut self, id: usize, value: u64) -> u32;
    fn gauge_down(&mut self, id: usize, value: u64) -> u32;
    fn histogram(&mut self, id: usize, value: u64) -> u32;

    fn add(&mut self, metric: MetricId, delta: i64) -> Result<(), HostError> {
        let Defined { kind, envoy_id } = self
            .table()
            .get(metric)
            .ok_or(HostError::Malformed { call: "metric" })?;
        let amount = delta.unsigned_abs();
        let result = match (kind, delta >= 0) {
            (MetricKind::Counter, true) => self.counter(envoy_id, amount),
            (MetricKind::Gauge, true) => self.gauge_up(envoy_id, amount),
            (MetricKind::Gauge, false) => self.gauge_down(envoy_id, amount),
            (MetricKind::Counter, false) | (MetricKind::Histogram, _) => {
                return Err(HostError::Unavailable {
                    call: "increment_metric",
                })
            }
        };
        metrics_call("increment_metric", result)
    }

    fn record(&mut self, metric: MetricId, value: u64) -> Result<(), HostError> {
        match self.table().get(metric) {
            Some(Defined {
                kind: MetricKind::Histogram,
                envoy_id,
            }) => metrics_call("record_metric", self.histogram(envoy_id, value)),
            _ => Err(HostError::Malformed {
                call: "record_metric",
            }),
        }
    }
}

/// Metric updates on the configuration (outside any stream).
struct ConfigMetrics<'a> {
    config: ConfigEnvoyPtr,
    table: &'a MetricTable,
}

impl MetricSink for ConfigMetrics<'_> {
    fn table(&self) -> &MetricTable {
        self.table
    }

    fn counter(&mut self, id: usize, value: u64) -> u32 {
        // SAFETY: `config` is Envoy's live configuration; no labels.
        unsafe {
            cb::envoy_dynamic_module_callback_http_filter_config_increment_counter(
                self.config,
                id,
                std::ptr::null_mut(),
                0,
                value,
            )
        }
    }

    fn gauge_up(&mut self, id: usize, value: u64) -> u32 {
        // SAFETY: as `counter`.
        unsafe {
            cb::envoy_dynamic_module_callback_http_filter_config_increment_gauge(
                self.config,
                id,
                std::ptr::null_mut(),
                0,
                value,
            )
        }
    }

    fn gauge_down(&mut self, id: usize, value: u64) -> u32 {
        // SAFETY: as `counter`.
        unsafe {
            cb::envoy_dynamic_module_callback_http_filter_config_decrement_gauge(
                self.config,
                id,
                std::ptr::null_mut(),
                0,
                value,
            )
        }
    }

    fn histogram(&mut self, id: usize, value: u64) -> u32 {
        // SAFETY: as `counter`.
        unsafe {
            cb::envoy_dynamic_module_callback_http_filter_config_record_histogram_value(
                self.config,
                id,
                std::ptr::null_mut(),
                0,
                value,
            )
        }
    }
}

/// Where a loading chain's metrics go.
pub enum LoadMetrics<'a> {
    /// Defined in Envoy on the configuration being created (the only time Envoy allows it).
    Define {
        config: ConfigEnvoyPtr,
        table: &'a mut MetricTable,
    },
    /// Found by stat name among those a configuration defined (a route's own policy, loaded
    /// while a request runs, see `crate::config::PerRoute`); a name it lacks is refused and
    /// the stage's metric stays inert.
    Lookup(&'a MetricTable),
    /// Numbered without Envoy (checking a policy).
    Scratch(&'a mut MetricTable),
}

/// The host while a chain loads.
pub struct DmConfigHost<'a> {
    pub metrics: LoadMetrics<'a>,
}

impl Host for DmConfigHost<'_> {
    fn log(&mut self, level: LogLevel, message: &str) -> Result<(), HostError> {
        log_line(level, message);
        Ok(())
    }

    fn now_unix_nanos(&mut self) -> Result<u64, HostError> {
        now_unix_nanos()
    }

    fn add_to_metric(&mut self, metric: MetricId, delta: i64) -> Result<(), HostError> {
        match &mut self.metrics {
            LoadMetrics::Define { config, table } => ConfigMetrics {
                config: *config,
                table,
            }
            .add(metric, delta),
            _ => Err(HostError::Unavailable {
                call: "increment_metric",
            }),
        }
    }

    fn record_metric(&mut self, metric: MetricId, value: u64) -> Result<(), HostError> {
        match &mut self.metrics {
            LoadMetrics::Define { config, table } => ConfigMetrics {
                config: *config,
                table,
            }
            .record(metric, value),
            _ => Err(HostError::Unavailable {
                call: "record_metric",
            }),
        }
    }

    fn property(&mut self, _path: &[&str]) -> Result<Option<Vec<u8>>, HostError> {
        Ok(None)
    }
}

impl ConfigHost for DmConfigHost<'_> {
    /// Defines `name` as one Envoy stat without labels: the labels travel in the name, as
    /// with proxy-wasm, and Envoy's tag extraction turns them into Prometheus labels
    /// (`pavise_core::metrics`), so both runtimes give the same series.
    fn define_metric(&mut self, kind: MetricKind, name: &str) -> Result<MetricId, HostError> {
        let (config, table) = match &mut self.metrics {
            LoadMetrics::Lookup(table) => {
                return match table.find(name) {
                    Some(id) if table.get(id).map(|d| d.kind) == Some(kind) => Ok(id),
                    _ => Err(HostError::Unavailable {
                        call: "define_metric (only the filter's own metrics count)",
                    }),
                };
            }
            LoadMetrics::Scratch(table) => {
                return match table.find(name) {
                    Some(id) => Ok(id),
                    None => table.insert(name, Defined { kind, envoy_id: 0 }).ok_or(
                        HostError::Malformed {
                            call: "define_metric",
                        },
                    ),
                };
            }
            LoadMetrics::Define { config, table } => (*config, table),
        };
        if let Some(id) = table.find(name) {
            return Ok(id);
        }
        let define = match kind {
            MetricKind::Counter => {
                cb::envoy_dynamic_module_callback_http_filter_config_define_counter
            }
            MetricKind::Gauge => cb::envoy_dynamic_module_callback_http_filter_config_define_gauge,
            MetricKind::Histogram => {
                cb::envoy_dynamic_module_callback_http_filter_config_define_histogram
            }
        };
        let mut envoy_id = 0usize;
        // SAFETY: `config` is the configuration being created; the name is borrowed for the
        // call; no labels.
        let result = unsafe {
            define(
                config,
                ModuleBuffer::of(name.as_bytes()),
                std::ptr::null_mut(),
                0,
                &mut envoy_id,
            )
        };
        metrics_call("define_metric", result)?;
        table
            .insert(name, Defined { kind, envoy_id })
            .ok_or(HostError::Malformed {
                call: "define_metric",
            })
    }
}

/// A local reply a stage sent, to be handed to Envoy once the chain has returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingReply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl PendingReply {
    /// Sends the reply on `filter`. Call with no borrow of the stream alive: Envoy runs the
    /// reply through the filter chain, this filter's hooks included, before returning.
    pub fn send(&self, filter: FilterEnvoyPtr) {
        let mut headers: Vec<ModuleHttpHeader> = self
            .headers
            .iter()
            .map(|(n, v)| ModuleHttpHeader::of(n.as_bytes(), v.as_bytes()))
            .collect();
        // SAFETY: `filter` is the stream of the current hook; the headers and body are
        // borrowed from `self` for the call.
        unsafe {
            cb::envoy_dynamic_module_callback_http_send_response(
                filter,
                u32::from(self.status),
                headers.as_mut_ptr(),
                headers.len(),
                ModuleBuffer::of(&self.body),
                ModuleBuffer::of(b"pavise"),
            )
        }
    }
}

/// The host within one stream hook.
pub struct DmStreamHost<'a> {
    pub filter: FilterEnvoyPtr,
    pub table: &'a MetricTable,
    pub reply: &'a mut Option<PendingReply>,
    pub body: BodyView,
    /// The response headers are those of `reply`, the chain's own local reply: Envoy does not
    /// run a dynamic module filter's response hooks for the reply it sent itself, so the chain's
    /// response phase runs on the reply before it goes (as it does with proxy-wasm).
    pub reply_is_response: bool,
}

impl MetricSink for DmStreamHost<'_> {
    fn table(&self) -> &MetricTable {
        self.table
    }

    fn counter(&mut self, id: usize, value: u64) -> u32 {
        // SAFETY: `filter` is the stream of the current hook; no labels.
        unsafe {
            cb::envoy_dynamic_module_callback_http_filter_increment_counter(
                self.filter,
                id,
                std::ptr::null_mut(),
                0,
                value,
            )
        }
    }

    fn gauge_up(&mut self, id: usize, value: u64) -> u32 {
        // SAFETY: as `counter`.
        unsafe {
            cb::envoy_dynamic_module_callback_http_filter_increment_gauge(
                self.filter,
                id,
                std::ptr::null_mut(),
                0,
                value,
            )
        }
    }

    fn gauge_down(&mut self, id: usize, value: u64) -> u32 {
        // SAFETY: as `counter`.
        unsafe {
            cb::envoy_dynamic_module_callback_http_filter_decrement_gauge(
                self.filter,
                id,
                std::ptr::null_mut(),
                0,
                value,
            )
        }
    }

    fn histogram(&mut self, id: usize, value: u64) -> u32 {
        // SAFETY: as `counter`.
        unsafe {
            cb::envoy_dynamic_module_callback_http_filter_record_histogram_value(
                self.filter,
                id,
                std::ptr::null_mut(),
                0,
                value,
            )
        }
    }
}

impl DmStreamHost<'_> {
    fn headers(&mut self, header_type: u32, call: &'static str) -> Result<HeaderList, HostError> {
        // SAFETY: `filter` is the stream of the current hook.
        let count = unsafe {
            cb::envoy_dynamic_module_callback_http_get_headers_size(self.filter, header_type)
        };
        let mut raw = vec![EnvoyHttpHeader::NULL; count];
        if count > 0 {
            // SAFETY: `raw` has room for the `count` headers Envoy reported.
            let ok = unsafe {
                cb::envoy_dynamic_module_callback_http_get_headers(
                    self.filter,
                    header_type,
                    raw.as_mut_ptr(),
                )
            };
            if !ok {
                return Err(HostError::call(call, "refused"));
            }
        }
        let pairs = raw
            .iter()
            .map(|h| {
                // SAFETY: Envoy filled `h` within this hook.
                let (name, value) = unsafe { envoy_header(h) };
                (String::from_utf8_lossy(name).into_owned(), value.to_vec())
            })
            .collect();
        Ok(HeaderList::new(pairs))
    }

    fn edit(&mut self, header_type: u32, edits: &[HeaderEdit]) -> Result<(), HostError> {
        for edit in edits {
            let (name, value) = match edit {
                HeaderEdit::Remove(name) => (name.as_bytes(), ModuleBuffer::NULL),
                HeaderEdit::Set(name, value) => {
                    (name.as_bytes(), ModuleBuffer::of(value.as_bytes()))
                }
            };
            // SAFETY: `filter` is the stream of the current hook; the buffers borrow `edit`.
            let ok = unsafe {
                cb::envoy_dynamic_module_callback_http_set_header(
                    self.filter,
                    header_type,
                    ModuleBuffer::of(name),
                    value,
                )
            };
            if !ok {
                return Err(HostError::call("set_header", "refused"));
            }
        }
        Ok(())
    }

    fn body_chunks(&self, body_type: u32) -> Vec<&[u8]> {
        // SAFETY: `filter` is the stream of the current hook.
        let count = unsafe {
            cb::envoy_dynamic_module_callback_http_get_body_chunks_size(self.filter, body_type)
        };
        if count == 0 {
            return Vec::new();
        }
        let mut raw = vec![EnvoyBuffer::NULL; count];
        // SAFETY: `raw` has room for the `count` chunks Envoy reported.
        let ok = unsafe {
            cb::envoy_dynamic_module_callback_http_get_body_chunks(
                self.filter,
                body_type,
                raw.as_mut_ptr(),
            )
        };
        if !ok {
            return Vec::new();
        }
        raw.iter()
            // SAFETY: Envoy filled the chunks within this hook.
            .map(|b| unsafe { envoy_bytes(b) })
            .collect()
    }

    /// The bytes of the body as [`BodyView`] says, chunk by chunk.
    fn view_chunks(&self) -> Vec<&[u8]> {
        match self.body {
            BodyView::None => Vec::new(),
            BodyView::Received => self.body_chunks(pavise_envoy_dm::RECEIVED_REQUEST_BODY),
            BodyView::Buffered => self.body_chunks(pavise_envoy_dm::BUFFERED_REQUEST_BODY),
            BodyView::BufferedThenReceived => {
                let mut chunks = self.body_chunks(pavise_envoy_dm::BUFFERED_REQUEST_BODY);
                chunks.extend(self.body_chunks(pavise_envoy_dm::RECEIVED_REQUEST_BODY));
                chunks
            }
        }
    }

    /// How many body bytes the current hook can see.
    pub fn body_size(&self) -> usize {
        self.view_chunks().iter().map(|c| c.len()).sum()
    }

    fn filter_state(&mut self, key: &str) -> Option<Vec<u8>> {
        let mut out = EnvoyBuffer::NULL;
        // SAFETY: `filter` is the stream of the current hook; the key is borrowed.
        let found = unsafe {
            cb::envoy_dynamic_module_callback_http_get_filter_state_bytes(
                self.filter,
                ModuleBuffer::of(key.as_bytes()),
                &mut out,
            )
        };
        // SAFETY: Envoy filled `out` within this hook.
        found.then(|| unsafe { envoy_bytes(&out) }.to_vec())
    }

    fn attribute_int(&mut self, attribute: u32) -> Option<Vec<u8>> {
        let mut value = 0u64;
        // SAFETY: `filter` is the stream of the current hook.
        let found = unsafe {
            cb::envoy_dynamic_module_callback_http_filter_get_attribute_int(
                self.filter,
                attribute,
                &mut value,
            )
        };
        found.then(|| value.to_le_bytes().to_vec())
    }

    fn attribute_string(&mut self, attribute: u32) -> Option<Vec<u8>> {
        let mut out = EnvoyBuffer::NULL;
        // SAFETY: `filter` is the stream of the current hook.
        let found = unsafe {
            cb::envoy_dynamic_module_callback_http_filter_get_attribute_string(
                self.filter,
                attribute,
                &mut out,
            )
        };
        // SAFETY: Envoy filled `out` within this hook.
        found.then(|| unsafe { envoy_bytes(&out) }.to_vec())
    }
}

impl Host for DmStreamHost<'_> {
    fn log(&mut self, level: LogLevel, message: &str) -> Result<(), HostError> {
        log_line(level, message);
        Ok(())
    }

    fn now_unix_nanos(&mut self) -> Result<u64, HostError> {
        now_unix_nanos()
    }

    fn add_to_metric(&mut self, metric: MetricId, delta: i64) -> Result<(), HostError> {
        self.add(metric, delta)
    }

    fn record_metric(&mut self, metric: MetricId, value: u64) -> Result<(), HostError> {
        self.record(metric, value)
    }

    /// The attributes the stages read, by their proxy-wasm path, and filter state by its key.
    fn property(&mut self, path: &[&str]) -> Result<Option<Vec<u8>>, HostError> {
        use pavise_envoy_dm as dm;
        Ok(match path {
            ["source", "address"] => self.attribute_string(dm::ATTRIBUTE_SOURCE_ADDRESS),
            ["response", "code"] => self.attribute_int(dm::ATTRIBUTE_RESPONSE_CODE),
            ["request", "total_size"] => self.attribute_int(dm::ATTRIBUTE_REQUEST_TOTAL_SIZE),
            ["response", "total_size"] => self.attribute_int(dm::ATTRIBUTE_RESPONSE_TOTAL_SIZE),
            [key] => self.filter_state(key),
            _ => None,
        })
    }
}

impl StreamHost for DmStreamHost<'_> {
    fn request_headers(&mut self) -> Result<HeaderList, HostError> {
        self.headers(pavise_envoy_dm::REQUEST_HEADERS, "get_headers(request)")
    }

    fn edit_request_headers(&mut self, edits: &[HeaderEdit]) -> Result<(), HostError> {
        self.edit(pavise_envoy_dm::REQUEST_HEADERS, edits)
    }

    fn response_headers(&mut self) -> Result<HeaderList, HostError> {
        match self.reply.as_ref().filter(|_| self.reply_is_response) {
            Some(reply) => {
                let mut pairs =
                    vec![(":status".to_string(), reply.status.to_string().into_bytes())];
                pairs.extend(
                    reply
                        .headers
                        .iter()
                        .map(|(n, v)| (n.clone(), v.clone().into_bytes())),
                );
                Ok(HeaderList::new(pairs))
            }
            None => self.headers(pavise_envoy_dm::RESPONSE_HEADERS, "get_headers(response)"),
        }
    }

    /// One call per edit: in-process calls cost little, unlike proxy-wasm's.
    fn edit_response_headers(
        &mut self,
        current: HeaderList,
        edits: &[HeaderEdit],
    ) -> Result<(), HostError> {
        match self.reply.as_mut().filter(|_| self.reply_is_response) {
            Some(reply) => {
                let mut edited = current;
                edited.apply(edits);
                reply.headers = edited
                    .iter()
                    .filter(|(n, _)| !n.starts_with(':'))
                    .map(|(n, v)| (n.to_string(), String::from_utf8_lossy(v).into_owned()))
                    .collect();
                Ok(())
            }
            None => self.edit(pavise_envoy_dm::RESPONSE_HEADERS, edits),
        }
    }

    /// Kept until the chain returns ([`PendingReply`]); the first reply of a stream wins.
    fn send_response(
        &mut self,
        status: u16,
        headers: &[(String, String)],
        body: Option<&[u8]>,
    ) -> Result<(), HostError> {
        if self.reply.is_none() {
            *self.reply = Some(PendingReply {
                status,
                headers: headers.to_vec(),
                body: body.map(<[u8]>::to_vec).unwrap_or_default(),
            });
        }
        Ok(())
    }

    fn request_body(&mut self, start: usize, len: usize) -> Result<Vec<u8>, HostError> {
        let mut out = Vec::new();
        let mut skip = start;
        for chunk in self.view_chunks() {
            if out.len() >= len {
                break;
            }
            let from = skip.min(chunk.len());
            skip -= from;
            let rest = chunk.get(from..).unwrap_or_default();
            let take = rest.len().min(len - out.len());
            out.extend_from_slice(rest.get(..take).unwrap_or_default());
        }
        Ok(out)
    }

    fn set_property(&mut self, path: &[&str], value: &[u8]) -> Result<(), HostError> {
        let [key] = path else {
            return Err(HostError::Unavailable {
                call: "set_property",
            });
        };
        // SAFETY: `filter` is the stream of the current hook; key and value are borrowed.
        let ok = unsafe {
            cb::envoy_dynamic_module_callback_http_set_filter_state_bytes(
                self.filter,
                ModuleBuffer::of(key.as_bytes()),
                ModuleBuffer::of(value),
            )
        };
        if ok {
            Ok(())
        } else {
            Err(HostError::call("set_filter_state_bytes", "refused"))
        }
    }

    /// As filter state `pavise.verdict.<filter>`, for an audit filter elsewhere in the chain.
    fn publish_verdict(&mut self, verdict: &Verdict) -> Result<(), HostError> {
        let name = verdict_property(&verdict.filter);
        self.set_property(&[name.as_str()], verdict.to_json().as_bytes())
    }

    fn verdicts(&mut self) -> Result<Vec<Verdict>, HostError> {
        let mut out = Vec::new();
        for filter in Filter::DECIDING {
            let name = verdict_property(filter.member());
            if let Some(bytes) = self.filter_state(&name) {
                out.extend(Verdict::from_json(&bytes));
            }
        }
        Ok(out)
    }
}

/// What a configuration's copies of its chain share on the main thread: the tick period each
/// asked for, and which copy is waiting for which callout.
#[derive(Debug, Default)]
pub struct RootShared {
    /// The tick period of each copy in milliseconds (0: none).
    pub tick_ms: Vec<AtomicU64>,
    /// Callouts in flight: Envoy's id, and the copy that sent it.
    pub callouts: Mutex<Vec<(u64, usize)>>,
    /// Answers not yet handed to their copy (see `crate::config`).
    pub answers: Mutex<Vec<(u64, pavise_core::host::CalloutResponse)>>,
}

impl RootShared {
    pub fn new(copies: usize) -> RootShared {
        RootShared {
            tick_ms: (0..copies).map(|_| AtomicU64::new(0)).collect(),
            callouts: Mutex::new(Vec::new()),
            answers: Mutex::new(Vec::new()),
        }
    }

    /// The copy that sent callout `id`, if it is noted.
    pub fn callout_copy(&self, id: u64) -> Option<usize> {
        let callouts = self.callouts.lock().unwrap_or_else(|e| e.into_inner());
        callouts
            .iter()
            .find(|(c, _)| *c == id)
            .map(|(_, copy)| *copy)
    }

    /// The shortest tick period any copy asked for.
    pub fn tick_period(&self) -> Option<Duration> {
        self.tick_ms
            .iter()
            .map(|t| t.load(Ordering::Relaxed))
            .filter(|ms| *ms > 0)
            .min()
            .map(Duration::from_millis)
    }

    /// The copy that sent callout `id`, forgetting it.
    pub fn take_callout(&self, id: u64) -> Option<usize> {
        let mut callouts = self.callouts.lock().unwrap_or_else(|e| e.into_inner());
        let at = callouts.iter().position(|(c, _)| *c == id)?;
        Some(callouts.swap_remove(at).1)
    }
}

/// The host of a configuration's own work on Envoy's main thread, for one copy of its chain.
pub struct DmRootHost<'a> {
    pub config: ConfigEnvoyPtr,
    pub table: &'a MetricTable,
    pub shared: &'a RootShared,
    /// Which copy of the chain this is.
    pub copy: usize,
}

impl Host for DmRootHost<'_> {
    fn log(&mut self, level: LogLevel, message: &str) -> Result<(), HostError> {
        log_line(level, message);
        Ok(())
    }

    fn now_unix_nanos(&mut self) -> Result<u64, HostError> {
        now_unix_nanos()
    }

    fn add_to_metric(&mut self, metric: MetricId, delta: i64) -> Result<(), HostError> {
        ConfigMetrics {
            config: self.config,
            table: self.table,
        }
        .add(metric, delta)
    }

    fn record_metric(&mut self, metric: MetricId, value: u64) -> Result<(), HostError> {
        ConfigMetrics {
            config: self.config,
            table: self.table,
        }
        .record(metric, value)
    }

    fn property(&mut self, _path: &[&str]) -> Result<Option<Vec<u8>>, HostError> {
        Ok(None)
    }
}

impl RootHost for DmRootHost<'_> {
    /// Noted for the configuration's ticker ([`crate::config`]), which wakes the main thread
    /// at the shortest period any copy asked for.
    fn set_tick_period(&mut self, period: Duration) -> Result<(), HostError> {
        let ms = u64::try_from(period.as_millis()).unwrap_or(u64::MAX);
        match self.shared.tick_ms.get(self.copy) {
            Some(slot) => {
                slot.store(ms, Ordering::Relaxed);
                Ok(())
            }
            None => Err(HostError::Malformed {
                call: "set_tick_period",
            }),
        }
    }

    fn post(&mut self, callout: &Callout<'_>) -> Result<u32, HostError> {
        let mut fields: Vec<(&[u8], &[u8])> = vec![
            (b":method", b"POST"),
            (b":path", callout.path.as_bytes()),
            (b":authority", callout.authority.as_bytes()),
            (b"content-type", callout.content_type.as_bytes()),
        ];
        fields.extend(
            callout
                .headers
                .iter()
                .map(|(n, v)| (n.as_bytes(), v.as_bytes())),
        );
        let mut headers: Vec<ModuleHttpHeader> = fields
            .iter()
            .map(|(n, v)| ModuleHttpHeader::of(n, v))
            .collect();
        let mut id = 0u64;
        let timeout = u64::try_from(callout.timeout.as_millis()).unwrap_or(u64::MAX);
        // SAFETY: main thread (a root hook); every buffer is borrowed for the call.
        let result = unsafe {
            cb::envoy_dynamic_module_callback_http_filter_config_http_callout(
                self.config,
                &mut id,
                ModuleBuffer::of(callout.cluster.as_bytes()),
                headers.as_mut_ptr(),
                headers.len(),
                ModuleBuffer::of(callout.body),
                timeout,
            )
        };
        if result != pavise_envoy_dm::CALLOUT_INIT_SUCCESS {
            return Err(HostError::call("http_callout", result));
        }
        let token = u32::try_from(id).map_err(|_| HostError::Malformed {
            call: "http_callout",
        })?;
        self.shared
            .callouts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((id, self.copy));
        Ok(token)
    }

    /// Nothing to tell: Envoy never waits for a dynamic module's configuration to finish its
    /// work (see `crate::config` on what happens to audit events still held).
    fn done(&mut self) -> Result<(), HostError> {
        Ok(())
    }
}
