//! The combined filter as a proxy-wasm module: the four stages of [`pavise_combined`] in one
//! chain, their verdicts handed to the audit stage in memory.

use pavise_host::chain::{ChainRoot, Handover};
use proxy_wasm::traits::RootContext;
use proxy_wasm::types::LogLevel;

proxy_wasm::main! {{
    proxy_wasm::set_log_level(LogLevel::Info);
    proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> {
        Box::new(ChainRoot::new(
            ::pavise_combined::FILTER_NAME,
            ::pavise_combined::load,
            Handover::InMemory,
        ))
    });
}}
