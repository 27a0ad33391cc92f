//! `pavise-wasm-trim`: drop the proxy-wasm callbacks a filter does not use.
//!
//! The Rust SDK exports every `proxy_on_*` callback, whether or not the filter overrides it, and
//! Envoy calls each exported one: for every body chunk, every response, every log phase. Each
//! call crosses from the host into the VM and through the SDK's dispatcher to a default method
//! that does nothing. Envoy skips a callback the module does not export, so removing those
//! exports removes that work (see BENCHMARKS.md for what it saves).
//!
//! Each module lists the callbacks its stages implement in `wasm/<name>/callbacks`, one export
//! name per line (`#` comments allowed); a test in `filters/combined` holds each list to the
//! stages' phases. The lifecycle exports every module needs are
//! always kept. Dead code left behind is garbage-collected. Trimming is idempotent.
//!
//! Usage: `pavise-wasm-trim MODULE.wasm CALLBACKS_FILE` (rewrites MODULE.wasm in place).

use std::collections::BTreeSet;
use std::process::ExitCode;

/// Exports every proxy-wasm module keeps: memory management, VM and plugin start, and the
/// context lifecycle (without `proxy_on_delete` the SDK would never free a stream's context).
/// `proxy_on_done` is not among them: the host treats a module without it as done at once
/// (proxy-wasm-cpp-host `ContextBase::onDone` returns true), which is what the SDK's default
/// answers too, so a filter that does not override `on_done` saves a VM entry per request.
const ALWAYS_KEPT: [&str; 6] = [
    "proxy_abi_version_0_2_1",
    "proxy_on_memory_allocate",
    "proxy_on_vm_start",
    "proxy_on_configure",
    "proxy_on_context_create",
    "proxy_on_delete",
];

/// Reads the callback list: one export name per line, `#` starts a comment.
fn read_callbacks(text: &str) -> Result<BTreeSet<String>, String> {
    let mut out = BTreeSet::new();
    for (n, line) in text.lines().enumerate() {
        let name = line.split('#').next().unwrap_or("").trim();
        if name.is_empty() {
            continue;
        }
        if !name.starts_with("proxy_on_") {
            return Err(format!(
                "line {}: '{name}' is not a proxy_on_* callback",
                n + 1
            ));
        }
        out.insert(name.to_string());
    }
    Ok(out)
}

/// The `proxy_on_*` exports to remove: every one neither always kept nor listed.
fn removable(exports: &[String], keep: &BTreeSet<String>) -> Vec<String> {
    exports
        .iter()
        .filter(|e| e.starts_with("proxy_on_"))
        .filter(|e| !ALWAYS_KEPT.contains(&e.as_str()) && !keep.contains(*e))
        .cloned()
        .collect()
}

fn run(module_path: &str, callbacks_path: &str) -> Result<String, String> {
    let text =
        std::fs::read_to_string(callbacks_path).map_err(|e| format!("{callbacks_path}: {e}"))?;
    let keep = read_callbacks(&text).map_err(|e| format!("{callbacks_path}: {e}"))?;
    let before = std::fs::metadata(module_path).map(|m| m.len()).unwrap_or(0);
    let mut module =
        walrus::Module::from_file(module_path).map_err(|e| format!("{module_path}: {e}"))?;
    let names: Vec<String> = module.exports.iter().map(|e| e.name.clone()).collect();
    for wanted in &keep {
        if !names.contains(wanted) {
            return Err(format!(
                "{module_path} does not export {wanted}, which {callbacks_path} lists"
            ));
        }
    }
    let remove = removable(&names, &keep);
    for name in &remove {
        let id = module
            .exports
            .iter()
            .find(|e| &e.name == name)
            .map(|e| e.id());
        if let Some(id) = id {
            module.exports.delete(id);
        }
    }
    walrus::passes::gc::run(&mut module);
    module
        .emit_wasm_file(module_path)
        .map_err(|e| format!("{module_path}: {e}"))?;
    let after = std::fs::metadata(module_path).map(|m| m.len()).unwrap_or(0);
    Ok(format!(
        "{module_path}: removed {} unused callback exports, {before} -> {after} bytes",
        remove.len()
    ))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [module, callbacks] = args.as_slice() else {
        eprintln!("usage: pavise-wasm-trim MODULE.wasm CALLBACKS_FILE");
        return ExitCode::from(2);
    };
    match run(module, callbacks) {
        Ok(msg) => {
            println!("{msg}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("pavise-wasm-trim: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_names_and_comments() {
        let k = read_callbacks("# auth\nproxy_on_request_headers  # the only one\n\n").unwrap();
        assert_eq!(
            k.into_iter().collect::<Vec<_>>(),
            vec!["proxy_on_request_headers"]
        );
        assert!(read_callbacks("on_request_headers").is_err());
    }

    #[test]
    fn removes_only_unlisted_stream_callbacks() {
        let exports: Vec<String> = [
            "memory",
            "_initialize",
            "proxy_on_memory_allocate",
            "proxy_on_context_create",
            "proxy_on_done",
            "proxy_on_delete",
            "proxy_on_request_headers",
            "proxy_on_request_body",
            "proxy_on_log",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let keep = read_callbacks("proxy_on_request_headers").unwrap();
        assert_eq!(
            removable(&exports, &keep),
            vec!["proxy_on_done", "proxy_on_request_body", "proxy_on_log"]
        );
    }
}
