//! LDAP filter injection (CRS 921200): a value written into a search filter
//! (`(&(uid=VALUE)(…))`) that closes the filter's parenthesis and opens a clause of its own
//! (`*)(uid=*))(|(uid=*`, `x)(objectClass=*`), or adds the always-true and always-false
//! filters `(&)` and `(|)`.

use super::{LDAP_FILTER, LDAP_FRAGMENT};
use crate::engine::Anchor::Pieces;
use crate::engine::RuleDef;

pub(crate) const TABLE: &[RuleDef] = &[
    RuleDef {
        rule: LDAP_FILTER,
        anchors: &[Pieces(&[")", "(&", "(|"])],
        check: |v| {
            let lower = v.lower();
            closed_then_clause(lower) || nested_operator(lower)
        },
    },
    RuleDef {
        rule: LDAP_FRAGMENT,
        anchors: &[Pieces(&["*", "(&", "(|"])],
        check: |v| fragment(v.bytes(), v.lower()),
    },
];

/// An attribute assertion's start: an attribute name (letters, digits, `-`, `.`, `;`), maybe
/// `~`, `<` or `>`, then `=`.
fn is_assertion(text: &str) -> bool {
    let t = text.trim_start();
    let name = t.len()
        - t.trim_start_matches(|c: char| {
            c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ';' | '_')
        })
        .len();
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
fn fragment(_: &[u8], lower: &str) -> bool {
    let t = lower.trim();
    t.starts_with("*)") || t.starts_with("*(") || t.contains("(&)") || t.contains("(|)")
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
                ("*)(uid=*))(|(uid=*", "ldap-001"),
                ("printer)(uid=*)", "ldap-001"),
                ("void)(objectClass=users))(&(objectClass=void)", "ldap-001"),
                ("eb9adbd87d)!(sn=*", "ldap-001"),
                ("bar)(&)", "ldap-001"),
                ("admin)(|(password=*)", "ldap-001"),
                ("x)(cn>=a", "ldap-001"),
                ("(|(mail=*))", "ldap-001"),
                ("*)", "ldap-002"),
                ("*(|(objectclass=*", "ldap-002"),
            ],
        );
        benign(
            TABLE,
            1,
            &[
                "Call me (after 5pm) (or email)",
                "f(x)(y) = 2",
                "see (a) and (b)",
                "price (incl. VAT) (x=2)",
                "smile :-) (really)",
                "a (b) = c",
                "Tom & Jerry (1940)",
                "rating (5/5)!",
            ],
        );
        benign(
            TABLE,
            2,
            &[
                "Call me (after 5pm) (or email)",
                "5 * (3 + 4)",
                "a*b",
                "(DICKEY DICKIE*)",
            ],
        );
    }
}
