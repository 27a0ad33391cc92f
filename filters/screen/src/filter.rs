//! The screening filter as its own Envoy filter: [`ScreenStage`] in a standalone root context,
//! which publishes each verdict as filter state for the audit filter.

use crate::stage::ScreenStage;
use pavise_host::stage::StandaloneRoot;
use proxy_wasm::traits::RootContext;
use proxy_wasm::types::LogLevel;

proxy_wasm::main! {{
    proxy_wasm::set_log_level(LogLevel::Info);
    proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> {
        Box::new(StandaloneRoot::<ScreenStage>::default())
    });
}}
