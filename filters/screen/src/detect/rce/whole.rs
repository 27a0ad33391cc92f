//! `rce-001` on a whole value: a command line as a form field would hold it, a known command
//! and an option (`env --version`), one ended by a line break (`visudo\n`), a command behind a
//! wrapper (`nohup ifconfig`), an alias, a Windows command with arguments of its own shape.

use super::chained::{changes_directory, names_command};
use super::cmd::{
    echo_writes_script, windows_arguments, windows_command, windows_shaped, WINDOWS_COMMAND_SET,
};
use super::lex::{command_arguments, is_option, only_expansions, shell_word};
use super::words::{is_command, COMMAND_SET, TOPIC_SET, WORD_COMMAND_SET, WRAPPER_SET};

/// A whole value that is a command line: a known command, a blank, then an option
/// (`env --version`, `nc -nlvp 555`). A value starting with a command name alone is ordinary
/// input ("cat videos", "curl/8.0").
pub(super) fn starts_with_command_and_option(text: &str) -> bool {
    let trimmed = text.trim_start().trim_start_matches(['\'', '"']);
    let first = trimmed
        .split([' ', '\t', '\n', '\r', '\'', '"'])
        .next()
        .unwrap_or_default();
    // A command line as a form submits it, ended by a line break (`visudo\n`), a command run
    // through a wrapper (`nohup ifconfig`), or a defined alias.
    // A short line only, and not a tool people write about ("python tutorial\n").
    // Its arguments must look like a command's (an option, a path, a file name): "Axel Smith\n"
    // is a name.
    // (Only worked out for a command: the common case allocates nothing.)
    let line_break = || {
        let args: Vec<&str> = trimmed.split_whitespace().skip(1).collect();
        text.trim_end_matches([' ', '\t']).ends_with('\n')
            && trimmed.lines().count() == 1
            && args.len() <= 3
            && args
                .iter()
                .all(|a| a.starts_with('-') || a.contains(['/', '.', '=']))
            && !TOPIC_SET.contains(first)
    };
    if is_command(first)
        && (line_break()
            || trimmed
                .get(first.len()..)
                .is_some_and(|r| r.starts_with([' ', '\t']) && has_option(r)))
    {
        return true;
    }
    if WRAPPER_SET.contains(first) && names_command(trimmed.get(first.len()..).unwrap_or_default())
    {
        return true;
    }
    if first == "alias" && names_command(trimmed) {
        return true;
    }
    // A Windows command with an argument shaped like its own (`ipconfig /all`,
    // `net user x y /add`, `dir c:\users`, `type c:\x`), an `echo` into a script.
    let args = trimmed.get(first.len()..).unwrap_or_default();
    if (WINDOWS_COMMAND_SET.contains(first) && windows_arguments(args, false))
        || windows_command(first, args, true) == Some(true)
        || (first == "type" && windows_shaped(args.trim_start_matches([' ', '\t']).as_bytes()))
        || (first == "echo" && echo_writes_script(args))
    {
        return true;
    }
    // `${SHELL} -c "…"`, `$a -nlvp 555`: a program named by a variable, run with an option.
    if only_expansions(first).is_some()
        && trimmed
            .get(first.len()..)
            .is_some_and(|r| r.starts_with([' ', '\t']) && is_option(r.trim_start()))
    {
        return true;
    }
    let Some((word, rest)) = trimmed.split_once([' ', '\t']) else {
        return false;
    };
    // `"ll" /var/www/`, `uname$u -a`: the word as the shell runs it.
    let word = shell_word(word);
    let word = word.as_ref();
    let rest = rest.trim_start();
    // `cd /;cd etc;…`: a directory change that a command follows.
    if word == "cd" && changes_directory(rest) {
        return true;
    }
    let option = rest.starts_with('-')
        && rest
            .chars()
            .nth(1)
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '-');
    // `cat /etc/pa[s]swd`: a command with an absolute path.
    let path = rest.starts_with('/')
        && rest
            .chars()
            .nth(1)
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '[');
    (option || path) && (COMMAND_SET.contains(word) || WORD_COMMAND_SET.contains(word))
}

/// An option (`-m`, `--url`) among the command's arguments ([`command_arguments`]).
fn has_option(rest: &str) -> bool {
    command_arguments(rest).any(|w| {
        let w = w.strip_prefix("--").or_else(|| w.strip_prefix('-'));
        w.is_some_and(|o| o.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
    })
}
