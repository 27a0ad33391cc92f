//! The calibration filter of `make bench`: it compares one header with a constant and answers
//! 401 on a mismatch, nothing else. Whatever it costs is the price of being a Rust proxy-wasm
//! HTTP filter in this Envoy at all (stream context creation, the headers callback, one host
//! call, context teardown); the Pavise filters are measured against that floor.
//! It takes no policy and is not a product filter.

#[cfg(target_arch = "wasm32")]
mod filter {
    use proxy_wasm::hostcalls;
    use proxy_wasm::traits::{Context, HttpContext};
    use proxy_wasm::types::{Action, MapType};

    /// The `ci` demo key the benchmark requests carry.
    const EXPECTED: &[u8] = b"demo-ci-key-8d1f0c5e7a2b4c69b3e1";

    proxy_wasm::main! {{
        proxy_wasm::set_http_context(|_, _| -> Box<dyn HttpContext> { Box::new(OneHeader) });
    }}

    struct OneHeader;

    impl Context for OneHeader {}

    impl HttpContext for OneHeader {
        fn on_http_request_headers(&mut self, _: usize, _: bool) -> Action {
            match hostcalls::get_map_value_bytes(MapType::HttpRequestHeaders, "x-api-key") {
                Ok(Some(v)) if v == EXPECTED => Action::Continue,
                _ => {
                    let _ = hostcalls::send_http_response(401, vec![], None);
                    Action::Pause
                }
            }
        }
    }
}
