//! `--instructions N`: how many instructions Envoy executes per request, counted by valgrind's
//! callgrind, for each config and workload.
//!
//! Throughput on a shared VM moves by several µs per request between identical configs; an
//! instruction count does not (repeated runs of one config agree within about 2%), so small
//! differences between configs and between builds can be told apart. It is not time: a cache
//! miss costs no instructions, and the count says nothing of latency. Each config runs in its
//! own Envoy under callgrind, one at a time; its first requests (compiling and warming the
//! modules) are not counted, then `N` requests of each workload are sent one after another on
//! one connection, the counters zeroed before and dumped after.
//!
//! Each count is split by where the instructions ran: code V8 generated at run time (our
//! modules compiled from Wasm, and V8's small per-signature call wrappers), and everything else
//! (Envoy and V8's runtime, including the host side of every host call, and libc). The first
//! part is what our code costs in the VM; the second is what the host spends on our behalf.

use crate::configs::{envoy_yaml, BenchConfig, DEMO_KEY, DEMO_ORIGIN};
use crate::workload::{json_body_16k, Workload};
use pavise_tests::envoy::{Envoy, TempDir};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Requests sent before counting: the modules are compiled and every code path warmed.
const WARM_UP: usize = 200;
/// How long Envoy may take to start under callgrind (it runs about 50 times slower). V8
/// compiles the combined module at start: on this shared 2-core machine under load that took
/// over 300 s.
const START_LIMIT: Duration = Duration::from_secs(1200);

/// One config and workload, counted.
#[derive(Debug, Clone)]
pub struct Count {
    pub config: String,
    pub workload: Workload,
    pub requests: usize,
    /// Responses by status.
    pub statuses: BTreeMap<u16, usize>,
    /// Instructions per request, all of Envoy's threads.
    pub per_request: f64,
    /// Of which in code V8 generated at run time (our Wasm, compiled).
    pub generated: f64,
}

/// Whether valgrind's callgrind can be run here.
pub fn available() -> bool {
    Command::new("valgrind")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
        && Command::new("callgrind_control").arg("-h").output().is_ok()
}

/// Counts every config on every workload, one config at a time.
pub fn count_all(
    configs: &[BenchConfig],
    workloads: &[Workload],
    requests: usize,
    upstream: SocketAddr,
    audit_sink: SocketAddr,
) -> Vec<Count> {
    let mut counts = Vec::new();
    for config in configs {
        let scratch = TempDir::new("pavise-callgrind");
        let out = scratch.0.join("callgrind.out");
        let launcher = [
            "valgrind".to_string(),
            "--tool=callgrind".to_string(),
            // V8 writes and patches its code at run time.
            "--smc-check=all".to_string(),
            format!("--callgrind-out-file={}", out.display()),
        ];
        let started = Instant::now();
        let envoy = Envoy::try_start_under(
            &launcher,
            START_LIMIT,
            &envoy_yaml(config, upstream, audit_sink),
            &[],
        )
        .unwrap_or_else(|f| {
            panic!(
                "{}: Envoy did not start under callgrind (exit {:?}):\n{}",
                config.name, f.exit_code, f.log
            )
        });
        for (dump, &workload) in workloads.iter().enumerate() {
            let reqs = requests_for(workload);
            send(envoy.listener, &reqs, WARM_UP);
            callgrind_control("-z", envoy.pid());
            let statuses = send(envoy.listener, &reqs, requests);
            callgrind_control("-d", envoy.pid());
            let file = PathBuf::from(format!("{}.{}", out.display(), dump + 1));
            let (total, generated) = wait_for_dump(&file);
            let count = Count {
                config: config.name.clone(),
                workload,
                requests,
                statuses,
                per_request: total as f64 / requests as f64,
                generated: generated as f64 / requests as f64,
            };
            println!(
                "{:<28} {:<22} {:>9.0} instructions/request ({:>7.0} in generated code)  {:?}  [{:.0} s]",
                count.config,
                workload.as_str(),
                count.per_request,
                count.generated,
                count.statuses,
                started.elapsed().as_secs_f64()
            );
            counts.push(count);
        }
        drop(envoy);
    }
    counts
}

fn callgrind_control(flag: &str, pid: u32) {
    let status = Command::new("callgrind_control")
        .args([flag, &pid.to_string()])
        .output()
        .map(|o| o.status.success());
    assert!(
        matches!(status, Ok(true)),
        "callgrind_control {flag} {pid} failed: {status:?}"
    );
}

