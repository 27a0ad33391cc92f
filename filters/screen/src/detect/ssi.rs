//! Server-side includes: an SSI directive (`<!--#exec cmd="id"-->`, `<!--#include
//! virtual="/etc/passwd"-->`) in a value that a server with SSI on writes into a page it parses.

use super::SSI_DIRECTIVE;
use crate::engine::Anchor::Pieces;
use crate::engine::RuleDef;

pub(crate) const TABLE: &[RuleDef] =
    &[RuleDef::always(SSI_DIRECTIVE, |v| directive(v.lower())).anchored(&[Pieces(&["<!--#"])])];

/// `<!--#` then, maybe after blanks, an SSI element name.
fn directive(lower: &str) -> bool {
    const ELEMENTS: [&str; 12] = [
        "exec", "include", "echo", "config", "set", "printenv", "fsize", "flastmod", "if", "elif",
        "else", "endif",
    ];
    lower.match_indices("<!--#").any(|(i, _)| {
        let rest = lower.get(i + 5..).unwrap_or_default().trim_start();
        ELEMENTS.iter().any(|e| {
            rest.strip_prefix(e).is_some_and(|after| {
                after.is_empty() || after.starts_with([' ', '\t', '\n', '\r', '-'])
            })
        })
    })
}
