//! Mail protocol command injection: a line break injected into a value a server copies into an
//! SMTP or POP3 conversation (a contact form's subject, a mailbox name), followed by a command of
//! that protocol. Only the verbs and shapes ordinary text does not start a line with are matched
//! (`RCPT TO:`, `EHLO host`, `LIST 3`), so a textarea's lines ("List of items") pass.

use super::{Lowered, Rule, RCE_MAIL_COMMAND};

/// Verbs followed by a blank and anything.
const VERBS: [&str; 9] = [
    "mail from:",
    "rcpt to:",
    "ehlo ",
    "helo ",
    "apop ",
    "auth ",
    "starttls",
    "vrfy ",
    "expn ",
];

/// POP3 verbs that take message numbers (`RETR 1`, `TOP 1 2`).
const NUMBERED: [&str; 4] = ["list ", "retr ", "dele ", "top "];

/// The rule if a line of `decoded` (after a line break) starts with a mail command.
pub fn detect(decoded: &[u8]) -> Option<Rule> {
    detect_lowered(&Lowered::new(decoded))
}

/// [`detect`] on a value's shared lowercase copy.
pub(crate) fn detect_lowered(value: &Lowered) -> Option<Rule> {
    let decoded = value.bytes();
    if !decoded.contains(&b'\n') && !decoded.contains(&b'\r') {
        return None;
    }
    let text = value.lower();
    let found = text.split(['\r', '\n']).skip(1).any(|line| {
        let line = line.trim_start_matches([' ', '\t']);
        VERBS.iter().any(|v| line.starts_with(v))
            || NUMBERED.iter().any(|v| {
                line.strip_prefix(v).is_some_and(|args| {
                    let args = args.trim();
                    !args.is_empty()
                        && args
                            .split(' ')
                            .all(|a| !a.is_empty() && a.bytes().all(|b| b.is_ascii_digit()))
                })
            })
    });
    found.then_some(RCE_MAIL_COMMAND)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mail_commands_after_a_line_break() {
        for v in [
            "\r\nMAIL FROM:<a@b.c>",
            "x\r\nRCPT TO:<postmaster>",
            "\nEHLO test.com",
            "\r\nTOP 1 2",
            "\r\nlist 3",
            "\r\nAUTH PLAIN dGVzdA==",
        ] {
            assert!(detect(v.as_bytes()).is_some(), "{v}");
        }
        for v in [
            "EHLO at the start is no injection",
            "Dear team,\r\nList of items: tea\r\nTop 10 songs",
            "line one\nauthor: me",
            "\r\nlist 3 things",
        ] {
            assert!(detect(v.as_bytes()).is_none(), "{v}");
        }
    }
}
