//! Rust bindings for the part of Envoy's dynamic-modules C ABI (`abi.h`, ABI version
//! [`ABI_VERSION`], Envoy 1.40) that the Pavise native module uses: the types of the HTTP filter
//! hooks a module exports, and the callbacks into Envoy it calls. Written by hand from the
//! header, only for what is used; every other part of the ABI is left out.
//!
//! How the pieces relate:
//! - a module exports `envoy_dynamic_module_on_*` hooks (the module's side, defined in the
//!   native crate with the types here); Envoy looks each one up by name when it loads the
//!   module and refuses a filter configuration if one it needs is missing;
//! - Envoy exports the `envoy_dynamic_module_callback_*` functions declared in [`callbacks`];
//!   the module's undefined references to them resolve against Envoy's dynamic symbol table when
//!   it is loaded, so a callback Envoy lacks fails the load rather than a request.
//!
//! Sources: `source/extensions/dynamic_modules/abi/abi.h` of Envoy at fe169c6 (ABI v0.2.0), and,
//! for what Envoy 1.40 exports beyond that revision (the configuration's own HTTP callouts, their
//! `…_config_http_callout_done` hook, and metric updates on the configuration), a later `abi.h`
//! revision and the C++ and Go SDKs' calls of them. The native module's end-to-end tests exercise
//! each one against the pinned Envoy, and its ABI test checks every name against the binary.
//!
//! C enums cross the ABI as 32-bit integers: every enum here is a `u32` alias with one constant
//! per value (a Rust `enum` received from C would be undefined behaviour for an unknown value).
//! Buffers are `{ptr, length}` structs passed by value. Nothing here checks anything: the safe
//! wrappers live with their one user, the native module's host.

use std::ffi::{c_char, c_void};

/// The ABI version string this module is built against, returned from
/// `envoy_dynamic_module_on_program_init` (Envoy logs "ABI version v0.2.0 matched").
pub const ABI_VERSION: &std::ffi::CStr = c"v0.2.0";

/// Envoy's `DynamicModuleHttpFilterConfig` (one per filter configuration).
pub type ConfigEnvoyPtr = *mut c_void;
/// The module's object for a filter configuration, returned from `..._config_new`.
pub type ConfigModulePtr = *const c_void;
/// The module's object for a per-route configuration.
pub type PerRouteConfigModulePtr = *const c_void;
/// Envoy's `DynamicModuleHttpFilter` (one per stream).
pub type FilterEnvoyPtr = *mut c_void;
/// The module's object for a stream, returned from `envoy_dynamic_module_on_http_filter_new`.
pub type FilterModulePtr = *const c_void;
/// A scheduler that posts events to a filter configuration on Envoy's main thread; created by
/// the module, which must delete it.
pub type ConfigSchedulerPtr = *mut c_void;

/// Bytes owned by Envoy, valid until the end of the current hook.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct EnvoyBuffer {
    pub ptr: *const c_char,
    pub length: usize,
}

impl EnvoyBuffer {
    pub const NULL: EnvoyBuffer = EnvoyBuffer {
        ptr: std::ptr::null(),
        length: 0,
    };
}

/// Bytes owned by the module, read by Envoy during the call.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ModuleBuffer {
    pub ptr: *const c_char,
    pub length: usize,
}

impl ModuleBuffer {
    /// Envoy's "null" buffer (e.g. "remove this header" as a header value).
    pub const NULL: ModuleBuffer = ModuleBuffer {
        ptr: std::ptr::null(),
        length: 0,
    };

    /// Borrows `bytes` for one call.
    pub fn of(bytes: &[u8]) -> ModuleBuffer {
        ModuleBuffer {
            ptr: bytes.as_ptr().cast(),
            length: bytes.len(),
        }
    }
}

/// A header owned by the module (a local reply's, a callout's).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ModuleHttpHeader {
    pub key_ptr: *const c_char,
    pub key_length: usize,
    pub value_ptr: *const c_char,
    pub value_length: usize,
}

impl ModuleHttpHeader {
    pub fn of(name: &[u8], value: &[u8]) -> ModuleHttpHeader {
        ModuleHttpHeader {
            key_ptr: name.as_ptr().cast(),
            key_length: name.len(),
            value_ptr: value.as_ptr().cast(),
            value_length: value.len(),
        }
    }
}

