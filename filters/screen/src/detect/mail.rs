//! Mail protocol command injection: a line break injected into a value a server copies into an
//! SMTP, POP3 or IMAP conversation (a contact form's subject, a mailbox name), followed by a command of
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

/// An IMAP command line (RFC 9051): a tag of letters then digits (`A001`, `a1`; a numbered
/// list's "1 Select a plan", "B2B select partners" are not tags), a blank, a command, and the
/// arguments that command takes (none for `CAPABILITY`, a mailbox for `SELECT`, a message set
/// for `FETCH`): "A4 select paper size" is a sentence.
fn imap_command(line: &str) -> bool {
    let mut words = line.split(' ').filter(|w| !w.is_empty());
    let tag = words.next().unwrap_or_default();
    let letters = tag.len()
        - tag
            .trim_start_matches(|c: char| c.is_ascii_alphabetic())
            .len();
    let digits = tag.get(letters..).unwrap_or_default();
    if letters == 0
        || digits.is_empty()
        || tag.len() > 10
        || !digits.bytes().all(|b| b.is_ascii_digit())
    {
        return false;
    }
    let command = words.next().unwrap_or_default();
    // (A few words at most: a long line is not read to its end.)
    let args: Vec<&str> = words.take(4).collect();
    let message_set = |w: &str| {
        !w.is_empty()
            && w.bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b':' | b'*' | b','))
    };
    match command {
        "capability" | "logout" | "noop" | "starttls" | "idle" | "namespace" | "expunge"
        | "check" | "close" => args.is_empty(),
        "login" | "rename" | "list" | "lsub" => args.len() == 2,
        "authenticate" | "select" | "examine" | "create" | "delete" | "subscribe"
        | "unsubscribe" => args.len() == 1,
        "status" | "append" => {
            args.len() >= 2 && args.iter().skip(1).any(|a| a.starts_with(['(', '{']))
        }
        "fetch" | "store" | "copy" | "move" => args.first().is_some_and(|a| message_set(a)),
        "uid" => {
            matches!(
                args.first(),
                Some(&("fetch" | "search" | "store" | "copy" | "move" | "expunge"))
            ) && args.get(1).is_some_and(|a| message_set(a) || *a == "all")
        }
        _ => false,
    }
}

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
            || imap_command(line)
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
            "x\r\nA001 LOGIN admin secret",
            "INBOX\r\na1 select inbox\r\n",
            "\na2 CAPABILITY",
        ] {
            assert!(detect(v.as_bytes()).is_some(), "{v}");
        }
        for v in [
            "EHLO at the start is no injection",
            "Dear team,\r\nList of items: tea\r\nTop 10 songs",
            "line one\nauthor: me",
            "\r\nlist 3 things",
            "Steps:\n1 Select a plan\n2 Login to your account",
            "notes\nstep login first",
            "\nA4 paper, list of sizes",
            "\nB2B select partners",
        ] {
            assert!(detect(v.as_bytes()).is_none(), "{v}");
        }
    }
}
