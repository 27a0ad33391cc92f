//! The hooks Envoy calls (`envoy_dynamic_module_on_*`): thin glue from the ABI's pointers to
//! [`crate::config`] and [`crate::served`].
//!
//! Every hook runs its body under [`std::panic::catch_unwind`] (the module is built with a
//! profile that unwinds, `native` in Cargo.toml): a panic never crosses into Envoy, where it
//! would abort the process. A hook whose body panicked fails closed: a request hook answers a
//! bare 500 and stops the request, a configuration that panicked while loading is refused.
//! Envoy looks up every HTTP filter hook by name when it loads the module, so the hooks the
//! Pavise stages never need (response bodies, streamed callouts, watermarks) are exported too,
//! each doing nothing.

use crate::config::{callout_response, AnyConfig, AnyStream, PerRoute};
use crate::host::{log_line, PendingReply};
use pavise_core::denial::Denial;
use pavise_core::headers::HeaderList;
use pavise_core::host::LogLevel;
use pavise_envoy_dm as dm;
use pavise_envoy_dm::{
    envoy_bytes, envoy_header, ConfigEnvoyPtr, ConfigModulePtr, EnvoyBuffer, EnvoyHttpHeader,
    FilterEnvoyPtr, FilterModulePtr, PerRouteConfigModulePtr,
};
use std::ffi::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

/// Runs a hook's body; a panic is logged and becomes `fallback`.
fn guard<T>(hook: &'static str, fallback: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|_| {
        let _ = catch_unwind(|| {
            log_line(
                LogLevel::Critical,
                &format!("pavise: a panic in {hook} was caught; failing closed"),
            )
        });
        fallback
    })
}

/// Answers a request the module could not check: the same bare 500 the chain runner sends.
fn fail_closed(filter: FilterEnvoyPtr) {
    let reply = catch_unwind(|| {
        let denial = Denial::new(500, "internal_error", "the request could not be checked");
        let rendered = denial.render(None);
        PendingReply {
            status: rendered.status,
            headers: rendered.headers,
            body: rendered.body.into_bytes(),
        }
    });
    if let Ok(reply) = reply {
        reply.send(filter);
    }
}

/// The stream behind a module pointer.
///
/// # Safety
/// `module` must be null or a pointer this module returned from `on_http_filter_new` and
/// Envoy has not destroyed; Envoy calls a stream's hooks on one thread, one at a time.
unsafe fn stream<'a>(module: FilterModulePtr) -> Option<&'a mut Box<dyn AnyStream>> {
    // SAFETY: see the function.
    unsafe { module.cast::<Box<dyn AnyStream>>().cast_mut().as_mut() }
}

/// The configuration behind a module pointer.
///
/// # Safety
/// `module` must be null or a pointer this module returned from `on_http_filter_config_new`
/// that Envoy has not destroyed.
unsafe fn config<'a>(module: ConfigModulePtr) -> Option<&'a Arc<dyn AnyConfig>> {
    // SAFETY: see the function.
    unsafe { module.cast::<Arc<dyn AnyConfig>>().as_ref() }
}

/// Hands a request hook's status to Envoy, sending the chain's local reply first.
fn finish(
    filter: FilterEnvoyPtr,
    outcome: Option<(u32, Option<PendingReply>)>,
    failed: u32,
) -> u32 {
    match outcome {
        Some((status, reply)) => {
            if let Some(reply) = reply {
                reply.send(filter);
            }
            status
        }
        None => {
            fail_closed(filter);
            failed
        }
    }
}

#[no_mangle]
pub extern "C" fn envoy_dynamic_module_on_program_init() -> *const c_char {
    dm::ABI_VERSION.as_ptr()
}

#[no_mangle]
pub extern "C" fn envoy_dynamic_module_on_http_filter_config_new(
    envoy: ConfigEnvoyPtr,
    name: EnvoyBuffer,
    config: EnvoyBuffer,
) -> ConfigModulePtr {
    guard("config_new", std::ptr::null(), || {
        // SAFETY: both buffers come from Envoy for this call.
        let (name, policy) = unsafe { (envoy_bytes(&name), envoy_bytes(&config)) };
        let name = String::from_utf8_lossy(name).into_owned();
        match crate::served::load(&name, policy, envoy) {
            Ok(config) => {
                crate::config::register(&config);
                Box::into_raw(Box::new(config)).cast_const().cast()
            }
            Err(e) => {
                log_line(LogLevel::Critical, &format!("{name}: {e}"));
                std::ptr::null()
            }
        }
    })
}

