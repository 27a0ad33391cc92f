//! `rce-003`: the shell's ways of spelling a command a filter looking for its name misses:
//! `$IFS`, arithmetic and `$'\x..'` expansions, brace expansion into a command line, globs in a
//! path, and a command word glued together from quoted or escaped pieces.

use super::chained::names_command;
use super::command_line::PROSE_COMMAND_SET;
use super::lex::{is_contraction, is_option, shell_word};
use super::words::{COMMAND_SET, TOPIC_SET, WORD_COMMAND_SET};
use crate::detect::words::word_list;
use crate::detect::wordset::WordSet;

/// `$IFS`, `${IFS}`, brace expansion with a comma (`{cat,/etc/passwd}`), `$@`/`$9` splitting a
/// command word (`ca$@t`), and a known command spelled with quotes or backslashes.
pub(super) fn has_shell_evasion(text: &str, prechecks: bool) -> bool {
    if has_path_glob(text) {
        return true;
    }
    // Precheck: a wildcard path holds a `?` (most values have none).
    if (!prechecks || text.contains('?')) && has_wildcard_path(text) {
        return true;
    }
    // Precheck: each literal below starts with `$` (most values have none; six substring
    // searches saved).
    if (!prechecks || text.contains('$'))
        && (text.contains("$((")
            || has_old_arithmetic(text)
            || text.contains("$ifs")
            || text.contains("${ifs")
            || text.contains("$'\\x")
            || text.contains("${jndi:")
            // `${:-j}`, `${::-x}`: an expansion without a name, only a default (Log4Shell
            // lookups spelled so a filter looking for `jndi` misses them; a shell refuses it).
            || text.contains("${:"))
    {
        return true;
    }
    if brace_expands_to_command(text) {
        return true;
    }
    // A command word glued together from pieces: c'a't, c\at, ca$@t, w"h"oami, n$u\c$u,
    // uname${x}, ping``, pi<()ng.
    // Where the word at hand starts (each separator is one ASCII byte).
    let mut next_at = 0;
    text.split(|c: char| c.is_ascii_whitespace() || matches!(c, ';' | '|' | '&'))
        .any(|word| {
            let at = next_at;
            next_at += word.len() + 1;
            // (Most words are not: they are not copied.)
            let Some(splice) = splice(word) else {
                return false;
            };
            if is_contraction(word) {
                return false;
            }
            let cleaned = shell_word(word);
            let name = cleaned.rsplit('/').next().unwrap_or(&cleaned);
            let command = cleaned != word
                && name.len() > 1
                && (COMMAND_SET.contains(name) || WORD_COMMAND_SET.contains(name));
            command
                && match splice {
                    Splice::Inside => true,
                    Splice::Edges => quoted_command_line(text, at, word, name),
                }
        })
}

/// How far after `$[` its `]` is looked for: an arithmetic expression is short.
const ARITHMETIC_REACH: usize = 64;

/// Bash's old arithmetic expansion, `$[2+2]`, `$[]`: closed by `]` on the same line, soon
/// (prose writing "$[" about the syntax has no such closing).
fn has_old_arithmetic(text: &str) -> bool {
    text.match_indices("$[").any(|(i, _)| {
        text.as_bytes()
            .get(i + 2..)
            .unwrap_or_default()
            .iter()
            .take(ARITHMETIC_REACH)
            .take_while(|&&b| !matches!(b, b'\n' | b'\r'))
            .any(|&b| b == b']')
    })
}

/// Where a word holds the pieces a shell removes.
enum Splice {
    /// Inside the name: `c'a't`, `w\hoami`, `ca$@t`, `ping$()`.
    Inside,
    /// Only quotation marks around the word: `'cscli'`, `"ls"`, `"Cat`.
    Edges,
}

/// Whether, and where, `word` holds a piece a shell removes where a name is spliced: a quote,
/// backslash, expansion or empty substitution.
fn splice(word: &str) -> Option<Splice> {
    let removed = |w: &str| w.contains(['\'', '"', '\\', '$', '`']) || w.contains("()");
    if !removed(word) {
        return None;
    }
    let inner = word
        .trim_start_matches(['"', '\'', '('])
        .trim_end_matches(['"', '\'', ')', '.', ',', ':', '!', '?']);
    Some(if removed(inner) {
        Splice::Inside
    } else {
        Splice::Edges
    })
}

