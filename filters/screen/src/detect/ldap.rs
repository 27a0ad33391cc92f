//! LDAP filter injection (CRS 921200): a value written into a search filter
//! (`(&(uid=VALUE)(…))`) that closes the filter's parenthesis and opens a clause of its own
//! (`*)(uid=*))(|(uid=*`, `x)(objectClass=*`), or adds the always-true and always-false
//! filters `(&)` and `(|)`.

use super::more::run_len;
use super::{LDAP_FILTER, LDAP_FRAGMENT};
use crate::engine::Anchor::Pieces;
use crate::engine::RuleDef;

pub(crate) const TABLE: &[RuleDef] = &[
    RuleDef::always(LDAP_FILTER, |v| {
        let lower = v.lower();
        closed_then_clause(lower) || nested_operator(lower)
    })
    .anchored(&[Pieces(&[")", "(&", "(|"])]),
    RuleDef::always(LDAP_FRAGMENT, |v| fragment(v.lower())).anchored(&[Pieces(&["*", "(&", "(|"])]),
];

/// An attribute assertion's start: an attribute name (letters, digits, `-`, `.`, `;`), maybe
/// `~`, `<` or `>`, then `=`.
fn is_assertion(text: &str) -> bool {
    let t = text.trim_start();
    let name = run_len(t, |c| {
        c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ';' | '_')
    });
    let rest = t.get(name..).unwrap_or_default().trim_start();
    let rest = rest.strip_prefix(['~', '<', '>']).unwrap_or(rest);
    name > 0 && rest.starts_with('=')
}

/// `)` glued to `(` and an assertion or an operator (`)(uid=`, `)(&`, `)(|(`), or `)` then an
/// operator and `(` and an assertion (`)!(sn=`, `)&(a=`). Prose puts a blank between two
/// parentheses ("(incl. VAT) (x=2)").
fn closed_then_clause(lower: &str) -> bool {
    lower.match_indices(')').any(|(i, _)| {
        let rest = lower.get(i + 1..).unwrap_or_default();
        if let Some(clause) = rest.strip_prefix('(') {
            let c = clause.trim_start();
            return is_assertion(c) || c.starts_with(['&', '|', '!']);
        }
        rest.strip_prefix(['&', '|', '!'])
            .and_then(|r| r.trim_start().strip_prefix('('))
            .is_some_and(is_assertion)
    })
}

/// `(&(` or `(|(` before an assertion: a filter's operator with its first clause.
fn nested_operator(lower: &str) -> bool {
    ["(&", "(|"].iter().any(|op| {
        lower.match_indices(op).any(|(i, _)| {
            lower
                .get(i + 2..)
                .unwrap_or_default()
                .trim_start()
                .strip_prefix('(')
                .is_some_and(is_assertion)
        })
    })
}

/// The pieces an injection leaves when the rest is the application's: a value that starts with
/// `*)` or `*(`, the absolute filters `(&)` and `(|)`; not a search's wildcard before a
/// parenthesis (`(DICKEY DICKIE*)`).
fn fragment(lower: &str) -> bool {
    let t = lower.trim();
    t.starts_with("*)") || t.starts_with("*(") || t.contains("(&)") || t.contains("(|)")
}
