//! The proxy-wasm implementation of the host traits ([`pavise_core::host`]).
//!
//! The SDK's trait helpers (`get_http_request_header` and friends) `unwrap()` every host call,
//! and its string variants panic on a header value that is not UTF-8; in a filter, a panic
//! wedges the VM and fails every later request. [`WasmHost`] calls `proxy_wasm::hostcalls`
//! directly, reads and writes whole header maps through [`crate::header_map`] (as bytes, one
//! buffer each way), and hands every failure back as a [`HostError`].
//!
//! Verdicts travel as filter state (`pavise.verdict.<filter>`), so separate filters in one
//! Envoy chain reach the audit filter; a module running several stages wraps this host in
//! [`pavise_core::chain::InMemoryVerdicts`] instead.

use crate::header_map;
use pavise_core::filter::Filter;
use pavise_core::headers::{HeaderEdit, HeaderList};
use pavise_core::host::{
    Callout, ConfigHost, Host, HostError, LogLevel, MetricId, MetricKind, RootHost, StreamHost,
};
use pavise_core::verdict::{verdict_property, Verdict};
use proxy_wasm::hostcalls;
use proxy_wasm::types::{BufferType, MapType, MetricType, Status};

#[link(wasm_import_module = "env")]
extern "C" {
    fn proxy_get_current_time_nanoseconds(return_time: *mut u64) -> Status;
}

/// The proxy-wasm host: every call goes to the proxy that loaded the module. It holds nothing;
/// which context a call belongs to is the SDK's (the one being called back).
#[derive(Debug, Clone, Copy, Default)]
pub struct WasmHost;

fn host<T>(call: &'static str, r: Result<T, Status>) -> Result<T, HostError> {
    r.map_err(|status| HostError::call(call, status))
}

/// The proxy-wasm log level of a core one.
fn level(level: LogLevel) -> proxy_wasm::types::LogLevel {
    use proxy_wasm::types::LogLevel as L;
    match level {
        LogLevel::Trace => L::Trace,
        LogLevel::Debug => L::Debug,
        LogLevel::Info => L::Info,
        LogLevel::Warn => L::Warn,
        LogLevel::Error => L::Error,
        LogLevel::Critical => L::Critical,
    }
}

impl WasmHost {
    /// The plugin configuration (the policy JSON) as bytes; empty if there is none.
    pub fn plugin_configuration(&mut self) -> Result<Vec<u8>, HostError> {
        host(
            "get_buffer(PluginConfiguration)",
            hostcalls::get_buffer(BufferType::PluginConfiguration, 0, usize::MAX),
        )
        .map(Option::unwrap_or_default)
    }

    fn edit(&mut self, map: MapType, edits: &[HeaderEdit]) -> Result<(), HostError> {
        for edit in edits {
            match edit {
                HeaderEdit::Remove(name) => {
                    host("remove_map_value", hostcalls::remove_map_value(map, name))?;
                }
                HeaderEdit::Set(name, value) => {
                    host(
                        "set_map_value",
                        hostcalls::set_map_value(map, name, Some(value)),
                    )?;
                }
            }
        }
        Ok(())
    }

    /// The answer to the callout being handled: its status and headers.
    pub fn callout_response(&mut self) -> pavise_core::host::CalloutResponse {
        let headers = header_map::get(MapType::HttpCallResponseHeaders).unwrap_or_default();
        pavise_core::host::CalloutResponse {
            status: headers.get_str(":status").and_then(|s| s.parse().ok()),
            headers,
        }
    }
}

impl Host for WasmHost {
    fn log(&mut self, l: LogLevel, message: &str) -> Result<(), HostError> {
        host("log", hostcalls::log(level(l), message))
    }

    /// The raw ABI call: the SDK's `get_current_time` builds a `SystemTime` that would only be
    /// turned back into nanoseconds (through 128-bit arithmetic), several times a request.
    fn now_unix_nanos(&mut self) -> Result<u64, HostError> {
        let mut nanos: u64 = 0;
        // SAFETY: the host writes one u64 into the local.
        let status = unsafe { proxy_get_current_time_nanoseconds(&mut nanos) };
        if status == Status::Ok {
            Ok(nanos)
        } else {
            Err(HostError::call("get_current_time_nanoseconds", status))
        }
    }

