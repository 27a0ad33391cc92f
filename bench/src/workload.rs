//! The request kinds, as wrk Lua scripts, and running wrk.

use crate::configs::{DEMO_KEY, DEMO_ORIGIN};
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;

/// The query workload's path: ten parameters.
pub const QUERY_PATH: &str = "/api/search?q=running+shoes&page=2&size=20&sort=price&order=asc&lang=en&currency=EUR&ref=home&color=blue&brand=acme";

/// One kind of request the benchmark sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// `GET /api/orders` with a valid key and an allowed `Origin`.
    SmallGet,
    /// The same with a 10-parameter query string.
    QueryGet,
    /// `POST /api/orders` with a 16 KiB JSON body.
    PostJson16k,
    /// Every other request without a key: half allowed, half denied by auth.
    Mixed,
}

impl Workload {
    pub const ALL: [Workload; 4] = [
        Workload::SmallGet,
        Workload::QueryGet,
        Workload::PostJson16k,
        Workload::Mixed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Workload::SmallGet => "small GET",
            Workload::QueryGet => "GET, 10-param query",
            Workload::PostJson16k => "POST, 16 KiB JSON",
            Workload::Mixed => "mix, 50% denied",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Workload::SmallGet => "small_get",
            Workload::QueryGet => "query_get",
            Workload::PostJson16k => "post_json_16k",
            Workload::Mixed => "mixed",
        }
    }

    /// Whether every response should be 2xx (the mix expects half to be refused).
    pub fn all_allowed(self) -> bool {
        self != Workload::Mixed
    }

    fn lua(self) -> String {
        let common = format!(
            "wrk.headers[\"x-api-key\"] = \"{DEMO_KEY}\"\nwrk.headers[\"origin\"] = \"{DEMO_ORIGIN}\"\nwrk.headers[\"user-agent\"] = \"pavise-bench\"\n"
        );
        match self {
            Workload::SmallGet => format!("{common}wrk.method = \"GET\"\nwrk.path = \"/api/orders\"\n"),
            Workload::QueryGet => format!(
                "{common}wrk.method = \"GET\"\nwrk.path = \"{QUERY_PATH}\"\n"
            ),
            Workload::PostJson16k => format!(
                "{common}wrk.method = \"POST\"\nwrk.path = \"/api/orders\"\nwrk.headers[\"content-type\"] = \"application/json\"\nwrk.body = [[{}]]\n",
                json_body_16k()
            ),
            // The two requests are formatted on first use, after wrk's init has added the Host
            // header (formatted at load time they lack it, and Envoy answers 400 to all).
            Workload::Mixed => format!(
                "{common}wrk.method = \"GET\"\nwrk.path = \"/api/orders\"\nlocal n = 0\nlocal with_key, without_key\nrequest = function()\n  if not with_key then\n    with_key = wrk.format()\n    local key = wrk.headers[\"x-api-key\"]\n    wrk.headers[\"x-api-key\"] = nil\n    without_key = wrk.format()\n    wrk.headers[\"x-api-key\"] = key\n  end\n  n = n + 1\n  if n % 2 == 0 then return without_key end\n  return with_key\nend\n"
            ),
        }
    }
}

