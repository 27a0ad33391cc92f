//! The shell's reading of a value, shared by the command-injection rules: where a command may
//! start (after a separator), and how that place reads in context ([`Context`]: a line start
//! or a separator as prose writes it, or one only a shell writes), where its word ends, the word as the shell runs it (quotes,
//! backslashes and empty expansions removed), options, versions glued to names, and prose
//! contractions that only look like quoted command names.

use std::borrow::Cow;

/// The separator that opens a command position, as the shell's grammar reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Separator {
    /// `;`.
    Semicolon,
    /// `|`.
    Pipe,
    /// `&`.
    Ampersand,
    /// A line break, `\n` or `\r`.
    LineBreak,
    /// A backtick, opening (or closing) a substitution.
    Backtick,
    /// `{`, of a group or a brace expansion.
    Brace,
    /// The `(` of `$(`.
    Substitution,
}

/// How a command position reads in its context.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Context {
    /// A line starts here (a line break, then nothing but blanks or `(` before the word):
    /// prose starts lines too.
    LineStart,
    /// A single `;`, `&` or `|` with a blank after it, as prose writes them between words.
    ProseSeparator,
    /// Only a shell writes this: `x;id`, `&&`, `||`, `$(`, a backtick, `\n; id`, `{`.
    Shell,
}

/// A place where a shell would expect a command: `at`, right after its `separator`.
#[derive(Clone, Copy, Debug)]
pub(super) struct CommandPosition {
    /// Where the command (after blanks and what else [`is_command_lead`] accepts) may start.
    pub(super) at: usize,
    /// The separator right before `at`.
    pub(super) separator: Separator,
    /// Whether another `;`, `&` or `|` stands right before the separator (`&&`, `||`, `;;`).
    doubled: bool,
}

impl CommandPosition {
    /// How the position reads in `text` (read only for the positions [`distinct_starts`]
    /// keeps: a line start reads the lead after it).
    pub(super) fn context(&self, text: &str) -> Context {
        let bytes = text.as_bytes();
        match self.separator {
            Separator::LineBreak => {
                let plain = bytes
                    .get(self.at..)
                    .unwrap_or_default()
                    .iter()
                    .take_while(|&&b| is_command_lead(b))
                    .all(|&b| b.is_ascii_whitespace() || b == b'(');
                if plain {
                    Context::LineStart
                } else {
                    Context::Shell
                }
            }
            Separator::Semicolon | Separator::Pipe | Separator::Ampersand
                if !self.doubled && matches!(bytes.get(self.at), Some(b' ' | b'\t')) =>
            {
                Context::ProseSeparator
            }
            _ => Context::Shell,
        }
    }
}

/// The places where a shell would expect a command: after `;`, `|`, `&`, a line break, a
/// backtick, `$(` or `{`. The start of the value is not one: a plain word there is ordinary
/// input.
pub(super) fn command_positions(text: &str) -> Vec<CommandPosition> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut previous: Option<u8> = None;
    for (i, &b) in bytes.iter().enumerate() {
        let separator = match b {
            b';' => Some(Separator::Semicolon),
            b'|' => Some(Separator::Pipe),
            b'&' => Some(Separator::Ampersand),
            b'\n' | b'\r' => Some(Separator::LineBreak),
            b'`' => Some(Separator::Backtick),
            b'{' => Some(Separator::Brace),
            b'(' if previous == Some(b'$') => Some(Separator::Substitution),
            _ => None,
        };
        if let Some(separator) = separator {
            out.push(CommandPosition {
                at: i + 1,
                separator,
                doubled: matches!(previous, Some(b';' | b'&' | b'|')),
            });
        }
        previous = Some(b);
    }
    out
}

/// What may stand between a command position and the command's word: blanks, separators,
/// a subshell's `(`, a group's `{`, `!` and redirections. [`super::chained::names_command`] skips it.
pub(super) fn is_command_lead(b: u8) -> bool {
    b.is_ascii_whitespace() || matches!(b, b'&' | b'|' | b';' | b'(' | b'{' | b'!' | b'<' | b'>')
}

