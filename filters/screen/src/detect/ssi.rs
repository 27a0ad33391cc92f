//! Server-side includes: an SSI directive (`<!--#exec cmd="id"-->`, `<!--#include
//! virtual="/etc/passwd"-->`) in a value that a server with SSI on writes into a page it parses.

use super::SSI_DIRECTIVE;
use crate::engine::Anchor::Pieces;
use crate::engine::RuleDef;

pub(crate) const TABLE: &[RuleDef] = &[RuleDef {
    rule: SSI_DIRECTIVE,
    anchors: &[Pieces(&["<!--#"])],
    check: |v| directive(v.bytes(), v.lower()),
}];

/// `<!--#` then, maybe after blanks, an SSI element name.
fn directive(_: &[u8], lower: &str) -> bool {
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

#[cfg(test)]
mod tests {
    use super::super::more::cases::{attacks, benign};
    use super::*;

    #[test]
    fn cases() {
        attacks(
            TABLE,
            &[
                ("<!--#exec cmd=\"id\"-->", "ssi-001"),
                ("<!--#include virtual=\"/etc/passwd\" -->", "ssi-001"),
                ("x<!--# echo var=\"DOCUMENT_ROOT\" -->", "ssi-001"),
                ("<!--#printenv -->", "ssi-001"),
            ],
        );
        benign(
            TABLE,
            2,
            &[
                "<!-- a comment -->",
                "<!--#region generated-->",
                "Issue #exec in <!-- notes -->",
            ],
        );
    }
}