/// A header owned by Envoy, valid until the end of the current hook.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct EnvoyHttpHeader {
    pub key_ptr: *const c_char,
    pub key_length: usize,
    pub value_ptr: *const c_char,
    pub value_length: usize,
}

impl EnvoyHttpHeader {
    pub const NULL: EnvoyHttpHeader = EnvoyHttpHeader {
        key_ptr: std::ptr::null(),
        key_length: 0,
        value_ptr: std::ptr::null(),
        value_length: 0,
    };
}

/// `envoy_dynamic_module_type_http_header_type`: which header map.
pub type HeaderType = u32;
pub const REQUEST_HEADERS: HeaderType = 0;
pub const RESPONSE_HEADERS: HeaderType = 2;

/// `envoy_dynamic_module_type_http_body_type`: which body.
pub type BodyType = u32;
/// The chunk of the current body hook (available only inside it).
pub const RECEIVED_REQUEST_BODY: BodyType = 0;
/// The chunks held so far by a filter that stopped iteration and buffered.
pub const BUFFERED_REQUEST_BODY: BodyType = 1;

/// `envoy_dynamic_module_type_log_level`.
pub type LogLevel = u32;
pub const LOG_TRACE: LogLevel = 0;
pub const LOG_DEBUG: LogLevel = 1;
pub const LOG_INFO: LogLevel = 2;
pub const LOG_WARN: LogLevel = 3;
pub const LOG_ERROR: LogLevel = 4;
pub const LOG_CRITICAL: LogLevel = 5;

/// `envoy_dynamic_module_type_metrics_result`.
pub type MetricsResult = u32;
pub const METRICS_SUCCESS: MetricsResult = 0;

/// `envoy_dynamic_module_type_http_callout_init_result`.
pub type CalloutInitResult = u32;
pub const CALLOUT_INIT_SUCCESS: CalloutInitResult = 0;

/// `envoy_dynamic_module_type_http_callout_result`.
pub type CalloutResult = u32;
pub const CALLOUT_SUCCESS: CalloutResult = 0;

/// `envoy_dynamic_module_type_attribute_id`: the attributes the module reads (the values are
/// the enum's positions in `abi.h`).
pub type AttributeId = u32;
pub const ATTRIBUTE_REQUEST_TOTAL_SIZE: AttributeId = 14;
pub const ATTRIBUTE_RESPONSE_CODE: AttributeId = 15;
pub const ATTRIBUTE_RESPONSE_TOTAL_SIZE: AttributeId = 22;
pub const ATTRIBUTE_SOURCE_ADDRESS: AttributeId = 24;

/// `envoy_dynamic_module_type_on_http_filter_request_headers_status` (also the response
/// headers' status, which has the same values).
pub type HeadersStatus = u32;
pub const HEADERS_CONTINUE: HeadersStatus = 0;
pub const HEADERS_STOP_ITERATION: HeadersStatus = 1;

/// `envoy_dynamic_module_type_on_http_filter_request_body_status` (and the response body's).
pub type BodyStatus = u32;
pub const BODY_CONTINUE: BodyStatus = 0;
pub const BODY_STOP_ITERATION_AND_BUFFER: BodyStatus = 1;
pub const BODY_STOP_ITERATION_NO_BUFFER: BodyStatus = 3;

/// `envoy_dynamic_module_type_on_http_filter_request_trailers_status` (and the response
/// trailers').
pub type TrailersStatus = u32;
pub const TRAILERS_CONTINUE: TrailersStatus = 0;
pub const TRAILERS_STOP_ITERATION: TrailersStatus = 1;

/// `envoy_dynamic_module_type_on_http_filter_local_reply_status`.
pub type LocalReplyStatus = u32;
pub const LOCAL_REPLY_CONTINUE: LocalReplyStatus = 0;

/// `envoy_dynamic_module_type_http_stream_reset_reason`.
pub type StreamResetReason = u32;

/// The callbacks Envoy exports, as `abi.h` declares them. Each is checked against the pinned
/// Envoy binary's dynamic symbol table by the native module's tests.
pub mod callbacks {
    use super::*;

