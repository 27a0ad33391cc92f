//! `rce-001`: a known command at a command position (after `;`, `|`, `&`, `$(`, a backtick or
//! a line break), its word de-obfuscated as the shell would; a word that is also English only
//! with arguments a shell's command has. A command where only a line break, or a prose-like
//! separator before a name prose writes, comes before it is a weak signal, scored with its
//! line ([`super::weak`]). Also a whole value that is a command
//! line ([`super::whole`]), a variable assigned and then run, SQLite's dot commands and a
//! program run by its `bin` path.

use super::cmd::{echo_writes_script, windows_command, within, ARGUMENT_REACH};
use super::lex::{
    command_positions, distinct_starts, is_command_lead, is_contraction, is_option,
    only_expansions, shell_word, without_quotes, without_version, word_end, CommandPosition,
    Separator,
};
use super::sqlite::has_sqlite_dot_command;
use super::weak;
use super::whole::starts_with_command_and_option;
use super::words::{is_command, OPTION_COMMAND_SET, WORD_COMMAND_SET};

/// Whether a known command stands at a command position (a weak one only if the weakly
/// placed commands score as a command line, [`weak`]), or the value is a command line of one of the other
/// shapes this rule reads.
pub(super) fn has_chained_command(text: &str, paranoia: u8) -> bool {
    let positions = command_positions(text);
    // A command at a weak position is a weak signal ([`weak`]): those are scored together
    // once no other command position named a command.
    let mut weak_starts: Vec<usize> = Vec::new();
    distinct_starts(text, &positions, is_command_lead).any(|position| {
        let rest = text.get(position.at..).unwrap_or_default();
        // A comma joins words only inside braces (`{nc,-e,sh}`); elsewhere the word goes on
        // past it (`;base64,iVBOR…` of a data URL is one word, no command).
        let in_braces = position.separator == Separator::Brace;
        if (!in_braces && word_goes_on_past_comma(rest)) || !names_command(rest) {
            return false;
        }
        if weak::is_weak_position(text, &position) {
            if weak_starts.len() < weak::MOST_WEAK {
                weak_starts.push(position.at);
            }
            return false;
        }
        true
    }) || weak::score(text, &weak_starts) >= weak::threshold(paranoia)
        || starts_with_command_and_option(text)
        || runs_assigned_variable(text, &positions)
        || (text.contains('.') && has_sqlite_dot_command(text, &positions))
        || (text.contains("bin/") && runs_binary_path(text))
}

/// How many redirections are read past before a command word: a command line has a few.
const MOST_REDIRECTIONS: usize = 4;

/// `rest` past what stands before a command word: blanks, separators, `(`, `{`, `!`, and
/// redirections with their targets. The word after `<` or `>` names a file, not a command
/// (`<dash> heh` of a chat log redirects from the file `dash`); the command comes after it
/// (`>/dev/null cat x`). A process substitution's `<(` and `>(` open a command.
fn past_redirections(text: &str) -> &str {
    let lead = |c: char| c.is_ascii() && is_command_lead(c as u8);
    let mut from = text;
    let mut rest = from.trim_start_matches(lead);
    for _ in 0..MOST_REDIRECTIONS {
        // A redirection may name its file descriptor: `2>&1`, `0<x`.
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits > 0
            && rest
                .get(digits..)
                .is_some_and(|r| r.starts_with(['<', '>']))
        {
            from = rest.get(digits..).unwrap_or_default();
            rest = from.trim_start_matches(lead);
        }
        let lead_text = from.get(..from.len() - rest.len()).unwrap_or_default();
        // `<`, `>`, `>>`, and `>&`/`<&` (a descriptor's copy) before the word.
        let redirected = lead_text
            .trim_end_matches([' ', '\t'])
            .trim_end_matches('&')
            .ends_with(['<', '>']);
        let target_end = word_end(rest);
        if !redirected || target_end == 0 {
            break;
        }
        from = rest.get(target_end..).unwrap_or_default();
        rest = from.trim_start_matches(lead);
    }
    rest
}

/// Whether the word at the start of `rest` (after what [`names_command`] skips before it) is
/// followed by a comma.
fn word_goes_on_past_comma(rest: &str) -> bool {
    let rest = past_redirections(rest);
    rest.as_bytes().get(word_end(rest)) == Some(&b',')
}

