//! Turning the runs into `BENCHMARKS.md` (tables) and `bench/results.json` (raw numbers).

use crate::configs::Family;
use crate::workload::{Workload, WrkResult};
use crate::{Measured, Options};
use pavise_tests::workspace_root;
use serde_json::json;
use std::fmt::Write as _;

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let mid = v.len() / 2;
    if v.len() % 2 == 0 {
        (v[mid - 1] + v[mid]) / 2.0
    } else {
        v[mid]
    }
}

struct Summary {
    rps: f64,
    p50: f64,
    p99: f64,
    /// Envoy's CPU time per request (µs); 0 if not measured.
    cpu_us: f64,
    /// The share of its CPU Envoy used; 0 if not measured.
    busy: f64,
    bad: u64,
    /// Whether the workload ran against this config at all (`--workloads`).
    ran: bool,
}

fn summarise(runs: Option<&Vec<WrkResult>>, all_allowed: bool) -> Summary {
    let runs = runs.cloned().unwrap_or_default();
    Summary {
        rps: median(runs.iter().map(|r| r.rps).collect()),
        p50: median(runs.iter().map(|r| r.p50_us).collect()),
        p99: median(runs.iter().map(|r| r.p99_us).collect()),
        cpu_us: median(
            runs.iter()
                .filter_map(WrkResult::envoy_cpu_us_per_request)
                .collect(),
        ),
        busy: median(runs.iter().filter_map(WrkResult::envoy_busy).collect()),
        ran: !runs.is_empty(),
        bad: runs
            .iter()
            .map(|r| r.errors + if all_allowed { r.non_2xx } else { 0 })
            .sum(),
    }
}

pub fn command_output(cmd: &str, args: &[&str]) -> String {
    std::process::Command::new(cmd)
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

/// The targets of the benchmark issue, checked against this run.
fn targets(
    measured: &[Measured],
    ratio: impl Fn(&str, Workload) -> Option<f64>,
) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for m in measured
        .iter()
        .filter(|m| m.config.family == Family::Pavise)
    {
        let name = &m.config.name;
        let Some(r) = ratio(name, Workload::SmallGet) else {
            continue;
        };
        // `<config>@<label>` is the same config with another build's modules (`--compare`).
        let (goal, what, floor) = match name.split('@').next().unwrap_or(name) {
            "pavise-chain" => (
                0.65,
                "the chain of separate filters keeps ≥ 65%",
                "calibration-trivial-x4-vms",
            ),
            "pavise-combined" => (
                0.85,
                "the combined module keeps ≥ 85%",
                "calibration-trivial",
            ),
            _ => (0.85, "alone keeps ≥ 85%", "calibration-trivial"),
        };
        // What the same number of filters that only read one header keep in this run: the
        // host's floor under the target.
        let floor_note = ratio(floor, Workload::SmallGet)
            .map(|f| format!(" (`{floor}`, doing nothing: {:.0}%)", f * 100.0))
            .unwrap_or_default();
        out.push((
            format!(
                "{name}: {what} of bare Envoy on the small GET: {:.0}%{floor_note}",
                r * 100.0
            ),
            r >= goal,
        ));
    }
    out.extend(native_targets(measured, &ratio));
    out
}

/// The native module's targets (issue 16): each filter alone keeps ≥ 95% of bare Envoy on the
/// small GET, the chain of four ≥ 90%, the screening filter ≥ 85% on the POST with a 16 KiB
/// JSON body, and Envoy with the native chain stays within 10 MiB of bare Envoy's memory.
fn native_targets(
    measured: &[Measured],
    ratio: &impl Fn(&str, Workload) -> Option<f64>,
) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let percent = |r: f64| format!("{:.0}%", r * 100.0);
    for m in measured
        .iter()
        .filter(|m| m.config.family == Family::PaviseNative)
    {
        let name = &m.config.name;
        let goal = match name.as_str() {
            "pavise-native-chain" => Some((0.90, "the native chain of four keeps ≥ 90%")),
            // The combined filter has no target of its own: it is measured to compare.
            "pavise-native-combined" => None,
            _ => Some((0.95, "alone keeps ≥ 95%")),
        };
        if let (Some((goal, what)), Some(r)) = (goal, ratio(name, Workload::SmallGet)) {
            out.push((
                format!(
                    "{name}: {what} of bare Envoy on the small GET: {}",
                    percent(r)
                ),
                r >= goal,
            ));
        }
        if name == "pavise-native-screen" {
            if let Some(r) = ratio(name, Workload::PostJson16k) {
                out.push((
                    format!(
                        "{name}: keeps ≥ 85% of bare Envoy on the POST with a 16 KiB JSON body: {}",
                        percent(r)
                    ),
                    r >= 0.85,
                ));
            }
        }
    }
    let rss = |name: &str| {
        measured
            .iter()
            .find(|m| m.config.name == name)
            .map(|m| m.rss_kib as f64 / 1024.0)
    };
    if let (Some(chain), Some(bare)) = (rss("pavise-native-chain"), rss("bare")) {
        out.push((
            format!(
                "pavise-native-chain: Envoy's memory after load at most 10 MiB over bare Envoy's: {:+.1} MiB",
                chain - bare
            ),
            chain - bare <= 10.0,
        ));
    }
    out
}