#[no_mangle]
pub extern "C" fn envoy_dynamic_module_on_http_filter_config_destroy(module: ConfigModulePtr) {
    guard("config_destroy", (), || {
        if module.is_null() {
            return;
        }
        // SAFETY: Envoy destroys each configuration it created once, after its streams.
        let config = unsafe { Box::from_raw(module.cast::<Arc<dyn AnyConfig>>().cast_mut()) };
        config.shut_down();
    })
}

/// A route's own policy for a filter (`crate::config::PerRoute`): checked now, loaded at the
/// route's first request.
#[no_mangle]
pub extern "C" fn envoy_dynamic_module_on_http_filter_per_route_config_new(
    name: EnvoyBuffer,
    config: EnvoyBuffer,
) -> PerRouteConfigModulePtr {
    guard("per_route_config_new", std::ptr::null(), || {
        // SAFETY: both buffers come from Envoy for this call.
        let (name, policy) = unsafe { (envoy_bytes(&name), envoy_bytes(&config)) };
        let name = String::from_utf8_lossy(name).into_owned();
        match crate::served::check_route(&name, policy) {
            Ok(()) => Box::into_raw(Box::new(PerRoute::new(name, policy.to_vec())))
                .cast_const()
                .cast(),
            Err(e) => {
                log_line(LogLevel::Critical, &format!("{name} (per route): {e}"));
                std::ptr::null()
            }
        }
    })
}

#[no_mangle]
pub extern "C" fn envoy_dynamic_module_on_http_filter_per_route_config_destroy(
    module: PerRouteConfigModulePtr,
) {
    guard("per_route_config_destroy", (), || {
        if !module.is_null() {
            // SAFETY: Envoy destroys each per-route configuration it created once.
            drop(unsafe { Box::from_raw(module.cast::<PerRoute>().cast_mut()) });
        }
    })
}

#[no_mangle]
pub extern "C" fn envoy_dynamic_module_on_http_filter_new(
    config_module: ConfigModulePtr,
    filter: FilterEnvoyPtr,
) -> FilterModulePtr {
    guard("filter_new", std::ptr::null(), || {
        // SAFETY: Envoy passes the configuration it created this filter from.
        let Some(config) = (unsafe { config(config_module) }) else {
            return std::ptr::null();
        };
        let stream = Arc::clone(config).new_stream(filter);
        Box::into_raw(Box::new(stream)).cast_const().cast()
    })
}

#[no_mangle]
pub extern "C" fn envoy_dynamic_module_on_http_filter_request_headers(
    filter: FilterEnvoyPtr,
    module: FilterModulePtr,
    end_of_stream: bool,
) -> dm::HeadersStatus {
    let outcome = guard("request_headers", None, || {
        // SAFETY: Envoy passes the stream it created with this filter.
        unsafe { stream(module) }.map(|s| s.request_headers(filter, end_of_stream))
    });
    finish(filter, outcome, dm::HEADERS_STOP_ITERATION)
}

#[no_mangle]
pub extern "C" fn envoy_dynamic_module_on_http_filter_request_body(
    filter: FilterEnvoyPtr,
    module: FilterModulePtr,
    end_of_stream: bool,
) -> dm::BodyStatus {
    let outcome = guard("request_body", None, || {
        // SAFETY: as in request_headers.
        unsafe { stream(module) }.map(|s| s.request_body(filter, end_of_stream))
    });
    finish(filter, outcome, dm::BODY_STOP_ITERATION_NO_BUFFER)
}

#[no_mangle]
pub extern "C" fn envoy_dynamic_module_on_http_filter_request_trailers(
    filter: FilterEnvoyPtr,
    module: FilterModulePtr,
) -> dm::TrailersStatus {
    let outcome = guard("request_trailers", None, || {
        // SAFETY: as in request_headers.
        unsafe { stream(module) }.map(|s| s.request_trailers(filter))
    });
    finish(filter, outcome, dm::TRAILERS_STOP_ITERATION)
}

