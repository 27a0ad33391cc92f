//! `pavise-bench` (`make bench`): throughput and latency of Envoy with each Pavise filter, the
//! Pavise chain and the combined filter (as `.wasm` modules and from the native module) and
//! Envoy's own equivalents, against bare Envoy, measured in one run.
//!
//! Every config runs in its own Envoy (one worker), all started up front in front of the same
//! upstream. Envoy is pinned to CPU 0, wrk and the upstream to CPU 1, so the worker has a core of
//! its own and throughput measures the proxy. Each round runs every workload against every
//! config in a shuffled order, so drift of the machine hits all configs alike; the report takes
//! the median over rounds. Results: `BENCHMARKS.md` and `bench/results.json`.
//!
//! Usage: `pavise-bench [--seconds N] [--rounds N] [--connections N] [--only a,b]
//! [--workloads small_get,...] [--probe NAME=OPS ...] [--combined NAME=STAGE+STAGE ...]
//! [--out DIR]` (`$PAVISE_WASM_DIR` and `$PAVISE_NATIVE_MODULE` measure modules from another
//! build). `--probe` adds a config running the host-call probe (`bench/probe`) with the
//! operations `OPS`, to price host calls beside the calibration filter. `--combined` adds the
//! combined module with only the named stages of its example policy (e.g. `auth=auth`), to
//! price each stage inside one module.
//! `--compare LABEL=DIR` also runs every Pavise config with the modules in `DIR` (say, a copy of
//! the build before a change), named `<config>@LABEL`, so a change is measured in one run.

// A benchmark driver: a failed start is a failed run.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod configs;
mod instructions;
mod report;
mod workload;

use configs::{all_configs, envoy_yaml, BenchConfig};
use pavise_tests::envoy::Envoy;
use pavise_tests::process::{spawn_until_line, Child};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::process::Command;
use std::time::Duration;
use workload::{run_wrk, Workload, WrkResult};

#[derive(Debug, Clone)]
pub struct Options {
    pub seconds: u32,
    pub rounds: u32,
    pub connections: u32,
    pub only: Option<Vec<String>>,
    /// Workload keys to run (default: all).
    pub workloads: Option<Vec<String>>,
    /// Extra host-call probe configs: (name, operations).
    pub probes: Vec<(String, String)>,
    /// Extra configs of the combined module with some of its stages: (name, stages).
    pub combined_parts: Vec<(String, Vec<String>)>,
    /// Another build's modules to measure beside this one's: (label, directory).
    pub compare: Option<(String, std::path::PathBuf)>,
    /// Where BENCHMARKS.md and results.json go; default: the repository (results in bench/).
    pub out: Option<std::path::PathBuf>,
    /// Count instructions per request under callgrind (this many requests per workload)
    /// instead of measuring throughput.
    pub instructions: Option<usize>,
}

fn parse_args() -> Options {
    let mut o = Options {
        seconds: 3,
        rounds: 3,
        connections: 16,
        only: None,
        workloads: None,
        probes: Vec::new(),
        combined_parts: Vec::new(),
        compare: None,
        out: None,
        instructions: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut num = |name: &str| -> u32 {
            args.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{name} takes a number"))
        };
        match a.as_str() {
            "--seconds" => o.seconds = num("--seconds"),
            "--rounds" => o.rounds = num("--rounds"),
            "--connections" => o.connections = num("--connections"),
            "--out" => o.out = args.next().map(std::path::PathBuf::from),
            "--instructions" => o.instructions = Some(num("--instructions") as usize),
            "--only" => {
                o.only = args
                    .next()
                    .map(|v| v.split(',').map(str::to_string).collect())
            }
            "--workloads" => {
                o.workloads = args
                    .next()
                    .map(|v| v.split(',').map(str::to_string).collect())
            }
            "--probe" => {
                let spec = args.next().unwrap_or_default();
                let (name, ops) = spec
                    .split_once('=')
                    .unwrap_or_else(|| panic!("--probe takes NAME=OPS, got {spec:?}"));
                o.probes.push((format!("probe-{name}"), ops.to_string()));
            }
            "--combined" => {
                let spec = args.next().unwrap_or_default();
                let (name, stages) = spec
                    .split_once('=')
                    .unwrap_or_else(|| panic!("--combined takes NAME=STAGE+STAGE, got {spec:?}"));
                o.combined_parts.push((
                    format!("combined-{name}"),
                    stages.split('+').map(str::to_string).collect(),
                ));
            }
            "--compare" => {
                let spec = args.next().unwrap_or_default();
                let (label, dir) = spec
                    .split_once('=')
                    .unwrap_or_else(|| panic!("--compare takes LABEL=DIR, got {spec:?}"));
                o.compare = Some((label.to_string(), dir.into()));
            }
            "-h" | "--help" => {
                println!(
                    "usage: pavise-bench [--seconds N] [--rounds N] [--connections N] [--only a,b] [--workloads a,b] [--probe NAME=OPS ...] [--combined NAME=STAGE+STAGE ...] [--compare LABEL=DIR] [--instructions N] [--out DIR]"
                );
                std::process::exit(0);
            }
            other => panic!("unknown argument {other}; see --help"),
        }
    }
    o
}

