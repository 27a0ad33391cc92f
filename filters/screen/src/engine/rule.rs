//! A rule as the engine runs it: what it is ([`Rule`]), what it cannot match without, and its
//! check.

use super::view::View;
use crate::detect::Rule;

/// One row of a category's rule table.
pub struct RuleDef {
    pub rule: Rule,
    /// Literal pieces (any ASCII case) of the decoded value, one of which every match of the
    /// rule holds; the engine skips the rule where none stands in the value. Empty: the rule
    /// has no such pieces and always runs. Each table argues its anchors beside them.
    pub anchors: &'static [&'static str],
    /// Whether the rule can match plain text ([`crate::detect::plain`]: letters, digits,
    /// blanks, `.,:_@-`, no trigger word). `false`: the engine skips it on plain values.
    pub on_plain: bool,
    /// Whether the value matches.
    pub check: fn(&View) -> bool,
}

impl RuleDef {
    /// A rule that runs on every value: no anchors, plain text included.
    pub const fn always(rule: Rule, check: fn(&View) -> bool) -> RuleDef {
        RuleDef {
            rule,
            anchors: &[],
            on_plain: true,
            check,
        }
    }

    /// A rule that plain text cannot trigger.
    pub const fn not_plain(rule: Rule, check: fn(&View) -> bool) -> RuleDef {
        RuleDef {
            rule,
            anchors: &[],
            on_plain: false,
            check,
        }
    }

    /// The same rule, skipped where none of `anchors` stands in the value.
    pub const fn anchored(self, anchors: &'static [&'static str]) -> RuleDef {
        RuleDef { anchors, ..self }
    }
}
