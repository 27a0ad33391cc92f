//! The CORS filter as a proxy-wasm module (`pavise_cors.wasm`): its stage alone in a chain,
//! its verdict handed to the audit filter as filter state.

use pavise_host::chain::standalone;
use proxy_wasm::traits::RootContext;
use proxy_wasm::types::LogLevel;

proxy_wasm::main! {{
    proxy_wasm::set_log_level(LogLevel::Info);
    proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> {
        Box::new(standalone::<pavise_cors::stage::CorsStage>())
    });
}}