/// CPU for Envoy and CPU for the load generator and upstream, when there are two.
fn cpus() -> (Option<usize>, Option<usize>) {
    let n = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    if n >= 2 && Command::new("taskset").arg("-V").output().is_ok() {
        (Some(0), Some(1))
    } else {
        (None, None)
    }
}

fn pin(pid: u32, cpu: Option<usize>) {
    if let Some(c) = cpu {
        let _ = Command::new("taskset")
            .args(["-a", "-p", "-c", &c.to_string(), &pid.to_string()])
            .output();
    }
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// CPU time (ns) used so far by all threads of `pid`, from the scheduler's per-task statistics.
fn cpu_ns(pid: u32) -> u64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0;
    };
    tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| {
            s.split_whitespace()
                .next()
                .and_then(|v| v.parse::<u64>().ok())
        })
        .sum()
}

/// A small deterministic shuffle (xorshift), so each round's order differs.
fn shuffled<T: Clone>(items: &[T], seed: u64) -> Vec<T> {
    let mut v = items.to_vec();
    let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    for i in (1..v.len()).rev() {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        let j = (s % (i as u64 + 1)) as usize;
        v.swap(i, j);
    }
    v
}

pub struct Measured {
    pub config: BenchConfig,
    pub rss_idle_kib: u64,
    pub rss_kib: u64,
    /// The audit HTTP sink's totals at the end (sent, dropped), where the config audits.
    pub audit_sink: Option<(u64, u64)>,
    pub runs: BTreeMap<&'static str, Vec<WrkResult>>,
}