/// The response is on its way: a failure here is logged (by the stage, or by the guard for a
/// panic) and never stops it, as with proxy-wasm.
#[no_mangle]
pub extern "C" fn envoy_dynamic_module_on_http_filter_response_headers(
    filter: FilterEnvoyPtr,
    module: FilterModulePtr,
    _end_of_stream: bool,
) -> dm::HeadersStatus {
    let reply = guard("response_headers", None, || {
        // SAFETY: as in request_headers.
        unsafe { stream(module) }.and_then(|s| s.response_headers(filter))
    });
    if let Some(reply) = reply {
        reply.send(filter);
    }
    dm::HEADERS_CONTINUE
}

#[no_mangle]
pub extern "C" fn envoy_dynamic_module_on_http_filter_response_body(
    _filter: FilterEnvoyPtr,
    _module: FilterModulePtr,
    _end_of_stream: bool,
) -> dm::BodyStatus {
    dm::BODY_CONTINUE
}

#[no_mangle]
pub extern "C" fn envoy_dynamic_module_on_http_filter_response_trailers(
    _filter: FilterEnvoyPtr,
    _module: FilterModulePtr,
) -> dm::TrailersStatus {
    dm::TRAILERS_CONTINUE
}

#[no_mangle]
pub extern "C" fn envoy_dynamic_module_on_http_filter_stream_complete(
    filter: FilterEnvoyPtr,
    module: FilterModulePtr,
) {
    guard("stream_complete", (), || {
        // SAFETY: as in request_headers.
        if let Some(s) = unsafe { stream(module) } {
            s.stream_complete(filter);
        }
    })
}

#[no_mangle]
pub extern "C" fn envoy_dynamic_module_on_http_filter_destroy(module: FilterModulePtr) {
    guard("filter_destroy", (), || {
        if !module.is_null() {
            // SAFETY: Envoy destroys each stream it created once.
            drop(unsafe { Box::from_raw(module.cast::<Box<dyn AnyStream>>().cast_mut()) });
        }
    })
}

#[no_mangle]
pub extern "C" fn envoy_dynamic_module_on_http_filter_config_scheduled(
    _envoy: ConfigEnvoyPtr,
    module: ConfigModulePtr,
    _event_id: u64,
) {
    guard("config_scheduled", (), || {
        // SAFETY: as in filter_new.
        if let Some(config) = unsafe { config(module) } {
            config.tick();
        }
    })
}

#[no_mangle]
pub extern "C" fn envoy_dynamic_module_on_http_filter_config_http_callout_done(
    _envoy: ConfigEnvoyPtr,
    module: ConfigModulePtr,
    callout_id: u64,
    result: dm::CalloutResult,
    headers: *mut EnvoyHttpHeader,
    headers_size: usize,
    _body_chunks: *mut EnvoyBuffer,
    _body_chunks_size: usize,
) {
    guard("config_http_callout_done", (), || {
        // SAFETY: as in filter_new.
        let Some(config) = (unsafe { config(module) }) else {
            return;
        };
        let mut pairs = Vec::new();
        if result == dm::CALLOUT_SUCCESS && !headers.is_null() {
            // SAFETY: Envoy passes `headers_size` headers valid for this hook.
            let raw = unsafe { std::slice::from_raw_parts(headers.cast_const(), headers_size) };
            for h in raw {
                // SAFETY: as above.
                let (name, value) = unsafe { envoy_header(h) };
                pairs.push((String::from_utf8_lossy(name).into_owned(), value.to_vec()));
            }
        }
        config.callout_done(callout_id, &callout_response(HeaderList::new(pairs)));
    })
}

// ---- Hooks the stages never need, exported because Envoy resolves them all. ----

#[no_mangle]
pub extern "C" fn envoy_dynamic_module_on_http_filter_http_callout_done(
    _filter: FilterEnvoyPtr,
    _module: FilterModulePtr,
    _callout_id: u64,
    _result: dm::CalloutResult,
    _headers: *mut EnvoyHttpHeader,
    _headers_size: usize,
    _body_chunks: *mut EnvoyBuffer,
    _body_chunks_size: usize,
) {
}

