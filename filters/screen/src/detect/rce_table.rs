//! The command-injection rule table. The level-1 shell rules ([`super::rce`]) read one shared
//! analysis of the value (its command positions, its squeezed copy), made once per value
//! ([`View::rce_level1`]) and looked up by each rule's row; the mail commands ([`super::mail`])
//! and the level-2 rules are checks of their own.

use super::{mail, rce, Rule};
use super::{
    RCE_CHAINED_COMMAND, RCE_COMMAND_LINE, RCE_MAIL_COMMAND, RCE_SHELL_EVASION,
    RCE_SHELL_EXPANSION, RCE_SHELL_INVOCATION, RCE_SUBSTITUTION, RCE_WINDOWS,
};
use crate::engine::anchor::{guard, ByteClass, OUTSIDE_PLAIN_ASCII};
use crate::engine::Anchor::{self, Byte, Piece, Pieces, Where, WhereAny, Words};
use crate::engine::{RuleDef, View};

/// The command-injection rules, in the order they name a finding. The level-1 ones need a
/// separator, an option, a quote or an interpreter or Windows word, which plain text lacks
/// ([`LEVEL1_ANCHORS`]); the level-2 ones run on plain text too (`visudo`).
pub const TABLE: &[RuleDef] = &[
    RuleDef::always(RCE_SUBSTITUTION, |v| level1(v, RCE_SUBSTITUTION)).anchored(LEVEL1_ANCHORS),
    RuleDef::always(RCE_CHAINED_COMMAND, |v| level1(v, RCE_CHAINED_COMMAND))
        .anchored(LEVEL1_ANCHORS),
    RuleDef::always(RCE_SHELL_EVASION, |v| level1(v, RCE_SHELL_EVASION)).anchored(LEVEL1_ANCHORS),
    RuleDef::always(RCE_SHELL_INVOCATION, |v| level1(v, RCE_SHELL_INVOCATION))
        .anchored(LEVEL1_ANCHORS),
    RuleDef::always(RCE_WINDOWS, |v| level1(v, RCE_WINDOWS)).anchored(LEVEL1_ANCHORS),
    // A mail command follows a line break.
    RuleDef::always(RCE_MAIL_COMMAND, |v| mail::detect_lowered(v).is_some())
        .anchored(&[Piece("\n"), Piece("\r")]),
    // Not on the URL path: what a field starts with is what a program would get.
    RuleDef::always(RCE_COMMAND_LINE, |v| {
        !v.is_path() && rce::starts_with_command_name(v.bytes())
    })
    .anchored(COMMAND_LINE_ANCHORS),
    // Every expansion holds `{` (of `${` too), `~`, `!-` or `bin/` (its precheck).
    RuleDef::always(RCE_SHELL_EXPANSION, |v| {
        rce::shell_expansion(v.bytes(), v.prechecks())
    })
    .anchored(&[Piece("{"), Piece("~"), Piece("!-"), Piece("bin/")]),
];

/// What the level-1 shell rules need, one of: an ASCII byte plain text lacks (a separator,
/// `$`, a quote, a bracket, `/`, `%`, a line break; no command or separator has another), an option after a blank (` -c`) or `--`, `..`,
/// an interpreter, a network tool or a Windows word (`python`, `certutil`, `powershell`,
/// `net localgroup`), cmd.exe's `if` forms and comparisons (`if not exist`, ` equ `), a
/// command run through a wrapper where a value starts (`nohup ifconfig`).
const LEVEL1_ANCHORS: &[Anchor] = &[
    Byte(OUTSIDE_PLAIN_ASCII),
    Pieces(&["--", ".."]),
    Where("-", guard::option_after_blank),
    // Windows phrases matched inside any text (`rce-005`), by their plain-text pieces.
    Pieces(&[
        "powershell",
        "pwsh",
        "bitsadmin",
        "rundll32",
        "cmd.exe",
        "invoke-",
        "iex",
        "iwr",
        "wmic",
        "iwmi",
        "gwmi",
        "cmdextversion",
    ]),
    Words(&[
        "sh",
        "bash",
        "ksh",
        "zsh",
        "dash",
        "nc",
        "ncat",
        "netcat",
        "python",
        "perl",
        "php",
        "ruby",
        "cmd",
        "invoke",
        "certutil",
        "regedit",
        "localgroup",
        "equ",
        "neq",
        "lss",
        "leq",
        "gtr",
        "geq",
    ]),
    WhereAny(&["exist", "defined", "errorlevel"], after_if),
    WhereAny(
        &[
            "time", "nohup", "sudo", "strace", "ltrace", "nice", "timeout", "env", "xargs", "watch",
        ],
        guard::word_opening_value,
    ),
];

/// A piece after cmd.exe's `if` or `if not` (blanks between): `if not exist`, `if defined`.
fn after_if(text: &[u8], start: usize, _end: usize) -> bool {
    let words = |end: usize| {
        let before = text.get(..end).unwrap_or_default();
        let trimmed = before.len()
            - before
                .iter()
                .rev()
                .take_while(|b| b.is_ascii_whitespace())
                .count();
        let word = before.get(..trimmed).unwrap_or_default();
        let len = word
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_alphabetic())
            .count();
        (trimmed - len, word.get(trimmed - len..).unwrap_or_default())
    };
    let (at, previous) = words(start);
    previous.eq_ignore_ascii_case(b"if")
        || previous.eq_ignore_ascii_case(b"not") && words(at).1.eq_ignore_ascii_case(b"if")
}

/// What `rce-007` needs: a command's name where a value starts ([`program_at_start`]), or a
/// quote, backslash or expansion that the shell removes from a name (`w'h'oami`, `wh$@oami`).
const COMMAND_LINE_ANCHORS: &[Anchor] = &[
    Byte(ByteClass::of(b"'\"\\$`(")),
    WhereAny(&rce::COMMANDS, program_at_start),
    WhereAny(&rce::WINDOWS_COMMANDS, program_at_start),
    WhereAny(&rce::COMMAND_FAMILIES, program_at_start),
    WhereAny(&["net", "sc"], program_at_start),
];

/// A program's name (three letters or more, or `sc`) where a value starts or after a `/` (the
/// value's first word may be a path: `/usr/sbin/visudo`), and no more letters after it (a
/// version may follow: `python3.11`, `pip3`; a family's verb: `chef-client`).
fn program_at_start(text: &[u8], start: usize, end: usize) -> bool {
    let name = text.get(start..end).unwrap_or_default();
    let long_enough = name.len() >= 3 || name.eq_ignore_ascii_case(b"sc");
    let after = !text
        .get(end)
        .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_');
    let before = start.checked_sub(1).and_then(|i| text.get(i)) == Some(&b'/')
        || guard::at_value_start(text, start, end);
    long_enough && after && before
}

/// Whether `rule` is among the level-1 shell rules [`rce::detect_with`] finds in the value.
fn level1(v: &View, rule: Rule) -> bool {
    v.rce_level1(|v| rce::detect_with(v, v.paranoia(), v.prechecks()))
        .contains(&rule)
}