/// Whether the word at the start of `rest` (after blanks, quotes, redirections) names a known
/// command once de-obfuscated. A path prefix is allowed: `/bin/cat`, `/usr/bin/id`.
pub(super) fn names_command(rest: &str) -> bool {
    names_command_at(rest, false)
}

/// [`names_command`]; `behind_expansion`: the word follows a variable at the command
/// position (`$u wget x`, `;$a cat notes.txt`), where a word command needs no shell-like
/// arguments to be one (a sentence does not put `$a` before its verb).
fn names_command_at(rest: &str, behind_expansion: bool) -> bool {
    let mut rest = past_redirections(rest);
    // `. file`, the shell's `source`, runs what follows it: `;. rm -rf /`.
    while let Some(sourced) = rest.strip_prefix(". ") {
        rest = sourced.trim_start_matches([' ', '\t']);
    }
    let end = word_end(rest);
    let raw_word = rest.get(..end).unwrap_or_default();
    let args = rest.get(end..).unwrap_or_default();
    // A word of variables only: `$c1$c2$c3` builds the command from pieces set before;
    // `$a -nlvp 555` and `$u wget x` run an option or a command behind a variable.
    if let Some(count) = only_expansions(raw_word) {
        let after = args.trim_start_matches([' ', '\t']);
        return count >= 2
            || is_option(after)
            || (!behind_expansion && names_command_at(after, true));
    }
    if is_contraction(raw_word) {
        return false;
    }
    let word = without_quotes(raw_word);
    let word = word.trim_start_matches('$');
    let name = word.rsplit('/').next().unwrap_or(word);
    let name = name.split(['$', '{']).next().unwrap_or(name);
    if command_with_arguments(name, args, behind_expansion) {
        return true;
    }
    // The same word with its evasions undone (`n$u\c$u`, `${x}gcc7.4`) and a version
    // glued to the name dropped (`gcc10.1`, `python3.8`).
    let cleaned = shell_word(raw_word);
    let cleaned_name = cleaned.rsplit('/').next().unwrap_or(&cleaned);
    (cleaned_name != name && command_with_arguments(cleaned_name, args, behind_expansion))
        || without_version(cleaned_name) != cleaned_name
            && is_command(without_version(cleaned_name))
}

/// Whether `name` with `args` after it is a command: a known command, or a word command
/// whose arguments are a shell's.
fn command_with_arguments(name: &str, args: &str, behind_expansion: bool) -> bool {
    if name.is_empty() {
        return false;
    }
    if is_command(name) {
        return true;
    }
    // `alias [-p] [+m] x=…` defines a command to run later.
    if name == "alias" {
        let mut words = args.split_whitespace();
        let first = words.next().unwrap_or_default();
        // (A few options at most: a value of many `-x` words is not read to its end.)
        return first.starts_with("-p")
            || std::iter::once(first)
                .chain(words)
                .take(8)
                .find(|w| !w.starts_with(['-', '+']))
                .is_some_and(|a| a.contains('='));
    }
    // cmd.exe's `cat`, and an instruction word ("type 'yes' here"): only reading a file named
    // by a batch variable or a drive (`type %SystemDrive%\boot.ini`, `type c:\x`).
    if name == "type" {
        let arg = args.trim_start().as_bytes();
        return arg.first() == Some(&b'%')
            || (arg.first().is_some_and(u8::is_ascii_alphabetic)
                && arg.get(1..3) == Some(b":\\".as_slice()));
    }
    if let Some(fits) = windows_command(name, args, false) {
        return fits;
    }
    // cmd.exe drops a `^` before any byte (`n^et us^er`, `who^ami`): a word with one is read
    // without them (its arguments too, as far as they are read).
    if name.contains('^') {
        let name = name.replace('^', "");
        let args = within(args, ARGUMENT_REACH).replace('^', "");
        return is_command(&name) || windows_command(&name, &args, false) == Some(true);
    }
    if name == "cd" {
        return changes_directory(args);
    }
    // `echo` writing a script to run later: `; echo "<?php system($_GET['c']); ?>" > c.php`.
    if name == "echo" && echo_writes_script(args) {
        return true;
    }
    if OPTION_COMMAND_SET.contains(name) {
        return is_option(args.trim_start_matches([' ', '\t']));
    }
    WORD_COMMAND_SET.contains(name) && (behind_expansion || shell_like_arguments(args))
}