/// `| config | <workload> | … |` and its separator row.
fn workload_table_header(md: &mut String) {
    let _ = write!(md, "| config |");
    for w in Workload::ALL {
        let _ = write!(md, " {} |", w.as_str());
    }
    let _ = write!(md, "\n|---|");
    for _ in Workload::ALL {
        let _ = write!(md, "---|");
    }
    let _ = writeln!(md);
}

/// Envoy's own CPU time per request, which does not depend on whether Envoy or the load
/// generator limited the throughput, and how busy Envoy's CPU was (near 100%: Envoy was the
/// bottleneck, so the throughput ratios measure it).
fn envoy_cpu_table(md: &mut String, measured: &[Measured]) {
    if !measured.iter().any(|m| {
        m.runs
            .values()
            .flatten()
            .any(|r| r.envoy_cpu_us_per_request().is_some())
    }) {
        return;
    }
    let _ = writeln!(
        md,
        "## Envoy's CPU per request (µs, and how busy its CPU was)\n\nThe CPU time of all Envoy's threads during each run (from `/proc/<pid>/task/*/schedstat`), divided by the requests served: Envoy's own cost per request, over bare Envoy's in brackets.\n"
    );
    workload_table_header(md);
    let bare = measured.iter().find(|m| m.config.name == "bare");
    for m in measured {
        let _ = write!(md, "| {} |", m.config.name);
        for w in Workload::ALL {
            let s = summarise(m.runs.get(w.key()), w.all_allowed());
            let b = summarise(bare.and_then(|b| b.runs.get(w.key())), w.all_allowed());
            if !s.ran || s.cpu_us <= 0.0 {
                let _ = write!(md, " — |");
            } else if m.config.name == "bare" {
                let _ = write!(md, " {:.1} ({:.0}% busy) |", s.cpu_us, s.busy * 100.0);
            } else {
                let _ = write!(
                    md,
                    " {:.1} ({:+.1}; {:.0}% busy) |",
                    s.cpu_us,
                    s.cpu_us - b.cpu_us,
                    s.busy * 100.0
                );
            }
        }
        let _ = writeln!(md);
    }
    let _ = writeln!(md);
}

/// Host calls per request of a probe's operations (`edit` is two: a remove and a set).
fn probe_calls(ops: &str) -> u32 {
    ops.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|item| {
            let (name, times) = match item.split_once(" x") {
                Some((n, t)) => (n.trim(), t.trim().parse().unwrap_or(1)),
                None => (item, 1),
            };
            match name {
                "edit" => 2 * times,
                // Not a host call, but priced the same way (per operation).
                _ => times,
            }
        })
        .sum()
}

/// Per-request time of each probe config over the probe with no operations, divided by its host
/// calls: what one call of each kind costs in this Envoy.
fn host_call_prices(md: &mut String, opts: &Options, measured: &[Measured]) {
    // Envoy's own CPU per request where it was measured (steadier than throughput on a shared
    // machine), else the time per request from throughput.
    let us = |name: &str| -> Option<f64> {
        let m = measured.iter().find(|m| m.config.name == name)?;
        let s = summarise(m.runs.get(Workload::SmallGet.key()), true);
        if s.cpu_us > 0.0 {
            Some(s.cpu_us)
        } else {
            (s.rps > 0.0).then(|| 1e6 / s.rps)
        }
    };
    let floor = us("probe-none");
    let _ = writeln!(
        md,
        "\n## Host-call prices (small GET, Envoy CPU µs per request)\n\nEach probe is the calibration filter plus \
         the listed host calls on every request; the price of a call is the probe's Envoy CPU time per request over \
         `probe-none` (the same filter with no calls), divided by its calls. A call made once per request pays what a \
         request's first call of its kind costs; made twenty times, the average is mostly the cheaper repeats.\n"
    );
    let _ = writeln!(
        md,
        "| probe | operations | calls | µs per request | over probe-none | µs per call |"
    );
    let _ = writeln!(md, "|---|---|---:|---:|---:|---:|");
    // Bare Envoy, the calibration filter and any real filter measured in the same run, for
    // comparison with the probes that imitate it.
    for m in measured
        .iter()
        .filter(|m| !m.config.name.starts_with("probe-"))
    {
        let name = &m.config.name;
        if let Some(t) = us(name) {
            let _ = writeln!(md, "| {name} | | | {t:.1} | | |");
        }
    }
    for (name, ops) in &opts.probes {
        let (Some(t), Some(f)) = (us(name), floor) else {
            continue;
        };
        let calls = probe_calls(ops);
        let per_call = if calls > 0 {
            format!("{:.2}", (t - f) / f64::from(calls))
        } else {
            String::new()
        };
        let _ = writeln!(
            md,
            "| {name} | {ops} | {calls} | {t:.1} | {:.1} | {per_call} |",
            t - f
        );
    }
}

