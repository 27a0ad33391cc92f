//! `rce-001`: SQLite shell dot commands where an injected line starts.

use super::lex::{CommandPosition, Separator};
use crate::detect::words::word_list;

word_list! {
    /// SQLite's shell dot commands, without the dot.
    DOT_COMMANDS = "sqlite-dot-commands"
}

/// SQLite shell dot commands where an injected line starts: `;\n.databases`,
/// `1;.\"shell whoami` (`.shell` and `.system` run a command; the others read or write
/// the database's files). A line break written as `\n` counts, since it is one to SQLite's
/// input. A sentence does not start with `.tables` after a `;`.
pub(super) fn has_sqlite_dot_command(text: &str, positions: &[CommandPosition]) -> bool {
    // Where the last position's blanks ended: a position inside them reaches the same line
    // (a run of line breaks is read once, not once per break).
    let mut reached: Option<usize> = None;
    positions
        .iter()
        .filter(|p| matches!(p.separator, Separator::Semicolon | Separator::LineBreak))
        .any(|&CommandPosition { at: p, .. }| {
            if reached.is_some_and(|r| p <= r) {
                return false;
            }
            let mut rest = text.get(p..).unwrap_or_default();
            loop {
                let trimmed = rest
                    .trim_start_matches([' ', '\t', '\n', '\r'])
                    .trim_start_matches("\\n")
                    .trim_start_matches("\\r");
                if trimmed.len() == rest.len() {
                    break;
                }
                rest = trimmed;
            }
            reached = Some(text.len() - rest.len());
            let Some(command) = rest.strip_prefix('.') else {
                return false;
            };
            let command = command.trim_start_matches(['"', '\'', '\\']);
            let name_len = command.len()
                - command
                    .trim_start_matches(|c: char| c.is_ascii_lowercase())
                    .len();
            let name = command.get(..name_len).unwrap_or_default();
            DOT_COMMANDS.contains(&name)
                && command.get(name_len..).is_none_or(|r| {
                    r.is_empty() || r.starts_with([' ', '\t', '\n', '\r', '"', '\'', '\\', ';'])
                })
        })
}