fn main() {
    let opts = parse_args();
    let (envoy_cpu, load_cpu) = cpus();
    let scratch = pavise_tests::envoy::TempDir::new("pavise-bench");

    let mut cmd = Command::new(pavise_tests::own_binary("pavise-bench-upstream"));
    cmd.arg("127.0.0.1:0");
    let (upstream, line): (Child, String) = spawn_until_line(
        "pavise-bench-upstream",
        cmd,
        |l| l.starts_with("listening on "),
        Duration::from_secs(10),
    );
    pin(upstream.id(), load_cpu);
    let upstream_addr: SocketAddr = line.trim_start_matches("listening on ").parse().unwrap();
    // The audit filter's example policy ships events to the `audit_sink` cluster: give it a
    // receiver, as a deployment would, on the load generator's CPU.
    let sink = pavise_tests::envoy::Sink::start("127.0.0.1:0", &scratch.0.join("audit.jsonl"));
    pin(sink.pid(), load_cpu);

    let mut configs = all_configs();
    if !configs
        .iter()
        .any(|c| c.family == configs::Family::PaviseNative)
    {
        println!(
            "pavise-bench: no native module at {}: the pavise-native-* configs are left out (make build builds it)",
            pavise_tests::native_module_file().display()
        );
    }
    if let Some(only) = &opts.only {
        configs.retain(|c| {
            c.name == "bare" || c.name == "calibration-trivial" || only.contains(&c.name)
        });
    }
    for (name, ops) in &opts.probes {
        configs.push(configs::probe_config(name, ops));
    }
    if let Some((label, dir)) = &opts.compare {
        assert!(
            dir.join("pavise_auth.wasm").exists(),
            "--compare {label}={}: no Pavise modules there",
            dir.display()
        );
        let extra = configs::with_modules_from(&configs, label, dir);
        configs.extend(extra);
    }
    for (name, stages) in &opts.combined_parts {
        let stages: Vec<&str> = stages.iter().map(String::as_str).collect();
        configs.push(
            configs::combined_part_config(name, &stages).unwrap_or_else(|| {
                panic!("--combined {name}: no combined module, or a stage not in its example policy: {stages:?}")
            }),
        );
    }
    let workloads: Vec<Workload> = Workload::ALL
        .into_iter()
        .filter(|w| {
            opts.workloads
                .as_ref()
                .is_none_or(|keep| keep.iter().any(|k| k == w.key()))
        })
        .collect();
    if let Some(requests) = opts.instructions {
        assert!(
            instructions::available(),
            "--instructions needs valgrind (callgrind and callgrind_control): make bench-deps installs it"
        );
        let counts =
            instructions::count_all(&configs, &workloads, requests, upstream_addr, sink.addr);
        let dir = opts
            .out
            .clone()
            .unwrap_or_else(|| pavise_tests::workspace_root().join("bench/instructions"));
        // As typed: arguments with blanks quoted, and another build's modules named.
        let modules = std::env::var("PAVISE_WASM_DIR")
            .map(|d| format!("PAVISE_WASM_DIR={d} "))
            .unwrap_or_default();
        let args = std::env::args()
            .skip(1)
            .map(|a| {
                if a.contains(' ') {
                    format!("\"{a}\"")
                } else {
                    a
                }
            })
            .collect::<Vec<_>>()
            .join(" ");
        let command = format!("{modules}pavise-bench {args}");
        instructions::write_report(&counts, &dir, &command);
        println!("wrote {}", dir.join("BENCHMARKS.md").display());
        drop(upstream);
        return;
    }
    println!(
        "pavise-bench: {} configs, {} workloads, {} rounds of {} s each",
        configs.len(),
        workloads.len(),
        opts.rounds,
        opts.seconds
    );

    let mut envoys: Vec<(Envoy, Measured)> = configs
        .iter()
        .map(|c| {
            let envoy = Envoy::start(&envoy_yaml(c, upstream_addr, sink.addr), &[]);
            pin(envoy.pid(), envoy_cpu);
            let idle = rss_kib(envoy.pid());
            let m = Measured {
                config: c.clone(),
                rss_idle_kib: idle,
                rss_kib: 0,
                audit_sink: None,
                runs: BTreeMap::new(),
            };
            (envoy, m)
        })
        .collect();

    for round in 0..opts.rounds {
        for &workload in &workloads {
            let order = shuffled(
                &(0..envoys.len()).collect::<Vec<_>>(),
                u64::from(round) * 31 + workload as u64 + 1,
            );
            for i in order {
                let (envoy, m) = &mut envoys[i];
                let cpu_before = cpu_ns(envoy.pid());
                let started = std::time::Instant::now();
                let mut r = run_wrk(
                    envoy.listener,
                    workload,
                    opts.seconds,
                    opts.connections,
                    load_cpu,
                    &scratch.0,
                );
                r.seconds = started.elapsed().as_secs_f64();
                r.envoy_cpu_ns = cpu_ns(envoy.pid()).saturating_sub(cpu_before);
                println!(
                    "round {} {:<22} {:<24} {:>9.0} req/s  p50 {:>7.0} us  p99 {:>7.0} us  Envoy {:>5.1} us/req CPU{}",
                    round + 1,
                    m.config.name,
                    workload.as_str(),
                    r.rps,
                    r.p50_us,
                    r.p99_us,
                    r.envoy_cpu_us_per_request().unwrap_or(0.0),
                    if workload.all_allowed() && r.non_2xx > 0 {
                        format!("  ({} non-2xx!)", r.non_2xx)
                    } else {
                        String::new()
                    }
                );
                m.runs.entry(workload.key()).or_default().push(r);
            }
        }
    }
    for (envoy, m) in &mut envoys {
        m.rss_kib = rss_kib(envoy.pid());
        if m.config.audits() {
            // Let the last batches go out before reading the totals.
            std::thread::sleep(Duration::from_millis(1500));
            m.audit_sink = Some((
                envoy.counter("pavise_audit_sink_sent_total"),
                envoy.counter("pavise_audit_sink_dropped_total"),
            ));
        }
    }
    let measured: Vec<Measured> = envoys.into_iter().map(|(_, m)| m).collect();
    report::write(&opts, &measured, envoy_cpu.is_some());
    drop(upstream);
}