pub fn write(opts: &Options, measured: &[Measured], pinned: bool) {
    let bare = measured.iter().find(|m| m.config.name == "bare");
    let base = |w: Workload| summarise(bare.and_then(|b| b.runs.get(w.key())), w.all_allowed());
    let ratio = |name: &str, w: Workload| -> Option<f64> {
        let m = measured.iter().find(|m| m.config.name == name)?;
        let b = base(w).rps;
        (b > 0.0).then(|| summarise(m.runs.get(w.key()), w.all_allowed()).rps / b)
    };

    let envoy_version = command_output(
        &std::env::var("ENVOY").unwrap_or_else(|_| {
            workspace_root()
                .join(".venv/bin/envoy")
                .display()
                .to_string()
        }),
        &["--version"],
    );
    let date = command_output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]);
    let mut md = String::new();
    let _ = writeln!(md, "# Benchmarks\n");
    let _ = writeln!(
        md,
        "Generated by `make bench` ({} rounds × {} s per config and workload, wrk with 1 thread and {} connections, configs interleaved in a shuffled order each round; medians over rounds) on {date}.\n",
        opts.rounds, opts.seconds, opts.connections
    );
    let _ = writeln!(
        md,
        "Machine: {} ({} cores), Linux {}. {}. Envoy: `{}`, one worker (`--concurrency 1`). Upstream: `pavise-bench-upstream` (fixed 200). Raw numbers: [`bench/results.json`](bench/results.json).\n",
        cpu_model(),
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        command_output("uname", &["-r"]),
        if pinned { "Envoy pinned to CPU 0; wrk and the upstream to CPU 1" } else { "No CPU pinning (fewer than 2 CPUs or no taskset)" },
        envoy_version.split("version: ").nth(1).unwrap_or(&envoy_version)
    );

    let _ = writeln!(md, "## Throughput, as a share of bare Envoy\n");
    workload_table_header(&mut md);
    let mut flagged = false;
    for m in measured {
        let _ = write!(md, "| {} |", m.config.name);
        for w in Workload::ALL {
            let s = summarise(m.runs.get(w.key()), w.all_allowed());
            let b = base(w).rps;
            flagged |= s.bad > 0;
            let flag = if s.bad > 0 { " ⚠" } else { "" };
            if !s.ran {
                let _ = write!(md, " — |");
            } else if m.config.name == "bare" {
                let _ = write!(md, " {:.0} req/s{flag} |", s.rps);
            } else {
                let _ = write!(
                    md,
                    " {:.0}% ({:.0}){flag} |",
                    if b > 0.0 { s.rps / b * 100.0 } else { 0.0 },
                    s.rps
                );
            }
        }
        let _ = writeln!(md);
    }
    let legend = if flagged {
        "\n⚠: some responses were errors or (where all should pass) not 2xx; see results.json.\n"
    } else {
        "\nEvery response was as expected (2xx where all requests should pass).\n"
    };
    let _ = writeln!(md, "{legend}");

    let _ = writeln!(md, "## Added latency against bare Envoy (µs, p50 / p99)\n");
    workload_table_header(&mut md);
    for m in measured.iter().filter(|m| m.config.name != "bare") {
        let _ = write!(md, "| {} |", m.config.name);
        for w in Workload::ALL {
            let s = summarise(m.runs.get(w.key()), w.all_allowed());
            let b = base(w);
            if s.ran {
                let _ = write!(md, " {:+.0} / {:+.0} |", s.p50 - b.p50, s.p99 - b.p99);
            } else {
                let _ = write!(md, " — |");
            }
        }
        let _ = writeln!(md);
    }
    let _ = writeln!(md, "\nLatency is measured under the same closed-loop load ({} connections), so it includes queueing: a slower config shows both lower throughput and higher latency.\n", opts.connections);

    envoy_cpu_table(&mut md, measured);

    let _ = writeln!(md, "## Memory and module size\n");
    let _ = writeln!(md, "| config | Envoy RSS idle (MiB) | Envoy RSS after load (MiB) | vs bare after load |\n|---|---|---|---|");
    let bare_rss = bare.map(|b| b.rss_kib).unwrap_or(0) as f64;
    for m in measured {
        let _ = writeln!(
            md,
            "| {} | {:.1} | {:.1} | {:+.1} MiB |",
            m.config.name,
            m.rss_idle_kib as f64 / 1024.0,
            m.rss_kib as f64 / 1024.0,
            (m.rss_kib as f64 - bare_rss) / 1024.0
        );
    }
    let audited: Vec<&Measured> = measured.iter().filter(|m| m.audit_sink.is_some()).collect();
    if !audited.is_empty() {
        let _ = writeln!(
            md,
            "\nThe audit filter's HTTP sink in each config that audits (totals at the end of the run; every event must be sent, none dropped, or the audit figures would flatter it):\n\n| config | events sent | events dropped |\n|---|---:|---:|"
        );
        for m in audited {
            if let Some((sent, dropped)) = m.audit_sink {
                let _ = writeln!(md, "| {} | {sent} | {dropped} |", m.config.name);
            }
        }
    }
    let _ = writeln!(md, "\n| module | size (KiB) |\n|---|---|");
    let mut sizes = Vec::new();
    let native = pavise_tests::native_module_file();
    if let Ok(meta) = std::fs::metadata(&native) {
        let name = native
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let _ = writeln!(
            md,
            "| {name} (every filter) | {:.0} |",
            meta.len() as f64 / 1024.0
        );
        sizes.push(json!({"module": name, "bytes": meta.len()}));
    }
    if let Ok(dir) = std::fs::read_dir(pavise_tests::wasm_dir()) {
        let mut entries: Vec<_> = dir.flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let name = e.file_name().to_string_lossy().to_string();
            if name.starts_with("pavise_") && name.ends_with(".wasm") {
                let size = e.metadata().map(|m| m.len()).unwrap_or(0);
                let _ = writeln!(md, "| {name} | {:.0} |", size as f64 / 1024.0);
                sizes.push(json!({"module": name, "bytes": size}));
            }
        }
    }

    if opts.probes.is_empty() {
        let _ = writeln!(md, "\n## Targets\n");
        for (line, met) in targets(measured, ratio) {
            let _ = writeln!(md, "- {} {line}", if met { "✅" } else { "❌" });
        }
        let analysis =
            std::fs::read_to_string(workspace_root().join("bench/analysis.md")).unwrap_or_default();
        if !analysis.is_empty() {
            let _ = writeln!(md, "\n{analysis}");
        }
    } else {
        host_call_prices(&mut md, opts, measured);
    }

    let raw = json!({
        "date": date,
        "envoy": envoy_version,
        "cpu": cpu_model(),
        "pinned": pinned,
        "seconds": opts.seconds,
        "rounds": opts.rounds,
        "connections": opts.connections,
        "modules": sizes,
        "configs": measured.iter().map(|m| json!({
            "name": m.config.name,
            "family": m.config.family.as_str(),
            "rss_idle_kib": m.rss_idle_kib,
            "rss_after_load_kib": m.rss_kib,
            "audit_sink": m.audit_sink.map(|(sent, dropped)| json!({"sent": sent, "dropped": dropped})),
            "runs": m.runs.iter().map(|(k, runs)| (k.to_string(), json!(runs.iter().map(|r| json!({
                "rps": r.rps, "p50_us": r.p50_us, "p99_us": r.p99_us,
                "requests": r.requests, "non_2xx": r.non_2xx, "socket_errors": r.errors,
                "envoy_cpu_ns": r.envoy_cpu_ns, "wall_seconds": r.seconds,
            })).collect::<Vec<_>>()))).collect::<serde_json::Map<_, _>>(),
        })).collect::<Vec<_>>(),
    });
    let root = workspace_root();
    let (md_path, json_path) = match &opts.out {
        Some(dir) => {
            std::fs::create_dir_all(dir).expect("create the --out directory");
            (dir.join("BENCHMARKS.md"), dir.join("results.json"))
        }
        None => (root.join("BENCHMARKS.md"), root.join("bench/results.json")),
    };
    std::fs::write(&md_path, md).expect("write BENCHMARKS.md");
    std::fs::write(
        &json_path,
        serde_json::to_string_pretty(&raw).unwrap_or_default() + "\n",
    )
    .expect("write bench/results.json");
    println!("wrote {} and {}", md_path.display(), json_path.display());
}
