//! `rce-007` (level 2): a whole value that starts with a known command's name.

use super::cmd::{windows_command, ARGUMENT_REACH};
use super::lex::{shell_word, without_version};
use super::sentence;
use super::words::{is_command, TOPIC_SET};
use crate::detect::words::word_list;
use crate::detect::wordset::WordSet;

word_list! {
    /// Commands that are also words, names or settings a value may start with, or form field
    /// names: left out.
    PROSE_COMMANDS = "shell-prose-commands"
}

/// [`PROSE_COMMANDS`] as a set.
pub(super) static PROSE_COMMAND_SET: WordSet = WordSet::new(&PROSE_COMMANDS);

/// A value that starts with a known command (`whoami;…`, `visudo`, `chef-shell`,
/// `cscli alerts list`, `pip3 install x`), other than two-letter ones (`id`, `ls`), tools
/// people write about ([`super::words::TOPICS`]) and [`PROSE_COMMANDS`]; names that begin sentences too
/// (`sed`, `chef`, `lynx`) only with their command's arguments ([`sentence`]). An article about `nmap` starting
/// with its name is flagged: the price of level 2.
pub(crate) fn starts_with_command_name(decoded: &[u8]) -> bool {
    let start = decoded
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\'' | b'"'))
        .unwrap_or(decoded.len());
    let rest = decoded.get(start..).unwrap_or_default();
    // A command name is short: a longer first word is no command, and reading it stops there.
    let end = rest
        .iter()
        .take(48)
        .position(|b| {
            b.is_ascii_whitespace()
                || matches!(b, b';' | b'|' | b'&' | b'<' | b'>' | b'(' | b'`' | b',')
        })
        .unwrap_or(rest.len().min(48));
    let Some(word) = rest.get(..end) else {
        return false;
    };
    if end == 48 || !word.iter().any(u8::is_ascii_alphabetic) {
        return false;
    }
    let word = String::from_utf8_lossy(word).to_ascii_lowercase();
    let word = shell_word(&word);
    let name = word.rsplit('/').next().unwrap_or(&word);
    // Names that begin sentences too (`sed de aventura`) need their command's arguments.
    let args = rest.get(end..).unwrap_or_default();
    let args =
        String::from_utf8_lossy(args.get(..ARGUMENT_REACH).unwrap_or(args)).to_ascii_lowercase();
    let known = |name: &str| {
        name.len() >= 3
            && is_command(name)
            && !TOPIC_SET.contains(name)
            && !PROSE_COMMAND_SET.contains(name)
            && (!sentence::begins_sentences(name) || sentence::has_argument_shape(name, &args))
    };
    // `net view`, `sc query`: a Windows command by its subcommand, nothing more needed in a
    // whole value at this level (`dir` alone is left out: a folder field's value).
    let windows = matches!(name, "net" | "sc")
        && rest.get(end..).is_some_and(|args| {
            let args = args.get(..ARGUMENT_REACH).unwrap_or(args);
            windows_command(
                name,
                &String::from_utf8_lossy(args).to_ascii_lowercase(),
                false,
            ) == Some(true)
        });
    known(name) || known(without_version(name)) || windows
}
