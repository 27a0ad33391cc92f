//! `rce-005`: Windows command shell and PowerShell syntax: the shell and its cmdlets by name,
//! cmd.exe's `if` and `for` constructs.

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

/// Whether the blank-squeezed value has Windows shell syntax.
pub(super) fn has_windows_syntax(squeezed: &str) -> bool {
    WINDOWS_PHRASES.iter().any(|w| squeezed.contains(w))
        || WINDOWS_BLANK_WORDS
            .iter()
            .any(|w| followed_by_blank(squeezed, w))
        || has_windows_if(squeezed)
        || has_windows_for(squeezed)
        || has_windows_if_test(squeezed)
}

/// Whether `word` stands in `squeezed` with a blank right after it. (None of the words
/// overlaps itself, so the non-overlapping matches find every place it stands.)
fn followed_by_blank(squeezed: &str, word: &str) -> bool {
    squeezed
        .match_indices(word)
        .any(|(i, _)| squeezed.as_bytes().get(i + word.len()) == Some(&b' '))
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