    fn add_to_metric(&mut self, metric: MetricId, delta: i64) -> Result<(), HostError> {
        host(
            "increment_metric",
            hostcalls::increment_metric(metric.0, delta),
        )
    }

    fn record_metric(&mut self, metric: MetricId, value: u64) -> Result<(), HostError> {
        host("record_metric", hostcalls::record_metric(metric.0, value))
    }

    fn property(&mut self, path: &[&str]) -> Result<Option<Vec<u8>>, HostError> {
        match hostcalls::get_property(path.to_vec()) {
            Ok(value) => Ok(value),
            // Envoy answers NotFound for a property it does not have (e.g. no response code
            // for a request that was reset): an absent value, not a failure.
            Err(Status::NotFound) => Ok(None),
            Err(status) => Err(HostError::call("get_property", status)),
        }
    }
}

impl ConfigHost for WasmHost {
    fn define_metric(&mut self, kind: MetricKind, name: &str) -> Result<MetricId, HostError> {
        let kind = match kind {
            MetricKind::Counter => MetricType::Counter,
            MetricKind::Gauge => MetricType::Gauge,
            MetricKind::Histogram => MetricType::Histogram,
        };
        host("define_metric", hostcalls::define_metric(kind, name)).map(MetricId)
    }
}

impl StreamHost for WasmHost {
    fn request_headers(&mut self) -> Result<HeaderList, HostError> {
        header_map::get(MapType::HttpRequestHeaders)
    }

    fn edit_request_headers(&mut self, edits: &[HeaderEdit]) -> Result<(), HostError> {
        self.edit(MapType::HttpRequestHeaders, edits)
    }

    fn response_headers(&mut self) -> Result<HeaderList, HostError> {
        header_map::get(MapType::HttpResponseHeaders)
    }

    /// Two or more edits are applied to the copy and written back in one call: every host
    /// call is a round trip through the VM boundary, and it costs more than rewriting a small
    /// map in the proxy.
    fn edit_response_headers(
        &mut self,
        mut current: HeaderList,
        edits: &[HeaderEdit],
    ) -> Result<(), HostError> {
        if edits.len() < 2 {
            return self.edit(MapType::HttpResponseHeaders, edits);
        }
        current.apply(edits);
        header_map::set(MapType::HttpResponseHeaders, &current)
    }

    fn send_response(
        &mut self,
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

    fn request_body(&mut self, start: usize, len: usize) -> Result<Vec<u8>, HostError> {
        host(
            "get_buffer(HttpRequestBody)",
            hostcalls::get_buffer(BufferType::HttpRequestBody, start, len),
        )
        .map(Option::unwrap_or_default)
    }

    fn set_property(&mut self, path: &[&str], value: &[u8]) -> Result<(), HostError> {
        host(
            "set_property",
            hostcalls::set_property(path.to_vec(), Some(value)),
        )
    }

    fn publish_verdict(&mut self, verdict: &Verdict) -> Result<(), HostError> {
        let name = verdict_property(&verdict.filter);
        self.set_property(&[name.as_str()], verdict.to_json().as_bytes())
    }

    fn verdicts(&mut self) -> Result<Vec<Verdict>, HostError> {
        let mut out = Vec::new();
        for filter in Filter::DECIDING {
            let name = verdict_property(filter.member());
            if let Some(bytes) = self.property(&[name.as_str()])? {
                out.extend(Verdict::from_json(&bytes));
            }
        }
        Ok(out)
    }
}

impl RootHost for WasmHost {
    fn set_tick_period(&mut self, period: std::time::Duration) -> Result<(), HostError> {
        host("set_tick_period", hostcalls::set_tick_period(period))
    }

    fn post(&mut self, callout: &Callout<'_>) -> Result<u32, HostError> {
        let mut headers = vec![
            (":method", "POST"),
            (":path", callout.path),
            (":authority", callout.authority),
            ("content-type", callout.content_type),
        ];
        headers.extend(
            callout
                .headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str())),
        );
        host(
            "dispatch_http_call",
            hostcalls::dispatch_http_call(
                callout.cluster,
                headers,
                Some(callout.body),
                vec![],
                callout.timeout,
            ),
        )
    }

    fn done(&mut self) -> Result<(), HostError> {
        host("done", hostcalls::done())
    }
}