/// The command positions whose reading differs, each moved past the bytes `lead` accepts
/// there: positions inside the lead of an earlier one reach the same word, so they are left
/// out. A value of many separators (`;;;;…`, `&&&&…`, a run of line breaks) then costs a pass
/// over it, not one per position (a 64 KiB run was seconds of CPU).
pub(super) fn distinct_starts<'a>(
    text: &'a str,
    positions: &'a [CommandPosition],
    lead: fn(u8) -> bool,
) -> impl Iterator<Item = CommandPosition> + 'a {
    let bytes = text.as_bytes();
    let mut reached: Option<usize> = None;
    positions.iter().filter_map(move |&p| {
        if reached.is_some_and(|r| p.at <= r) {
            return None;
        }
        let skipped = bytes
            .get(p.at..)
            .unwrap_or_default()
            .iter()
            .take_while(|&&b| lead(b))
            .count();
        reached = Some(p.at + skipped);
        Some(p)
    })
}

/// How much of a command word is read.
const WORD_REACH: usize = 64;

/// Where the word at the start of `rest` ends: at a blank, a separator, a redirection, a
/// closing `)` or `}` or a comma (of a brace expansion). A `${…}` inside the word is part of
/// it (`${x}gcc`), and so is an empty substitution glued into it (`ping$()`, `pi<()ng`,
/// two backticks), which [`shell_word`] drops.
pub(super) fn word_end(rest: &str) -> usize {
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

/// How many words after a command's name are read as its arguments: a command line puts its
/// options and paths among its first few words; prose naming a command goes on with a
/// sentence ("bzip2 and bunzip2 will by default not overwrite existing files. If you want
/// this, specify the -f flag").
pub(super) const ARGUMENT_WORDS: usize = 5;

/// The words of `args` (what follows a command's name) a command line would hold as its
/// arguments: to the end of the line or a separator (`;`, `|`, `&`), at most
/// [`ARGUMENT_WORDS`], and not past the end of a clause of prose: a word opening with `(`
/// ends them before it ("bzcat (or bzip2 -dc)"), a word ending with `.`, `,`, `?` or `!`
/// (not a path, not `..`) after it.
pub(super) fn command_arguments(args: &str) -> impl Iterator<Item = &str> {
    let line = args
        .split(['\n', '\r', ';', '|', '&'])
        .next()
        .unwrap_or_default();
    let mut ended = false;
    line.split_ascii_whitespace()
        .take(ARGUMENT_WORDS)
        .take_while(move |word| {
            if ended || word.starts_with('(') {
                return false;
            }
            ended = word.ends_with(['.', ',', '?', '!'])
                && !word.contains('/')
                && !word.bytes().all(|b| b == b'.');
            true
        })
}

/// An option where a command's arguments start: `-a`, `-nlvp`, `--file` (`-` alone, `-5`
/// and a dash before a word of prose, `-rated`, are not).
pub(super) fn is_option(args: &str) -> bool {
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

/// `word` as a shell runs it when its variables are unset: quotes and backslashes removed,
/// `${…}` and one-character expansions (`$u`, `$@`, `$*`, `$_`, `$9`, `$$`) dropped, and
/// empty substitutions (two backticks, `$()`, `<()`, `>()`) dropped: `n$u\c$u` is `nc`,
/// `ping$()` is `ping`, `c$*at` is `cat`. (A real shell reads `$uat` as one variable; an
/// evasion puts the `$x` where the next byte ends the name, and the filters it evades drop
/// `$` and one byte, so that reading is the one to undo.) Borrowed when there is nothing to
/// remove, as in most words.
pub(super) fn shell_word(word: &str) -> Cow<'_, str> {
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
pub(super) fn only_expansions(word: &str) -> Option<usize> {
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
pub(super) fn without_version(name: &str) -> &str {
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
pub(super) fn is_contraction(word: &str) -> bool {
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
pub(super) fn without_quotes(word: &str) -> Cow<'_, str> {
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

pub(super) fn squeeze_spaces(text: &str) -> String {
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
