//! A rule as the engine runs it: what it is ([`Rule`]), what it cannot match without, and its
//! check.

use super::anchor::Anchor;
use super::view::View;
use crate::detect::Rule;

/// One row of a category's rule table.
pub struct RuleDef {
    pub rule: Rule,
    /// What every match of the rule holds one of ([`Anchor`]): the engine skips the rule where
    /// none stands in the value, and a value with none of any rule's is plain text. Empty: the
    /// rule has no such thing and runs on every value. Each table argues its anchors beside
    /// them.
    pub anchors: &'static [Anchor],
    /// Whether the value matches.
    pub check: fn(&View) -> bool,
}

impl RuleDef {
    /// A rule that runs on every value (until [`RuleDef::anchored`]).
    pub const fn always(rule: Rule, check: fn(&View) -> bool) -> RuleDef {
        RuleDef {
            rule,
            anchors: &[],
            check,
        }
    }

    /// The same rule, skipped where none of `anchors` stands in the value.
    pub const fn anchored(self, anchors: &'static [Anchor]) -> RuleDef {
        RuleDef { anchors, ..self }
    }
}
