//! `rce-005`: Windows command shell and PowerShell syntax: the shell and its cmdlets by name,
//! cmd.exe's `if` and `for` constructs.

use super::cmd::within;
use super::lex::squeeze_spaces;
use crate::detect::anchor::{longest_piece, Anchors};
use crate::detect::words::word_list;

word_list! {
    /// Windows shell phrases, matched anywhere in the blank-squeezed value.
    WINDOWS_PHRASES = "windows-phrases"
}

word_list! {
    /// Windows words matched with a blank after them (`iex $x`, `wmic process`).
    WINDOWS_BLANK_WORDS = "windows-blank-words"
}

/// A piece of each Windows phrase and word (the longest between blanks), and `if` and `for`,
/// which every `if`/`for` construct ([`has_windows_if`], [`has_windows_if_test`],
/// [`has_windows_for`]) starts with.
pub(super) static WINDOWS_ANCHORS: Anchors = Anchors::new(|| {
    WINDOWS_PHRASES
        .iter()
        .chain(WINDOWS_BLANK_WORDS.iter())
        .map(|w| longest_piece(w))
        .chain(["if", "for"])
        .collect()
});

/// Whether `text` (lowercase) holds one of [`WINDOWS_ANCHORS`], as every Windows construct
/// below does.
pub(super) fn may_have_windows_syntax(text: &str) -> bool {
    WINDOWS_ANCHORS.found_in(text.as_bytes())
}

/// Whether the value (`text`, lowercase, and `squeezed`, with its blank runs squeezed to one
/// blank) has Windows shell syntax.
pub(super) fn has_windows_syntax(text: &str, squeezed: &str) -> bool {
    WINDOWS_PHRASES.iter().any(|w| squeezed.contains(w))
        || WINDOWS_BLANK_WORDS
            .iter()
            .any(|w| followed_by_blank(squeezed, w))
        || has_windows_if(squeezed)
        || has_windows_for(text)
        || has_windows_if_test(text)
}

/// Whether `word` stands in `squeezed` with a blank right after it. (None of the words
/// overlaps itself, so the non-overlapping matches find every place it stands.)
fn followed_by_blank(squeezed: &str, word: &str) -> bool {
    squeezed
        .match_indices(word)
        .any(|(i, _)| squeezed.as_bytes().get(i + word.len()) == Some(&b' '))
}

/// How far a cmd.exe `if` or `for` is read: it is one command line, and short.
const COMMAND_REACH: usize = 256;

/// The lines of `text` (lowercase) that start after a `keyword` (`if`, `for`) standing as a
/// word and followed by a blank, each with its blank runs squeezed to one blank and without
/// that first blank, read to the end of the line or [`COMMAND_REACH`] bytes. A cmd.exe
/// construct is one line: what prose writes on the lines after an "if" is no part of it.
fn after_keyword<'a>(text: &'a str, keyword: &'a str) -> impl Iterator<Item = String> + 'a {
    text.match_indices(keyword).filter_map(move |(i, _)| {
        let starts_word = text
            .get(..i)
            .and_then(|b| b.chars().last())
            .is_none_or(|c| c.is_ascii_whitespace() || matches!(c, '(' | '&' | '|' | '"'));
        let rest = text.get(i + keyword.len()..).unwrap_or_default();
        if !starts_word || !rest.starts_with([' ', '\t']) {
            return None;
        }
        let line = within(rest, COMMAND_REACH);
        let line = line.split(['\n', '\r']).next().unwrap_or_default();
        Some(squeeze_spaces(line.trim_start_matches([' ', '\t'])))
    })
}

/// cmd.exe's `for`: `for [/d|/r|/l|/f ["options"]] %x in (…) do …` on one line, its
/// variable (`%x`, `%%x`: a `%` or two and any one character, or a name as the manual writes
/// it, `%variable`) right before `in`.
fn has_windows_for(text: &str) -> bool {
    after_keyword(text, "for").any(|rest| {
        let variable_in = rest.match_indices(" in (").any(|(p, _)| {
            let before = rest.get(..p).unwrap_or_default();
            let token = before.rsplit(' ').next().unwrap_or_default();
            let name = token.strip_prefix("%%").or_else(|| token.strip_prefix('%'));
            name.is_some_and(|n| {
                n.chars().count() == 1
                    || (!n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric()))
            })
        });
        variable_in && (rest.contains(" do ") || rest.contains(")do "))
    })
}

/// cmd.exe's `if` with a batch variable or test, on one line: `if %a% gtr %b%`,
/// `if "%1"==""`, `if !x!==y`, `if not defined x`.
fn has_windows_if_test(text: &str) -> bool {
    after_keyword(text, "if").any(|rest| {
        let rest = rest.as_str();
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
        has_batch_variable(rest)
            || compare
            || rest.starts_with("cmdextversion")
            || rest.starts_with("not defined")
            || rest.starts_with("defined ")
    })
}

/// A batch variable as cmd.exe writes one: `%name%` and `!name!` (delayed expansion) with a
/// name and no blank inside, `%~1`, `%~dp0`, or a positional parameter (`%1`, `%*`) not after
/// a number. Prose's percentages ("50% off, 20% more") and exclamations ("wow!!", "no! yes!")
/// have a blank or nothing between their marks.
fn has_batch_variable(rest: &str) -> bool {
    let bytes = rest.as_bytes();
    bytes.iter().enumerate().any(|(p, &b)| {
        let next = bytes.get(p + 1).copied();
        match b {
            b'%' => {
                let after_number = p > 0 && bytes.get(p - 1).is_some_and(u8::is_ascii_digit);
                next == Some(b'~')
                    || (!after_number && next.is_some_and(|c| c.is_ascii_digit() || c == b'*'))
                    || closed_name(bytes.get(p + 1..).unwrap_or_default(), b'%')
            }
            b'!' => closed_name(bytes.get(p + 1..).unwrap_or_default(), b'!'),
            _ => false,
        }
    })
}

/// Whether `rest` starts with a name (one to 64 bytes, no blank, no `mark`) closed by `mark`.
fn closed_name(rest: &[u8], mark: u8) -> bool {
    let name = rest
        .iter()
        .take(65)
        .take_while(|&&c| c != mark && !c.is_ascii_whitespace())
        .count();
    (1..=64).contains(&name) && rest.get(name) == Some(&mark)
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