    extern "C" {
        // ---- Common ----
        pub fn envoy_dynamic_module_callback_log(level: LogLevel, message: ModuleBuffer);
        pub fn envoy_dynamic_module_callback_log_enabled(level: LogLevel) -> bool;
        /// Main thread only.
        pub fn envoy_dynamic_module_callback_get_concurrency() -> u32;

        // ---- Metrics: defined on the filter configuration, updated per stream or on it ----
        pub fn envoy_dynamic_module_callback_http_filter_config_define_counter(
            config: ConfigEnvoyPtr,
            name: ModuleBuffer,
            label_names: *mut ModuleBuffer,
            label_names_length: usize,
            id: *mut usize,
        ) -> MetricsResult;
        pub fn envoy_dynamic_module_callback_http_filter_config_define_gauge(
            config: ConfigEnvoyPtr,
            name: ModuleBuffer,
            label_names: *mut ModuleBuffer,
            label_names_length: usize,
            id: *mut usize,
        ) -> MetricsResult;
        pub fn envoy_dynamic_module_callback_http_filter_config_define_histogram(
            config: ConfigEnvoyPtr,
            name: ModuleBuffer,
            label_names: *mut ModuleBuffer,
            label_names_length: usize,
            id: *mut usize,
        ) -> MetricsResult;
        pub fn envoy_dynamic_module_callback_http_filter_increment_counter(
            filter: FilterEnvoyPtr,
            id: usize,
            label_values: *mut ModuleBuffer,
            label_values_length: usize,
            value: u64,
        ) -> MetricsResult;
        pub fn envoy_dynamic_module_callback_http_filter_increment_gauge(
            filter: FilterEnvoyPtr,
            id: usize,
            label_values: *mut ModuleBuffer,
            label_values_length: usize,
            value: u64,
        ) -> MetricsResult;
        pub fn envoy_dynamic_module_callback_http_filter_decrement_gauge(
            filter: FilterEnvoyPtr,
            id: usize,
            label_values: *mut ModuleBuffer,
            label_values_length: usize,
            value: u64,
        ) -> MetricsResult;
        pub fn envoy_dynamic_module_callback_http_filter_record_histogram_value(
            filter: FilterEnvoyPtr,
            id: usize,
            label_values: *mut ModuleBuffer,
            label_values_length: usize,
            value: u64,
        ) -> MetricsResult;
        pub fn envoy_dynamic_module_callback_http_filter_config_increment_counter(
            config: ConfigEnvoyPtr,
            id: usize,
            label_values: *mut ModuleBuffer,
            label_values_length: usize,
            value: u64,
        ) -> MetricsResult;
        pub fn envoy_dynamic_module_callback_http_filter_config_increment_gauge(
            config: ConfigEnvoyPtr,
            id: usize,
            label_values: *mut ModuleBuffer,
            label_values_length: usize,
            value: u64,
        ) -> MetricsResult;
        pub fn envoy_dynamic_module_callback_http_filter_config_decrement_gauge(
            config: ConfigEnvoyPtr,
            id: usize,
            label_values: *mut ModuleBuffer,
            label_values_length: usize,
            value: u64,
        ) -> MetricsResult;
        pub fn envoy_dynamic_module_callback_http_filter_config_record_histogram_value(
            config: ConfigEnvoyPtr,
            id: usize,
            label_values: *mut ModuleBuffer,
            label_values_length: usize,
            value: u64,
        ) -> MetricsResult;

        // ---- Headers ----
        pub fn envoy_dynamic_module_callback_http_get_headers_size(
            filter: FilterEnvoyPtr,
            header_type: HeaderType,
        ) -> usize;
        pub fn envoy_dynamic_module_callback_http_get_headers(
            filter: FilterEnvoyPtr,
            header_type: HeaderType,
            result: *mut EnvoyHttpHeader,
        ) -> bool;
        /// Replaces every value of `key`; a null `value` removes the header.
        pub fn envoy_dynamic_module_callback_http_set_header(
            filter: FilterEnvoyPtr,
            header_type: HeaderType,
            key: ModuleBuffer,
            value: ModuleBuffer,
        ) -> bool;

        // ---- Local reply ----
        pub fn envoy_dynamic_module_callback_http_send_response(
            filter: FilterEnvoyPtr,
            status_code: u32,
            headers: *mut ModuleHttpHeader,
            headers_length: usize,
            body: ModuleBuffer,
            details: ModuleBuffer,
        );

        // ---- Body ----
        pub fn envoy_dynamic_module_callback_http_get_body_chunks_size(
            filter: FilterEnvoyPtr,
            body_type: BodyType,
        ) -> usize;
        pub fn envoy_dynamic_module_callback_http_get_body_chunks(
            filter: FilterEnvoyPtr,
            body_type: BodyType,
            result: *mut EnvoyBuffer,
        ) -> bool;

        // ---- Filter state and attributes ----
        pub fn envoy_dynamic_module_callback_http_set_filter_state_bytes(
            filter: FilterEnvoyPtr,
            key: ModuleBuffer,
            value: ModuleBuffer,
        ) -> bool;
        pub fn envoy_dynamic_module_callback_http_get_filter_state_bytes(
            filter: FilterEnvoyPtr,
            key: ModuleBuffer,
            result: *mut EnvoyBuffer,
        ) -> bool;
        pub fn envoy_dynamic_module_callback_http_filter_get_attribute_string(
            filter: FilterEnvoyPtr,
            attribute: AttributeId,
            result: *mut EnvoyBuffer,
        ) -> bool;
        pub fn envoy_dynamic_module_callback_http_filter_get_attribute_int(
            filter: FilterEnvoyPtr,
            attribute: AttributeId,
            result: *mut u64,
        ) -> bool;

        // ---- Stream context ----
        pub fn envoy_dynamic_module_callback_http_filter_get_worker_index(
            filter: FilterEnvoyPtr,
        ) -> u32;
        /// The most specific per-route configuration of the stream's route, or null.
        pub fn envoy_dynamic_module_callback_get_most_specific_route_config(
            filter: FilterEnvoyPtr,
        ) -> PerRouteConfigModulePtr;

        // ---- The configuration's own work on the main thread: events and callouts ----
        pub fn envoy_dynamic_module_callback_http_filter_config_scheduler_new(
            config: ConfigEnvoyPtr,
        ) -> ConfigSchedulerPtr;
        /// Callable from any thread; runs `..._config_scheduled` on the main thread.
        pub fn envoy_dynamic_module_callback_http_filter_config_scheduler_commit(
            scheduler: ConfigSchedulerPtr,
            event_id: u64,
        );
        pub fn envoy_dynamic_module_callback_http_filter_config_scheduler_delete(
            scheduler: ConfigSchedulerPtr,
        );
        /// Main thread only. The headers must hold `:method`, `:path` and the host.
        pub fn envoy_dynamic_module_callback_http_filter_config_http_callout(
            config: ConfigEnvoyPtr,
            callout_id: *mut u64,
            cluster: ModuleBuffer,
            headers: *mut ModuleHttpHeader,
            headers_length: usize,
            body: ModuleBuffer,
            timeout_milliseconds: u64,
        ) -> CalloutInitResult;
    }
}

/// Reads Envoy-owned bytes.
///
/// # Safety
/// `buffer` must come from Envoy within the current hook (its bytes are valid until it ends).
pub unsafe fn envoy_bytes<'a>(buffer: &EnvoyBuffer) -> &'a [u8] {
    if buffer.ptr.is_null() || buffer.length == 0 {
        return &[];
    }
    // SAFETY: Envoy hands out `length` readable bytes at `ptr` for the hook's duration.
    unsafe { std::slice::from_raw_parts(buffer.ptr.cast::<u8>(), buffer.length) }
}

/// Reads an Envoy-owned header's name and value.
///
/// # Safety
/// As [`envoy_bytes`].
pub unsafe fn envoy_header<'a>(header: &EnvoyHttpHeader) -> (&'a [u8], &'a [u8]) {
    // SAFETY: as envoy_bytes, for each half.
    unsafe {
        (
            envoy_bytes(&EnvoyBuffer {
                ptr: header.key_ptr,
                length: header.key_length,
            }),
            envoy_bytes(&EnvoyBuffer {
                ptr: header.value_ptr,
                length: header.value_length,
            }),
        )
    }
}
