//! `rce-008` (level 2): shell expansions code and prose also have: parameter and brace
//! expansion, the directory stack, history, programs run by their path in a `bin` directory.

/// `rce-008`: a parameter, brace, directory-stack or history expansion, or a program run by
/// its path in a system `bin` directory.
pub(crate) fn shell_expansion(decoded: &[u8], prechecks: bool) -> bool {
    // Every expansion below holds one of these: `{` (of `${` too), `~` (before `+` or `-`),
    // `!-`, `bin/`.
    let possible = !prechecks
        || decoded.windows(2).any(|w| w == b"!-")
        || decoded.contains(&b'{')
        || decoded.contains(&b'~')
        || decoded.windows(4).any(|w| w.eq_ignore_ascii_case(b"bin/"));
    possible && {
        let text = String::from_utf8_lossy(decoded).to_ascii_lowercase();
        has_parameter_expansion(&text)
            || has_any_brace_expansion(&text)
            || has_directory_stack(&text)
            || has_history_expansion(&text)
            || runs_any_binary_path(&text)
    }
}

/// `${name}` or `${name…}` with an operator (`${cmd}`, `${x#{}}`, `${path:-/bin}`): a shell's
/// parameter expansion, and a template's placeholder too.
fn has_parameter_expansion(text: &str) -> bool {
    text.match_indices("${").any(|(i, _)| {
        let rest = text.get(i + 2..).unwrap_or_default();
        let name = rest.len()
            - rest
                .trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '_')
                .len();
        rest.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && rest
                .get(name..)
                .is_some_and(|r| r.starts_with(['}', ':', '#', '%', '/', '^', ',', '@']))
    })
}

/// Any brace expansion, whatever it makes: a list `{a,b}`, `{,x}` or a sequence `{1..9}`,
/// `{a..z}`, with no blank, quote or colon inside (JSON objects and templates have them;
/// set notation in prose has not: level 2), and not a regular expression's quantifier.
fn has_any_brace_expansion(text: &str) -> bool {
    let bytes = text.as_bytes();
    text.match_indices('{').any(|(i, _)| {
        // (Short: at most 64 bytes are read after each `{`.)
        let rest = bytes.get(i + 1..).unwrap_or_default();
        let Some(end) = rest.iter().take(64).position(|&b| {
            b == b'}' || b == b'{' || b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b':')
        }) else {
            return false;
        };
        if rest.get(end) != Some(&b'}') || end == 0 {
            return false;
        }
        let inner = text.get(i + 1..i + 1 + end).unwrap_or_default();
        let sequence = inner.split_once("..").is_some_and(|(a, b)| {
            let end_ok = |s: &str| {
                s.bytes().all(|c| c.is_ascii_digit()) && !s.is_empty()
                    || (s.len() == 1 && s.bytes().all(|c| c.is_ascii_alphabetic()))
            };
            end_ok(a) && end_ok(b)
        });
        // A regular expression's quantifier (`[a-z]{1,5}`, `x{2,}`) is digits around one
        // comma: not read as a list.
        let quantifier = inner.matches(',').count() == 1
            && inner.bytes().all(|c| c.is_ascii_digit() || c == b',');
        sequence || (inner.contains(',') && !quantifier)
    })
}

/// The directory stack by tilde: `~+`, `~-`, `~+2`, `~-1` as a word (`~0` and `~5` are
/// "about" in prose, and left alone).
fn has_directory_stack(text: &str) -> bool {
    text.match_indices('~').any(|(i, _)| {
        let starts_word = text
            .get(..i)
            .and_then(|b| b.chars().last())
            .is_none_or(|c| {
                c.is_ascii_whitespace()
                    || matches!(c, ';' | '|' | '&' | '=' | '(' | '`' | '\'' | '"')
            });
        let rest = text.get(i + 1..).unwrap_or_default();
        let Some(after_sign) = rest.strip_prefix(['+', '-']) else {
            return false;
        };
        let after = after_sign.trim_start_matches(|c: char| c.is_ascii_digit());
        starts_word
            && after.chars().next().is_none_or(|c| {
                c.is_ascii_whitespace()
                    || matches!(c, '/' | ';' | '|' | '&' | ')' | '`' | '\'' | '"')
            })
    })
}

/// History expansion by a negative event number: `!-1`, `!-2:p` (`!!` is prose's emphasis).
fn has_history_expansion(text: &str) -> bool {
    text.match_indices("!-").any(|(i, _)| {
        let starts_word = text
            .get(..i)
            .and_then(|b| b.chars().last())
            .is_none_or(|c| {
                c.is_ascii_whitespace()
                    || matches!(c, ';' | '|' | '&' | '=' | '!' | '`' | '\'' | '"' | '(')
            });
        starts_word
            && text
                .get(i + 2..)
                .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
    })
}

/// Any program by its path in a `bin` directory where a word starts: `/bin/ab`,
/// `/usr/sbin/anything` ([`super::chained`] covers known commands at level 1).
fn runs_any_binary_path(text: &str) -> bool {
    text.match_indices("bin/").any(|(i, _)| {
        // The system directories are short: only the 32 bytes before `bin/` are read (a
        // value of many `bin/` stays linear).
        let mut from = i.saturating_sub(32);
        while !text.is_char_boundary(from) {
            from += 1;
        }
        let before = text.get(from..i).unwrap_or_default();
        let before = before.strip_suffix('s').unwrap_or(before);
        let dir_start = before
            .rfind(|c: char| {
                c.is_ascii_whitespace()
                    || matches!(c, ';' | '|' | '&' | '=' | '\'' | '"' | '`' | '(')
            })
            .map_or(0, |p| p + 1);
        let dirs = before.get(dir_start..).unwrap_or_default();
        // `bin/` where a word starts, or after system directories only: `/bin/`, `/usr/bin/`,
        // `/usr/local/sbin/` (not `/recycle/bin/`, `/trash-bin/`).
        let system = matches!(dirs, "" | "/" | "/usr/" | "/usr/local/" | "/opt/local/");
        let rest = text.get(i + 4..).unwrap_or_default();
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
            .unwrap_or(rest.len());
        system
            && end > 0
            && rest
                .get(end..)
                .and_then(|r| r.chars().next())
                .is_none_or(|c| {
                    c.is_ascii_whitespace() || matches!(c, ';' | '|' | '&' | '\'' | '"' | ')' | '`')
                })
    })
}
