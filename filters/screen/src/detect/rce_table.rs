//! The command-injection rule table. The level-1 shell rules ([`super::rce`]) read one shared
//! analysis of the value (its command positions, its squeezed copy), made once per value
//! ([`View::rce_level1`]) and looked up by each rule's row; the mail commands ([`super::mail`])
//! and the level-2 rules are checks of their own.

use super::{mail, rce, Rule};
use super::{
    RCE_CHAINED_COMMAND, RCE_COMMAND_LINE, RCE_MAIL_COMMAND, RCE_SHELL_EVASION,
    RCE_SHELL_EXPANSION, RCE_SHELL_INVOCATION, RCE_SUBSTITUTION, RCE_WINDOWS,
};
use crate::engine::{RuleDef, View};

/// The command-injection rules, in the order they name a finding. The level-1 ones need a
/// separator, an option, a quote or an interpreter or Windows word, which plain text lacks;
/// the level-2 ones run on plain text too (`visudo`).
pub const TABLE: &[RuleDef] = &[
    RuleDef::not_plain(RCE_SUBSTITUTION, |v| level1(v, RCE_SUBSTITUTION)),
    RuleDef::not_plain(RCE_CHAINED_COMMAND, |v| level1(v, RCE_CHAINED_COMMAND)),
    RuleDef::not_plain(RCE_SHELL_EVASION, |v| level1(v, RCE_SHELL_EVASION)),
    RuleDef::not_plain(RCE_SHELL_INVOCATION, |v| level1(v, RCE_SHELL_INVOCATION)),
    RuleDef::not_plain(RCE_WINDOWS, |v| level1(v, RCE_WINDOWS)),
    // A mail command follows a line break.
    RuleDef::not_plain(RCE_MAIL_COMMAND, |v| mail::detect_lowered(v).is_some())
        .anchored(&["\n", "\r"]),
    // Not on the URL path: what a field starts with is what a program would get.
    RuleDef::always(RCE_COMMAND_LINE, |v| {
        !v.is_path() && rce::starts_with_command_name(v.bytes())
    }),
    // Every expansion holds `{` (of `${` too), `~`, `!` (of `!-`) or `/` (of `bin/`).
    RuleDef::always(RCE_SHELL_EXPANSION, |v| {
        rce::shell_expansion(v.bytes(), v.prechecks())
    })
    .anchored(&["{", "~", "!", "/"]),
];

/// Whether `rule` is among the level-1 shell rules [`rce::detect_with`] finds in the value.
fn level1(v: &View, rule: Rule) -> bool {
    v.rce_level1(|v| rce::detect_with(v, v.paranoia(), v.prechecks()))
        .contains(&rule)
}