/// A realistic order document of exactly 16 KiB: nested objects, strings, numbers.
pub fn json_body_16k() -> String {
    let mut items = Vec::new();
    let mut i = 0;
    loop {
        let item = format!(
            r#"{{"sku":"SKU-{i:05}","name":"Trail running shoe, size {}","qty":{},"price":{}.99,"notes":"gift wrap, deliver after 5pm","tags":["sport","outdoor","sale"]}}"#,
            36 + i % 10,
            1 + i % 3,
            20 + i % 80
        );
        items.push(item);
        i += 1;
        let doc = format!(
            r#"{{"customer":{{"id":"C-1042","email":"jane.doe@example.com","address":{{"street":"1 Main St","city":"Springfield","zip":"12345"}}}},"items":[{}],"comment":""}}"#,
            items.join(",")
        );
        if doc.len() >= 16 * 1024 - 200 {
            let pad = 16 * 1024 - doc.len();
            return doc.replacen(
                r#""comment":"""#,
                &format!(r#""comment":"{}""#, "x".repeat(pad)),
                1,
            );
        }
    }
}

/// What one wrk run measured.
#[derive(Debug, Clone, Default)]
pub struct WrkResult {
    pub rps: f64,
    pub p50_us: f64,
    pub p99_us: f64,
    pub requests: u64,
    pub non_2xx: u64,
    pub errors: u64,
    /// CPU time Envoy's threads spent during the run (ns), from `/proc/<pid>/task/*/schedstat`;
    /// 0 where that file is not available.
    pub envoy_cpu_ns: u64,
    /// The run's wall-clock length in seconds.
    pub seconds: f64,
}

impl WrkResult {
    /// Envoy's CPU time per request (µs): its own cost, whatever the load generator's limits.
    pub fn envoy_cpu_us_per_request(&self) -> Option<f64> {
        (self.envoy_cpu_ns > 0 && self.requests > 0)
            .then(|| self.envoy_cpu_ns as f64 / 1000.0 / self.requests as f64)
    }

    /// The share of one CPU Envoy used during the run: near 1.0 when Envoy is the bottleneck.
    pub fn envoy_busy(&self) -> Option<f64> {
        (self.envoy_cpu_ns > 0 && self.seconds > 0.0)
            .then(|| self.envoy_cpu_ns as f64 / 1e9 / self.seconds)
    }
}

fn to_us(value: &str) -> Option<f64> {
    let (num, unit) = value.split_at(value.find(|c: char| c.is_ascii_alphabetic())?);
    let n: f64 = num.parse().ok()?;
    Some(match unit {
        "us" => n,
        "ms" => n * 1000.0,
        "s" => n * 1_000_000.0,
        _ => return None,
    })
}

/// Parses wrk's `--latency` output.
pub fn parse_wrk(out: &str) -> WrkResult {
    let mut r = WrkResult::default();
    for line in out.lines() {
        let t = line.trim();
        let words: Vec<&str> = t.split_whitespace().collect();
        match words.as_slice() {
            ["Requests/sec:", v] => r.rps = v.parse().unwrap_or(0.0),
            ["50%", v] => r.p50_us = to_us(v).unwrap_or(0.0),
            ["99%", v] => r.p99_us = to_us(v).unwrap_or(0.0),
            [n, "requests", "in", ..] => r.requests = n.parse().unwrap_or(0),
            ["Non-2xx", "or", "3xx", "responses:", n] => r.non_2xx = n.parse().unwrap_or(0),
            ["Socket", "errors:", rest @ ..] => {
                r.errors = rest
                    .iter()
                    .filter_map(|w| w.trim_end_matches(',').parse::<u64>().ok())
                    .sum();
            }
            _ => {}
        }
    }
    r
}

/// Runs wrk (1 thread, `connections`, `seconds`) against `addr` with `workload`, pinned to `cpu`.
pub fn run_wrk(
    addr: SocketAddr,
    workload: Workload,
    seconds: u32,
    connections: u32,
    cpu: Option<usize>,
    scratch: &Path,
) -> WrkResult {
    let script = scratch.join(format!("{}.lua", workload.key()));
    if !script.exists() {
        let _ = std::fs::write(&script, workload.lua());
    }
    let mut cmd = match cpu {
        Some(c) => {
            let mut c_cmd = Command::new("taskset");
            c_cmd.args(["-c", &c.to_string(), "wrk"]);
            c_cmd
        }
        None => Command::new("wrk"),
    };
    cmd.args([
        "-t1",
        &format!("-c{connections}"),
        &format!("-d{seconds}s"),
        "--latency",
        "-s",
    ])
    .arg(&script)
    .arg(format!("http://{addr}"));
    match cmd.output() {
        Ok(o) => parse_wrk(&String::from_utf8_lossy(&o.stdout)),
        Err(e) => {
            eprintln!("pavise-bench: cannot run wrk: {e}");
            WrkResult::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_wrk_output() {
        let out = "Running 2s test @ http://127.0.0.1:18090/\n  1 threads and 8 connections\n  Latency Distribution\n     50%  335.00us\n     75%  373.00us\n     90%  403.00us\n     99%    1.49ms\n  49814 requests in 2.10s, 5.61MB read\n  Non-2xx or 3xx responses: 12\nRequests/sec:  23725.13\n";
        let r = parse_wrk(out);
        assert_eq!(r.rps, 23725.13);
        assert_eq!(r.p50_us, 335.0);
        assert_eq!(r.p99_us, 1490.0);
        assert_eq!(r.requests, 49814);
        assert_eq!(r.non_2xx, 12);
    }

    #[test]
    fn body_is_16_kib_of_json() {
        let b = json_body_16k();
        assert_eq!(b.len(), 16 * 1024);
        assert!(serde_json::from_str::<serde_json::Value>(&b).is_ok());
    }
}