/// Reads a dump once callgrind has finished writing it: (total, in generated code).
fn wait_for_dump(file: &Path) -> (u64, u64) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Ok(text) = std::fs::read_to_string(file) {
            if text.lines().any(|l| l.starts_with("totals:")) {
                return split_costs(&text);
            }
        }
        assert!(
            Instant::now() < deadline,
            "no complete callgrind dump at {}",
            file.display()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Total instructions of a callgrind dump, and those in code outside any mapped file at an
/// address above 4 GiB (where V8 puts the code it generates; Envoy's own code, V8's builtins
/// and the shared libraries are mapped from files, low in the address space). Each function's
/// own cost lines are summed; the line after a `calls=` is the callee's inclusive cost, counted
/// already where the callee's own lines are.
pub fn split_costs(text: &str) -> (u64, u64) {
    let mut names: BTreeMap<(char, String), String> = BTreeMap::new();
    let mut resolve = |kind: char, rest: &str| -> String {
        let rest = rest.trim();
        match rest.strip_prefix('(').and_then(|r| r.split_once(')')) {
            Some((id, name)) => {
                let name = name.trim();
                if name.is_empty() {
                    names
                        .get(&(kind, id.to_string()))
                        .cloned()
                        .unwrap_or_default()
                } else {
                    names.insert((kind, id.to_string()), name.to_string());
                    name.to_string()
                }
            }
            None => rest.to_string(),
        }
    };
    let (mut object, mut function) = (String::new(), String::new());
    let mut after_calls = false;
    let (mut total, mut generated) = (0u64, 0u64);
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("ob=") {
            object = resolve('o', rest);
        } else if let Some(rest) = line.strip_prefix("fn=") {
            function = resolve('f', rest);
            after_calls = false;
        } else if let Some(rest) = line.strip_prefix("cob=") {
            resolve('o', rest);
        } else if let Some(rest) = line.strip_prefix("cfn=") {
            resolve('f', rest);
        } else if line.starts_with("calls=") {
            after_calls = true;
        } else if line.starts_with(|c: char| c.is_ascii_digit() || "+-*".contains(c)) {
            let mut parts = line.split_whitespace();
            let cost = parts.nth(1).and_then(|c| c.parse::<u64>().ok());
            if let Some(cost) = cost {
                if after_calls {
                    after_calls = false;
                    continue;
                }
                total += cost;
                if is_generated(&object, &function) {
                    generated += cost;
                }
            }
        }
    }
    (total, generated)
}

fn is_generated(object: &str, function: &str) -> bool {
    object == "???"
        && function
            .strip_prefix("0x")
            .map(|hex| hex.split('\'').next().unwrap_or(hex))
            .and_then(|hex| u64::from_str_radix(hex, 16).ok())
            .is_some_and(|address| address >= 1 << 32)
}

/// The request bytes of a workload, sent in turn (the mix alternates two).
fn requests_for(workload: Workload) -> Vec<Vec<u8>> {
    let head = |method: &str, path: &str, key: bool, extra: &str| -> Vec<u8> {
        let key = if key {
            format!("x-api-key: {DEMO_KEY}\r\n")
        } else {
            String::new()
        };
        format!(
            "{method} {path} HTTP/1.1\r\nhost: 127.0.0.1\r\n{key}origin: {DEMO_ORIGIN}\r\nuser-agent: pavise-bench\r\n{extra}\r\n"
        )
        .into_bytes()
    };
    match workload {
        Workload::SmallGet => vec![head("GET", "/api/orders", true, "")],
        Workload::QueryGet => vec![head("GET", crate::workload::QUERY_PATH, true, "")],
        Workload::PostJson16k => {
            let body = json_body_16k();
            let mut r = head(
                "POST",
                "/api/orders",
                true,
                &format!(
                    "content-type: application/json\r\ncontent-length: {}\r\n",
                    body.len()
                ),
            );
            r.extend_from_slice(body.as_bytes());
            vec![r]
        }
        Workload::Mixed => vec![
            head("GET", "/api/orders", true, ""),
            head("GET", "/api/orders", false, ""),
        ],
    }
}

/// Sends `n` requests one after another on one connection; the responses' statuses.
fn send(addr: SocketAddr, requests: &[Vec<u8>], n: usize) -> BTreeMap<u16, usize> {
    let mut statuses = BTreeMap::new();
    let mut stream = TcpStream::connect(addr).expect("connect to Envoy");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("read timeout");
    let mut buffered: Vec<u8> = Vec::new();
    for i in 0..n {
        let request = &requests[i % requests.len()];
        stream.write_all(request).expect("send a request");
        let status = read_response(&mut stream, &mut buffered);
        *statuses.entry(status).or_default() += 1;
    }
    statuses
}

