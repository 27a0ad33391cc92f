//! Ruby code injection (CRS 934150): the calls that run a command or load code from a value
//! Ruby evaluates (`Process.spawn(`, `Kernel.exec(`, `IO.popen(`, `Open3.`, `%x(`, `instance_eval(`).

use super::super::RUBY_CALL;
use crate::engine::Anchor::Pieces;
use crate::engine::RuleDef;

pub(crate) const TABLE: &[RuleDef] = &[RuleDef {
    rule: RUBY_CALL,
    anchors: &[Pieces(&[
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
    ])],
    check: |v| command_call(v.bytes(), v.lower()),
}];

/// The command and eval calls, with an argument list (`(` or a blank and a quote).
fn command_call(_: &[u8], lower: &str) -> bool {
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

#[cfg(test)]
mod tests {
    use super::super::super::more::cases::{attacks, benign};
    use super::*;

    #[test]
    fn cases() {
        attacks(
            TABLE,
            &[
                ("Process.spawn(\"id\")", "ruby-001"),
                ("Kernel.exec 'id'", "ruby-001"),
                ("IO.popen('id').read", "ruby-001"),
                ("Open3.capture2('id')", "ruby-001"),
                ("%x(id)", "ruby-001"),
                ("1.send(:system, 'id')", "ruby-001"),
                ("instance_eval('x')", "ruby-001"),
            ],
        );
        benign(
            TABLE,
            2,
            &[
                "The process spawned (eventually) a fix",
                "Kernel.org hosts Linux",
                "50%x (of y)",
                "send: to a friend",
            ],
        );
    }
}
