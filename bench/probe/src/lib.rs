//! The host-call probe of `make bench` (`pavise-bench --probe NAME=OPS`): the calibration
//! filter's one header check, plus the host calls its configuration lists, made on every
//! request. Measured beside the calibration filter, it prices each kind of call in this Envoy,
//! which is what the Pavise filters' overhead is made of. Not a product filter.
//!
//! Configuration: comma-separated operations, each optionally `xN` to repeat it, e.g.
//! `headers,time,metric x4`. Operations: `header` (one request header), `headers` (all request
//! headers in one call), `time` (the clock), `metric` (increment a counter), `set_property`
//! (write filter state), `get_property` (read `source.address`), `edit` (remove one request
//! header and set another), `noop_call` (call `proxy_log` below the log level, i.e. a bare
//! crossing), and one that is no host call: `sha256` (hash a 32-byte key, as the auth filter
//! does with the key it is given; natively this has hardware help, in the VM it does not), and
//! `auth_decide` (the auth filter's whole decision, `Authenticator::decide` with the example
//! policy, on a copy of the benchmark request's headers: its own work without its host calls).

#[cfg(target_arch = "wasm32")]
mod filter {
    use proxy_wasm::hostcalls;
    use proxy_wasm::traits::{Context, HttpContext, RootContext};
    use proxy_wasm::types::{Action, BufferType, ContextType, LogLevel, MapType, MetricType};
    use std::rc::Rc;

    const EXPECTED: &[u8] = b"demo-ci-key-8d1f0c5e7a2b4c69b3e1";

    #[derive(Clone, Copy)]
    enum Op {
        Header,
        Headers,
        Time,
        Metric,
        SetProperty,
        GetProperty,
        Edit,
        NoopCall,
        Sha256,
        AuthDecide,
    }

    fn parse(config: &str) -> Vec<Op> {
        let mut ops = Vec::new();
        for item in config.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (name, times) = match item.split_once(" x") {
                Some((n, t)) => (n.trim(), t.trim().parse().unwrap_or(1)),
                None => (item, 1),
            };
            let op = match name {
                "header" => Op::Header,
                "headers" => Op::Headers,
                "time" => Op::Time,
                "metric" => Op::Metric,
                "set_property" => Op::SetProperty,
                "get_property" => Op::GetProperty,
                "edit" => Op::Edit,
                "noop_call" => Op::NoopCall,
                "sha256" => Op::Sha256,
                "auth_decide" => Op::AuthDecide,
                _ => continue,
            };
            for _ in 0..times {
                ops.push(op);
            }
        }
        ops
    }

    proxy_wasm::main! {{
        proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> {
            Box::new(ProbeRoot { ops: Rc::new(Vec::new()), metric: 0, auth: Rc::new(None) })
        });
    }}

    struct ProbeRoot {
        ops: Rc<Vec<Op>>,
        metric: u32,
        auth: Rc<Option<pavise_auth::decision::Authenticator>>,
    }

    /// The headers of the benchmark's small GET, as Envoy hands them over.
    fn bench_request() -> pavise_core::headers::HeaderList {
        pavise_core::headers::HeaderList::from_pairs(&[
            (":authority", "127.0.0.1:10000"),
            (":path", "/api/orders"),
            (":method", "GET"),
            (":scheme", "http"),
            ("x-api-key", "demo-ci-key-8d1f0c5e7a2b4c69b3e1"),
            ("origin", "https://app.example.com"),
            ("user-agent", "pavise-bench"),
            ("x-forwarded-proto", "http"),
            ("x-request-id", "0c3e6c2a-9d0f-4a57-8d1c-5a3e1f2b7c44"),
        ])
    }

    impl Context for ProbeRoot {}

    impl RootContext for ProbeRoot {
        fn on_configure(&mut self, _: usize) -> bool {
            let config = hostcalls::get_buffer(BufferType::PluginConfiguration, 0, usize::MAX)
                .ok()
                .flatten()
                .unwrap_or_default();
            self.ops = Rc::new(parse(&String::from_utf8_lossy(&config)));
            self.metric =
                hostcalls::define_metric(MetricType::Counter, "probe_requests").unwrap_or(0);
            let policy = include_bytes!("../../../policies/auth.example.json");
            self.auth =
                Rc::new(pavise_auth::decision::Authenticator::from_json(policy, |_| None).ok());
            // A probe that cannot do what it was asked must not be measured as if it had.
            !(self.ops.iter().any(|o| matches!(o, Op::AuthDecide)) && self.auth.is_none())
        }

        fn create_http_context(&self, _: u32) -> Option<Box<dyn HttpContext>> {
            Some(Box::new(Probe {
                ops: self.ops.clone(),
                metric: self.metric,
                auth: self.auth.clone(),
            }))
        }

        fn get_type(&self) -> Option<ContextType> {
            Some(ContextType::HttpContext)
        }
    }

    struct Probe {
        ops: Rc<Vec<Op>>,
        metric: u32,
        auth: Rc<Option<pavise_auth::decision::Authenticator>>,
    }

    impl Context for Probe {}

    impl HttpContext for Probe {
        fn on_http_request_headers(&mut self, _: usize, _: bool) -> Action {
            for op in self.ops.iter() {
                match op {
                    Op::Header => {
                        let _ = hostcalls::get_map_value_bytes(
                            MapType::HttpRequestHeaders,
                            "user-agent",
                        );
                    }
                    Op::Headers => {
                        let _ = hostcalls::get_map_bytes(MapType::HttpRequestHeaders);
                    }
                    Op::Time => {
                        let _ = hostcalls::get_current_time();
                    }
                    Op::Metric => {
                        let _ = hostcalls::increment_metric(self.metric, 1);
                    }
                    Op::SetProperty => {
                        let _ = hostcalls::set_property(
                            vec!["pavise.probe"],
                            Some(b"{\"outcome\":\"allowed\"}"),
                        );
                    }
                    Op::GetProperty => {
                        let _ = hostcalls::get_property(vec!["source", "address"]);
                    }
                    Op::Edit => {
                        let _ = hostcalls::remove_map_value(
                            MapType::HttpRequestHeaders,
                            "x-probe-remove",
                        );
                        let _ = hostcalls::set_map_value(
                            MapType::HttpRequestHeaders,
                            "x-probe",
                            Some("1"),
                        );
                    }
                    Op::NoopCall => {
                        let _ = hostcalls::log(LogLevel::Trace, "probe");
                    }
                    Op::AuthDecide => {
                        if let Some(auth) = self.auth.as_ref() {
                            let headers = bench_request();
                            std::hint::black_box(auth.decide(&headers, 1_795_000_000));
                        }
                    }
                    Op::Sha256 => {
                        use sha2::Digest;
                        let digest = sha2::Sha256::digest(std::hint::black_box(EXPECTED));
                        std::hint::black_box(digest);
                    }
                }
            }
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