word_list! {
    /// Functions that run a command line given as a string.
    COMMAND_CALLS = "code-command-calls"
}

/// [`COMMAND_CALLS`] as a set.
static COMMAND_CALL_SET: WordSet = WordSet::new(&COMMAND_CALLS);

/// Whether `before` (the text before a quoted word) ends with a call of a function that runs
/// a command line, and its `(` or a blank: `system 'id'`, `&system 'id'`, `CORE::system "id"`,
/// `exec("whoami")`.
fn after_command_call(before: &str) -> bool {
    let before = before.trim_end_matches(|c: char| c.is_ascii_whitespace() || c == '(');
    // (A function's name is short: no more than 32 bytes are read.)
    let name = before
        .bytes()
        .rev()
        .take(32)
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
        .count();
    before
        .get(before.len() - name..)
        .is_some_and(|name| COMMAND_CALL_SET.contains(name))
}

/// A command word in quotation marks (`word`, at `at` in `text`, naming `name`) is how prose
/// quotes a word or a title ("Cat Scratch Fever", 'tee', "host" mode): a weak signal. It is a
/// quoted command line when an option or an absolute path follows it (`'rm -rf x'`,
/// `"cat" /etc/passwd`), or when it opens the value and names a command no prose writes
/// (`'cscli' alerts list`; not `"Python" is fun` or `"ls"` in a sentence), or when a call
/// that runs a command line takes such a name (`system 'id'`; not the system "host" mode).
fn quoted_command_line(text: &str, at: usize, word: &str, name: &str) -> bool {
    let args = text
        .get(at + word.len()..)
        .unwrap_or_default()
        .trim_start_matches([' ', '\t']);
    let first = args.split_ascii_whitespace().next().unwrap_or_default();
    let path = first
        .strip_prefix('/')
        .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_alphanumeric()));
    let opens_value = text.get(..at).is_some_and(|b| b.trim().is_empty());
    is_option(first)
        || path
        || (COMMAND_SET.contains(name)
            && (after_command_call(text.get(..at).unwrap_or_default())
                || (opens_value && !TOPIC_SET.contains(name) && !PROSE_COMMAND_SET.contains(name))))
}

/// How far after a `{` its `}` is looked for.
const BRACE_REACH: usize = 256;

/// A brace expansion that makes a command line: `{cat,/etc/passwd}`, `{,cd,/etc,}`,
/// `{n$u\c$u,-nlvp,777}` (the words between commas, empty ones dropped), or that spells a
/// command inside a word: `c{a,oun}t` is `cat count`.
fn brace_expands_to_command(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut opens = text.match_indices('{').map(|(i, _)| i).peekable();
    // The next `}` at or after the `{` at hand (`Some(None)`: none to the end), found by one
    // forward search per `}`, not one per `{`.
    let mut close: Option<Option<usize>> = None;
    while let Some(i) = opens.next() {
        if close.is_none_or(|c| c.is_some_and(|c| c < i)) {
            close = Some(
                bytes
                    .get(i..)
                    .and_then(|r| r.iter().position(|&c| c == b'}'))
                    .map(|p| i + p),
            );
        }
        let Some(Some(end)) = close else {
            return false;
        };
        // Only the innermost braces, and short ones (a brace expansion is), are read: the
        // pieces read do not overlap, and a value of many `{` stays linear.
        if end - i > BRACE_REACH || opens.peek().is_some_and(|&next| next < end) {
            continue;
        }
        let inner = text.get(i + 1..end).unwrap_or_default();
        if expands_to_command(text, i, inner) {
            return true;
        }
    }
    false
}

