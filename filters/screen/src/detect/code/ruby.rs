//! Ruby code injection (CRS 934150): the calls that run a command or load code from a value
//! Ruby evaluates (`Process.spawn(`, `Kernel.exec(`, `IO.popen(`, `Open3.`, `%x(`, `instance_eval(`).

use super::super::RUBY_CALL;
use crate::engine::Anchor::Pieces;
use crate::engine::RuleDef;

pub(crate) const TABLE: &[RuleDef] = &[RuleDef::always(RUBY_CALL, |v| command_call(v.lower()))
    .anchored(&[Pieces(&[
        "process.spawn",
        "kernel.",
        "io.popen",
        "open3.",
        "%x(",
        "%x{",
        "instance_eval",
        "class_eval",
        "module_eval",
        "send(:",
        "public_send(",
        ".constantize",
        "erb.new",
    ])])];

/// The command and eval calls, with an argument list (`(` or a blank and a quote).
fn command_call(lower: &str) -> bool {
    const CALLS: [&str; 13] = [
        "process.spawn",
        "kernel.exec",
        "kernel.system",
        "kernel.spawn",
        "kernel.open",
        "io.popen",
        "open3.capture",
        "open3.popen",
        "instance_eval",
        "class_eval",
        "module_eval",
        "erb.new",
        "kernel.eval",
    ];
    CALLS.iter().any(|c| {
        lower.match_indices(c).any(|(i, _)| {
            let rest = lower.get(i + c.len()..).unwrap_or_default();
            let rest = rest.trim_start_matches(|ch: char| {
                ch.is_ascii_alphanumeric() || ch == '_' || ch == '2' || ch == '3'
            });
            rest.starts_with('(') || rest.trim_start().starts_with(['\'', '"'])
        })
    }) || lower.contains("%x(")
        || lower.contains("%x{")
        || lower.contains("send(:system")
        || lower.contains("send(:eval")
        || lower.contains("public_send(:")
}
