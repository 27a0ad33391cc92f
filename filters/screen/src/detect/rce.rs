//! Command injection: a small shell-aware scan, not a pile of regexes.
//!
//! The value is read the way a shell would split it ([`lex`]): command positions are the start
//! of the value and whatever follows a separator (`;`, `|`, `&`, a newline, `$(`, a backtick,
//! `{`). The word at a command position is de-obfuscated the way the shell would (quotes and
//! backslashes inside it removed: `c'a't` is `cat`, `/bin/c\at` is `cat`), and is an attack if
//! it names a known command ([`chained`]). Where only a line break comes before it, or a
//! separator as prose writes one before a word prose writes too (`fish & chips; expect
//! delays`), the word is a weak signal, scored with the rest of its line ([`weak`]). Substitution ([`substitution`]), `$IFS`-style evasions ([`evasion`]), direct
//! interpreter or network tool invocations ([`invocation`]) and Windows `cmd`/PowerShell syntax
//! ([`windows`]) have rules of their own; cmd.exe's commands and an `echo` into a script file
//! are read by [`cmd`]. The level-2 rules are [`command_line`] and [`expansion`]. The command
//! names are data files ([`words`]).

use super::{
    Lowered, Rule, RCE_CHAINED_COMMAND, RCE_SHELL_EVASION, RCE_SHELL_INVOCATION, RCE_SUBSTITUTION,
    RCE_WINDOWS,
};
#[cfg(test)]
use super::{RCE_COMMAND_LINE, RCE_SHELL_EXPANSION};
use lex::squeeze_spaces;

mod chained;
mod cmd;
mod command_line;
mod evasion;
mod expansion;
mod invocation;
mod lex;
mod sentence;
mod sqlite;
mod substitution;
#[cfg(test)]
mod tests;
mod weak;
mod whole;
mod windows;
mod words;

pub(crate) use cmd::WINDOWS_COMMANDS;
pub(crate) use command_line::starts_with_command_name;
pub(crate) use expansion::shell_expansion;
pub(crate) use words::{COMMANDS, COMMAND_FAMILIES};

/// The command-injection rules that match a decoded value, at paranoia level 1.
pub fn detect(decoded: &[u8]) -> Vec<Rule> {
    detect_with(&Lowered::new(decoded), 1, true)
}

/// [`detect`] on a value's shared lowercase copy, with its prechecks on or off (off only to
/// check that they change nothing: every check then runs on every value).
pub(crate) fn detect_with(value: &Lowered, paranoia: u8, prechecks: bool) -> Vec<Rule> {
    let text = value.lower();
    let mut out = Vec::new();
    // Substitution is `<(`, `>(`, `$(` or a pair of backticks.
    if text.contains(['(', '`']) && substitution::has_substitution(text) {
        out.push(RCE_SUBSTITUTION);
    }
    if chained::has_chained_command(text, paranoia) {
        out.push(RCE_CHAINED_COMMAND);
    }
    // Every evasion needs one of these: a glob's `[`, `$` (`$IFS`, `$((`, `$[`, `$@`, `$9`),
    // a brace expansion's `{`, a quote or backslash inside a word, or an empty substitution
    // (two backticks, or `()` in `$()`, `<()`, `>()`), or a wildcard path's `?`.
    if (!prechecks
        || text.contains(['[', '$', '{', '\'', '"', '\\', '`', '?'])
        || text.contains("()"))
        && evasion::has_shell_evasion(text, prechecks)
    {
        out.push(RCE_SHELL_EVASION);
    }
    let invocation_possible = !prechecks || invocation::may_invoke(text);
    let windows_possible = !prechecks || windows::may_have_windows_syntax(text);
    if !invocation_possible && !windows_possible {
        return out;
    }
    let squeezed = squeeze_spaces(text);
    if invocation_possible && invocation::invokes(&squeezed) {
        out.push(RCE_SHELL_INVOCATION);
    }
    if windows_possible && windows::has_windows_syntax(text, &squeezed) {
        out.push(RCE_WINDOWS);
    }
    out
}

/// The paranoia-2 command-injection rules: shell forms that prose, code or settings also
/// have. `whole_values`: the value is one (a field, a header), not a URL path, so that what it
/// starts with is what a program would get. Runs on plain text too (`visudo`, `ansible-doc
/// plugin ping` are plain), before the plain shortcut; `prechecks` off only to check that
/// they change nothing.
#[cfg(test)]
pub fn detect_level2(decoded: &[u8], whole_values: bool, prechecks: bool) -> Vec<Rule> {
    let mut out = Vec::new();
    if whole_values && command_line::starts_with_command_name(decoded) {
        out.push(RCE_COMMAND_LINE);
    }
    if expansion::shell_expansion(decoded, prechecks) {
        out.push(RCE_SHELL_EXPANSION);
    }
    out
}