/// [`brace_expands_to_command`] for the braces at `i` holding `inner`.
fn expands_to_command(text: &str, i: usize, inner: &str) -> bool {
    {
        if !inner.contains(',') {
            return false;
        }
        let words: Vec<&str> = inner.split(',').filter(|w| !w.is_empty()).collect();
        if names_command(&words.join(" ")) {
            return true;
        }
        // The word the braces are glued into: its letters right before and after them (a
        // command name is short; no more than 32 bytes either side are read).
        let is_word = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
        let bytes = text.as_bytes();
        let prefix_len = bytes
            .get(..i)
            .unwrap_or_default()
            .iter()
            .rev()
            .take(32)
            .take_while(|b| is_word(b))
            .count();
        let prefix = text.get(i - prefix_len..i).unwrap_or_default();
        let after_at = i + inner.len() + 2;
        let suffix_len = bytes
            .get(after_at..)
            .unwrap_or_default()
            .iter()
            .take(32)
            .take_while(|b| is_word(b))
            .count();
        let suffix = text
            .get(after_at..after_at + suffix_len)
            .unwrap_or_default();
        (!prefix.is_empty() || !suffix.is_empty())
            && inner.split(',').any(|alt| {
                let word = format!("{prefix}{alt}{suffix}");
                COMMAND_SET.contains(&word) || WORD_COMMAND_SET.contains(&word)
            })
    }
}

/// An absolute path spelled with `?` wildcards the shell expands (`/???/c?t /???/p??s??`,
/// `/e??/p*sswd`): two or more of its segments hold a wildcard, one a `?` (a build glob,
/// `/**/*.js`, has none), and it holds nothing but
/// letters, digits, `._-` and wildcards (a URL's query, `/search?q=1`, has `=`; an ordinary
/// path has no `?` inside its segments).
fn has_wildcard_path(text: &str) -> bool {
    text.match_indices('/').any(|(i, _)| {
        let starts_word = text
            .get(..i)
            .and_then(|b| b.chars().last())
            .is_none_or(|c| {
                c.is_ascii_whitespace()
                    || matches!(c, ';' | '|' | '&' | '=' | '\'' | '"' | '`' | '(')
            });
        if !starts_word {
            return false;
        }
        // (A path is short: at most 128 bytes of it are read.)
        let rest = text.get(i..).unwrap_or_default();
        let end = rest
            .bytes()
            .take(128)
            .position(|b| {
                !(b.is_ascii_alphanumeric() || matches!(b, b'/' | b'?' | b'*' | b'.' | b'_' | b'-'))
            })
            .unwrap_or(rest.len().min(128));
        let path = rest.get(..end).unwrap_or_default();
        let ends_word = rest
            .get(end..)
            .and_then(|r| r.chars().next())
            .is_none_or(|c| {
                c.is_ascii_whitespace() || matches!(c, ';' | '|' | '&' | '\'' | '"' | '`' | ')')
            });
        ends_word
            && path.contains('?')
            && path
                .split('/')
                .filter(|segment| segment.contains(['?', '*']))
                .count()
                >= 2
    })
}

/// A bracket glob inside an absolute path (`/etc/[p]asswd`, `/usr/[a-z]in/bash`,
/// `/bi[n]/sh`): the shell expands it to a file name a filter looking for the name misses.
fn has_path_glob(text: &str) -> bool {
    // One pass: whether the bytes since the last `/` are all alphanumeric (a segment's start
    // before the `[`), so a `[` looks neither back nor far ahead.
    let bytes = text.as_bytes();
    let mut segment_is_word = false;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'/' => segment_is_word = true,
            b'[' => {
                if segment_is_word && glob_class_goes_on(bytes, i) {
                    return true;
                }
                segment_is_word = false;
            }
            _ if !b.is_ascii_alphanumeric() => segment_is_word = false,
            _ => {}
        }
    }
    false
}

/// At the `[` at `open`: a class of one to eight lowercase letters and `-` (maybe negated by
/// `!` or `^`), closed by `]`, and the path going on after it: `[p]asswd`, `[a-z]in/`, not
/// `[abc]` at a path's end.
fn glob_class_goes_on(bytes: &[u8], open: usize) -> bool {
    let body_start = open
        + 1
        + bytes
            .get(open + 1..)
            .unwrap_or_default()
            .iter()
            .take_while(|&&b| matches!(b, b'!' | b'^'))
            .count();
    let body = bytes
        .get(body_start..)
        .unwrap_or_default()
        .iter()
        .take(9)
        .take_while(|&&b| b.is_ascii_lowercase() || b == b'-')
        .count();
    let close = body_start + body;
    (1..=8).contains(&body)
        && bytes.get(close) == Some(&b']')
        && bytes
            .get(close + 1)
            .is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'/')
}
