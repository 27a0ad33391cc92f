//! The hooks with a stream that panics, through the real exported functions. The two Envoy
//! callbacks a caught panic reaches (`log` and `send_response`) are defined here in Envoy's
//! place and record what the module handed them.

use super::*;
use pavise_envoy_dm::{ModuleBuffer, ModuleHttpHeader};
use std::cell::RefCell;

#[derive(Debug, Default)]
struct Sent {
    status: u32,
    headers: Vec<(String, String)>,
    body: String,
}

thread_local! {
    static LOGGED: RefCell<Vec<(u32, String)>> = const { RefCell::new(Vec::new()) };
    static SENT: RefCell<Vec<Sent>> = const { RefCell::new(Vec::new()) };
}

fn text(ptr: *const c_char, len: usize) -> String {
    if ptr.is_null() {
        return String::new();
    }
    // SAFETY: the module hands buffers it borrows for the call.
    String::from_utf8_lossy(unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) })
        .into_owned()
}

#[no_mangle]
extern "C" fn envoy_dynamic_module_callback_log(level: dm::LogLevel, message: ModuleBuffer) {
    LOGGED.with(|l| {
        l.borrow_mut()
            .push((level, text(message.ptr, message.length)))
    });
}

#[no_mangle]
extern "C" fn envoy_dynamic_module_callback_http_send_response(
    _filter: FilterEnvoyPtr,
    status: u32,
    headers: *mut ModuleHttpHeader,
    headers_length: usize,
    body: ModuleBuffer,
    _details: ModuleBuffer,
) {
    // SAFETY: the module passes its own array of `headers_length` headers for the call.
    let headers = unsafe { std::slice::from_raw_parts(headers, headers_length) }
        .iter()
        .map(|h| {
            (
                text(h.key_ptr, h.key_length),
                text(h.value_ptr, h.value_length),
            )
        })
        .collect();
    let body = text(body.ptr, body.length);
    SENT.with(|s| {
        s.borrow_mut().push(Sent {
            status,
            headers,
            body,
        })
    });
}

/// A stream whose every call panics, as a bug in a stage would.
struct Panicking;

impl AnyStream for Panicking {
    fn request_headers(&mut self, _: FilterEnvoyPtr, _: bool) -> (u32, Option<PendingReply>) {
        panic!("request_headers")
    }
    fn request_body(&mut self, _: FilterEnvoyPtr, _: bool) -> (u32, Option<PendingReply>) {
        panic!("request_body")
    }
    fn request_trailers(&mut self, _: FilterEnvoyPtr) -> (u32, Option<PendingReply>) {
        panic!("request_trailers")
    }
    fn response_headers(&mut self, _: FilterEnvoyPtr) -> Option<PendingReply> {
        panic!("response_headers")
    }
    fn stream_complete(&mut self, _: FilterEnvoyPtr) {
        panic!("stream_complete")
    }
}

/// A module pointer to a panicking stream, as `on_http_filter_new` hands Envoy.
fn panicking_stream() -> FilterModulePtr {
    let stream: Box<dyn AnyStream> = Box::new(Panicking);
    Box::into_raw(Box::new(stream)).cast_const().cast()
}

fn take_sent() -> Vec<Sent> {
    SENT.with(|s| std::mem::take(&mut *s.borrow_mut()))
}

fn take_logged() -> Vec<(u32, String)> {
    LOGGED.with(|l| std::mem::take(&mut *l.borrow_mut()))
}

/// The one local reply a request hook sent: the bare 500 of a request that could not be checked.
fn assert_failed_closed(hook: &str) {
    let sent = take_sent();
    assert_eq!(sent.len(), 1, "{hook}: {sent:?}");
    let reply = &sent[0];
    assert_eq!(reply.status, 500, "{hook}");
    let body: serde_json::Value = serde_json::from_str(&reply.body).unwrap_or_default();
    assert_eq!(
        body["error"]["code"], "internal_error",
        "{hook}: {}",
        reply.body
    );
    assert!(reply
        .headers
        .contains(&("content-type".into(), "application/json".into())));
    let logged = take_logged();
    assert!(
        logged
            .iter()
            .any(|(level, line)| *level == pavise_envoy_dm::LOG_CRITICAL
                && line == &format!("pavise: a panic in {hook} was caught; failing closed")),
        "{hook}: {logged:?}"
    );
}

#[test]
fn a_request_hook_that_panics_answers_500_and_stops_the_request() {
    let filter: FilterEnvoyPtr = std::ptr::null_mut();
    let module = panicking_stream();
    take_sent();
    take_logged();

    let status = envoy_dynamic_module_on_http_filter_request_headers(filter, module, false);
    assert_eq!(status, dm::HEADERS_STOP_ITERATION);
    assert_failed_closed("request_headers");

    let status = envoy_dynamic_module_on_http_filter_request_body(filter, module, true);
    assert_eq!(status, dm::BODY_STOP_ITERATION_NO_BUFFER);
    assert_failed_closed("request_body");

    let status = envoy_dynamic_module_on_http_filter_request_trailers(filter, module);
    assert_eq!(status, dm::TRAILERS_STOP_ITERATION);
    assert_failed_closed("request_trailers");

    envoy_dynamic_module_on_http_filter_destroy(module);
}

#[test]
fn a_response_or_completion_hook_that_panics_is_caught_and_the_stream_goes_on() {
    let filter: FilterEnvoyPtr = std::ptr::null_mut();
    let module = panicking_stream();
    take_sent();
    take_logged();

    // The upstream's response already exists: a panic while looking at it sends nothing and
    // lets it through, as a proxy-wasm filter whose response hook failed does.
    let status = envoy_dynamic_module_on_http_filter_response_headers(filter, module, true);
    assert_eq!(status, dm::HEADERS_CONTINUE);
    envoy_dynamic_module_on_http_filter_stream_complete(filter, module);
    assert!(take_sent().is_empty());
    let logged: Vec<String> = take_logged().into_iter().map(|(_, line)| line).collect();
    for hook in ["response_headers", "stream_complete"] {
        let line = format!("pavise: a panic in {hook} was caught; failing closed");
        assert!(logged.contains(&line), "{hook}: {logged:?}");
    }

    envoy_dynamic_module_on_http_filter_destroy(module);
}

#[test]
fn a_hook_without_a_stream_fails_closed() {
    take_sent();
    take_logged();
    let status = envoy_dynamic_module_on_http_filter_request_headers(
        std::ptr::null_mut(),
        std::ptr::null(),
        true,
    );
    assert_eq!(status, dm::HEADERS_STOP_ITERATION);
    let sent = take_sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].status, 500);
}