#[no_mangle]
pub extern "C" fn envoy_dynamic_module_on_http_filter_http_stream_headers(
    _filter: FilterEnvoyPtr,
    _module: FilterModulePtr,
    _stream_id: u64,
    _headers: *mut EnvoyHttpHeader,
    _headers_size: usize,
    _end_stream: bool,
) {
}

#[no_mangle]
pub extern "C" fn envoy_dynamic_module_on_http_filter_http_stream_data(
    _filter: FilterEnvoyPtr,
    _module: FilterModulePtr,
    _stream_id: u64,
    _data: *const EnvoyBuffer,
    _data_count: usize,
    _end_stream: bool,
) {
}

#[no_mangle]
pub extern "C" fn envoy_dynamic_module_on_http_filter_http_stream_trailers(
    _filter: FilterEnvoyPtr,
    _module: FilterModulePtr,
    _stream_id: u64,
    _trailers: *mut EnvoyHttpHeader,
    _trailers_size: usize,
) {
}

#[no_mangle]
pub extern "C" fn envoy_dynamic_module_on_http_filter_http_stream_complete(
    _filter: FilterEnvoyPtr,
    _module: FilterModulePtr,
    _stream_id: u64,
) {
}

#[no_mangle]
pub extern "C" fn envoy_dynamic_module_on_http_filter_http_stream_reset(
    _filter: FilterEnvoyPtr,
    _module: FilterModulePtr,
    _stream_id: u64,
    _reason: dm::StreamResetReason,
) {
}

#[no_mangle]
pub extern "C" fn envoy_dynamic_module_on_http_filter_scheduled(
    _filter: FilterEnvoyPtr,
    _module: FilterModulePtr,
    _event_id: u64,
) {
}

#[no_mangle]
pub extern "C" fn envoy_dynamic_module_on_http_filter_config_http_stream_headers(
    _envoy: ConfigEnvoyPtr,
    _module: ConfigModulePtr,
    _stream_id: u64,
    _headers: *mut EnvoyHttpHeader,
    _headers_size: usize,
    _end_stream: bool,
) {
}

#[no_mangle]
pub extern "C" fn envoy_dynamic_module_on_http_filter_config_http_stream_data(
    _envoy: ConfigEnvoyPtr,
    _module: ConfigModulePtr,
    _stream_id: u64,
    _data: *const EnvoyBuffer,
    _data_count: usize,
    _end_stream: bool,
) {
}

#[no_mangle]
pub extern "C" fn envoy_dynamic_module_on_http_filter_config_http_stream_trailers(
    _envoy: ConfigEnvoyPtr,
    _module: ConfigModulePtr,
    _stream_id: u64,
    _trailers: *mut EnvoyHttpHeader,
    _trailers_size: usize,
) {
}

#[no_mangle]
pub extern "C" fn envoy_dynamic_module_on_http_filter_config_http_stream_complete(
    _envoy: ConfigEnvoyPtr,
    _module: ConfigModulePtr,
    _stream_id: u64,
) {
}

#[no_mangle]
pub extern "C" fn envoy_dynamic_module_on_http_filter_config_http_stream_reset(
    _envoy: ConfigEnvoyPtr,
    _module: ConfigModulePtr,
    _stream_id: u64,
    _reason: dm::StreamResetReason,
) {
}

#[no_mangle]
pub extern "C" fn envoy_dynamic_module_on_http_filter_downstream_above_write_buffer_high_watermark(
    _filter: FilterEnvoyPtr,
    _module: FilterModulePtr,
) {
}

#[no_mangle]
pub extern "C" fn envoy_dynamic_module_on_http_filter_downstream_below_write_buffer_low_watermark(
    _filter: FilterEnvoyPtr,
    _module: FilterModulePtr,
) {
}

#[no_mangle]
pub extern "C" fn envoy_dynamic_module_on_http_filter_local_reply(
    _filter: FilterEnvoyPtr,
    _module: FilterModulePtr,
    _response_code: u32,
    _details: EnvoyBuffer,
    _reset_imminent: bool,
) -> dm::LocalReplyStatus {
    dm::LOCAL_REPLY_CONTINUE
}