/// Reads one response with a `content-length` (Envoy's and the upstream's all have one) and
/// returns its status; bytes past it stay in `buffered`.
fn read_response(stream: &mut TcpStream, buffered: &mut Vec<u8>) -> u16 {
    let mut chunk = [0u8; 65536];
    loop {
        if let Some(end) = buffered.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffered[..end]).to_ascii_lowercase();
            let status: u16 = head
                .split_whitespace()
                .nth(1)
                .and_then(|s| s.parse().ok())
                .expect("a status line");
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            let whole = end + 4 + length;
            if buffered.len() >= whole {
                buffered.drain(..whole);
                return status;
            }
        }
        let read = stream.read(&mut chunk).expect("read a response");
        assert!(read > 0, "Envoy closed the connection");
        buffered.extend_from_slice(&chunk[..read]);
    }
}

/// Writes `BENCHMARKS.md` and `results.json` into `dir`.
pub fn write_report(counts: &[Count], dir: &Path, command: &str) {
    std::fs::create_dir_all(dir).expect("create the report directory");
    let mut md = String::from("# Instructions per request\n\n");
    md.push_str(&format!(
        "Envoy's instructions per request under valgrind's callgrind (all threads), after {WARM_UP} warm-up requests, {} requests per workload on one connection. Generated code: what V8 compiled at run time, our modules' Wasm (and V8's small call wrappers); the rest is Envoy and V8's runtime, the host side of every host call included. See `bench/src/instructions.rs`.\n\n",
        counts.first().map_or(0, |c| c.requests)
    ));
    md.push_str(&format!(
        "Command: `{command}`. Date: {}. Machine: {}, valgrind {}.\n",
        crate::report::command_output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        crate::report::cpu_model(),
        crate::report::command_output("valgrind", &["--version"]),
    ));
    let mut workloads: Vec<Workload> = Vec::new();
    for c in counts {
        if !workloads.contains(&c.workload) {
            workloads.push(c.workload);
        }
    }
    for workload in workloads {
        let rows: Vec<&Count> = counts.iter().filter(|c| c.workload == workload).collect();
        let bare = rows
            .iter()
            .find(|c| c.config == "bare")
            .map(|c| c.per_request);
        md.push_str(&format!(
            "\n## {}\n\n| config | instructions/request | over bare | in generated code | responses |\n|---|---:|---:|---:|---|\n",
            workload.as_str()
        ));
        for c in rows {
            let over = bare.map_or("—".to_string(), |b| format!("{:+.0}", c.per_request - b));
            let statuses = c
                .statuses
                .iter()
                .map(|(s, n)| format!("{s}: {n}"))
                .collect::<Vec<_>>()
                .join(", ");
            md.push_str(&format!(
                "| {} | {:.0} | {over} | {:.0} | {statuses} |\n",
                c.config, c.per_request, c.generated
            ));
        }
    }
    std::fs::write(dir.join("BENCHMARKS.md"), md).expect("write BENCHMARKS.md");
    let json: Vec<serde_json::Value> = counts
        .iter()
        .map(|c| {
            serde_json::json!({
                "config": c.config,
                "workload": c.workload.key(),
                "requests": c.requests,
                "statuses": c.statuses,
                "instructions_per_request": c.per_request.round(),
                "in_generated_code": c.generated.round(),
            })
        })
        .collect();
    std::fs::write(
        dir.join("results.json"),
        serde_json::to_string_pretty(&json).expect("serialise") + "\n",
    )
    .expect("write results.json");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A dump in callgrind's format: compressed names, a call's inclusive line skipped.
    #[test]
    fn costs_are_split_by_where_they_ran() {
        let dump = "\
version: 1
events: Ir
ob=(1) /usr/bin/envoy
fl=(1) ???
fn=(1) 0x0000000002566150
0 100
+3 20
cob=(2) ???
cfn=(2) 0x000013768f6dc068
calls=1 0
0 500
ob=(2)
fn=(2)
0 450
fn=(3) 0x000000000628d840
0 7
totals: 577
";
        assert_eq!(split_costs(dump), (577, 450));
    }

    #[test]
    fn every_workload_has_requests_that_end_their_head() {
        for w in Workload::ALL {
            for r in requests_for(w) {
                let text = String::from_utf8_lossy(&r);
                assert!(text.contains("\r\n\r\n"), "{w:?}");
                if w == Workload::PostJson16k {
                    assert!(text.contains(&format!("content-length: {}", json_body_16k().len())));
                }
            }
        }
    }
}
