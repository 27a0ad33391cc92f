//! `rce-002`: command substitution, `$(…)`, a backtick pair, `<(…)` or `>(…)`, around a
//! command.

use super::chained::names_command;

/// `$(…)` or a backtick pair with something inside.
pub(super) fn has_substitution(text: &str) -> bool {
    // Process substitution: `<(cmd)`, `>(cmd)`.
    // Both read up to a `)`: the inside is read only while it may still be a command line,
    // and whether a `)` follows is known once, so a value of many `<(` or `$(` and no `)` is
    // not read again from each.
    let process = ["<(", ">("].iter().any(|p| {
        text.match_indices(p).any(|(i, _)| {
            let inside = text.as_bytes().get(i + 2..).unwrap_or_default();
            let words = inside
                .iter()
                .take_while(|&&b| b.is_ascii_alphanumeric() || matches!(b, b' ' | b'-' | b'/'))
                .count();
            words > 0 && inside.get(words) == Some(&b')')
        })
    });
    let last_close = text.rfind(')');
    let dollar = text.match_indices("$(").any(|(i, _)| {
        last_close.is_some_and(|c| c >= i + 2)
            && names_command(text.get(i + 2..).unwrap_or_default())
    });
    let backticks =
        text.matches('`').count() >= 2 && text.split('`').nth(1).is_some_and(names_command);
    process || dollar || backticks
}