/// `cd`'s arguments in a command line: `..`, or a path (`/x`, `~`, `-`, `$HOME`) and then the
/// end of the value or the next command (`cd /;cd etc`, `cd ~ && …`). A disc ("CD /DVD
/// combo", "CD 2", "CD ~ 10 dollars") does not go on with a separator right after a path.
pub(super) fn changes_directory(args: &str) -> bool {
    let arg = args.trim_start_matches([' ', '\t']);
    let path_end = arg
        .find(|c: char| c.is_ascii_whitespace() || matches!(c, ';' | '|' | '&'))
        .unwrap_or(arg.len());
    let path = arg.get(..path_end).unwrap_or_default();
    let after = arg.get(path_end..).unwrap_or_default();
    let next_command = after.is_empty() || after.starts_with([';', '|', '&', '\n', '\r']);
    matches!(path, ".." | "../") || (path.starts_with(['/', '$', '~', '-']) && next_command)
}

/// Nothing, or a first argument an English sentence would not have: `-n`, `/etc`, `5`, `$x`,
/// `~`, `.`, a redirection or a separator, a cmd.exe variable (`%SystemDrive%`).
fn shell_like_arguments(after: &str) -> bool {
    let arg = after.trim_start_matches([' ', '\t']);
    match arg.chars().next() {
        None => true,
        Some(c) => {
            c.is_ascii_digit()
                || matches!(
                    c,
                    '-' | '/'
                        | '$'
                        | '~'
                        | '.'
                        | '<'
                        | '>'
                        | ';'
                        | '|'
                        | '&'
                        | '`'
                        | '\''
                        | '"'
                        | '\n'
                        | '\r'
                        | '*'
                        | '{'
                        | '%'
                )
        }
    }
}

/// A variable run as a command after the value set it: `garb=adduse[r];$garb pizza`,
/// `a=nc&&$a -nlvp 555` (prose does not assign a name and then put `$name` where a command
/// starts).
fn runs_assigned_variable(text: &str, positions: &[CommandPosition]) -> bool {
    // The names assigned (`name=` where a word starts), at most a few, found in one pass.
    const MOST: usize = 16;
    let mut assigned: Vec<(usize, &str)> = Vec::new();
    for (i, _) in text.match_indices('=') {
        let before = text.get(..i).unwrap_or_default();
        let name = before
            .get(
                before
                    .trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_')
                    .len()..,
            )
            .unwrap_or_default();
        // A command or a path is assigned (`a=nc`, `p=/bin/sh`, `c='id'`), not a number.
        let value = text.get(i + 1..).unwrap_or_default();
        if name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && value.starts_with(|c: char| c.is_ascii_alphabetic() || matches!(c, '/' | '\'' | '"'))
        {
            assigned.push((i, name));
            if assigned.len() == MOST {
                break;
            }
        }
    }
    if assigned.is_empty() {
        return false;
    }
    positions.iter().any(|&CommandPosition { at: start, .. }| {
        let rest = text
            .get(start..)
            .unwrap_or_default()
            .trim_start_matches([' ', '\t']);
        let word = rest.get(..word_end(rest)).unwrap_or_default();
        if only_expansions(word) != Some(1) {
            return false;
        }
        let name = word
            .trim_start_matches('$')
            .trim_start_matches('{')
            .trim_end_matches('}');
        assigned.iter().any(|&(at, n)| at < start && n == name)
    })
}

/// A program run by its path in a `bin` directory: `/bin/cat`, `/usr/sbin/visudo`,
/// `bin/chef` where a value starts. Only known commands: `/bin/ab` is left to
/// `rce-008` ([`super::expansion`]).
fn runs_binary_path(text: &str) -> bool {
    text.match_indices("bin/").any(|(i, _)| {
        let before = text.get(..i).unwrap_or_default();
        let before = before.strip_suffix('s').unwrap_or(before);
        if !(before.is_empty() || before.ends_with('/')) {
            return false;
        }
        let rest = text.get(i + 4..).unwrap_or_default();
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
            .unwrap_or(rest.len());
        let name = rest.get(..end).unwrap_or_default();
        let after = rest.get(end..).unwrap_or_default();
        after.chars().next().is_none_or(|c| {
            c.is_ascii_whitespace() || matches!(c, ';' | '|' | '&' | '\'' | '"' | ')' | '`')
        }) && (is_command(name)
            || WORD_COMMAND_SET.contains(name)
            || OPTION_COMMAND_SET.contains(name))
    })
}
