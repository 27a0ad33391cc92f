//! Commands whose names also begin ordinary sentences or are names: `sed` (Spanish "thirst",
//! Latin "but", the second word of lorem ipsum), `chef`, `lynx`, `gawk`, `shred`, `vagrant`,
//! `terraform`, `yash` (a given name), `nikto` (Russian "nobody"). A value that starts with
//! one is a command line (`rce-007`) only when what follows is shaped like that command's
//! arguments: `sed -n 1p /etc/passwd`, `sed 's/a/b/' x`, `chef report nodes`, `terraform
//! destroy -auto-approve`; not "sed de aventura", "Chef de partie", "Lynx are shy".

use super::lex::is_option;
use crate::detect::words::word_list;
use crate::detect::wordset::WordSet;

word_list! {
    /// Command names that begin sentences (in English, Spanish, French, German, Portuguese,
    /// Italian, Latin filler text) or are given names.
    SENTENCE_COMMANDS = "shell-sentence-commands"
}

static SENTENCE_COMMAND_SET: WordSet = WordSet::new(&SENTENCE_COMMANDS);

word_list! {
    /// `chef`'s subcommands (Chef Workstation).
    CHEF_SUBCOMMAND_LIST = "chef-subcommands"
}

/// [`CHEF_SUBCOMMAND_LIST`] as a set.
static CHEF_SUBCOMMANDS: WordSet = WordSet::new(&CHEF_SUBCOMMAND_LIST);

word_list! {
    /// Subcommands of `vagrant` and `terraform` that act on machines or state.
    MACHINE_SUBCOMMAND_LIST = "machine-subcommands"
}

/// [`MACHINE_SUBCOMMAND_LIST`] as a set.
static MACHINE_SUBCOMMANDS: WordSet = WordSet::new(&MACHINE_SUBCOMMAND_LIST);

/// Whether `name` begins sentences too, so that it needs [`has_argument_shape`].
pub(super) fn begins_sentences(name: &str) -> bool {
    SENTENCE_COMMAND_SET.contains(name)
}

/// Whether `args` (what follows the command word, lowercase) are shaped like `name`'s: a
/// separator or redirection right after the word, an option or a path first; a script for
/// `sed` and `gawk`; a subcommand for `chef`, `vagrant`, `terraform` (the latter two with
/// nothing or an option after it).
pub(super) fn has_argument_shape(name: &str, args: &str) -> bool {
    if args.starts_with([';', '|', '&', '<', '>', '`']) || args.starts_with("$(") {
        return true;
    }
    let args = args.trim_start_matches([' ', '\t']);
    let mut tokens = args.split_whitespace();
    let Some(first) = tokens.next() else {
        // The word alone is a name, a title or a heading.
        return false;
    };
    if is_option(first) || is_path(first) {
        return true;
    }
    match name {
        "sed" => is_sed_script(first),
        "gawk" => first.starts_with(['\'', '"']),
        "chef" => CHEF_SUBCOMMANDS.contains(first),
        "vagrant" | "terraform" => {
            MACHINE_SUBCOMMANDS.contains(first)
                && tokens.next().is_none_or(|t| {
                    // Their options are single-dash words too (`-auto-approve`).
                    t.strip_prefix('-').is_some_and(|o| {
                        o.starts_with(|c: char| c.is_ascii_alphabetic() || c == '-')
                    })
                })
        }
        _ => false,
    }
}

/// An absolute, relative or home path: `/etc/passwd`, `./x`, `../x`, `~/x`.
fn is_path(token: &str) -> bool {
    token
        .strip_prefix('/')
        .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '.'))
        || token.starts_with("./")
        || token.starts_with("../")
        || token.starts_with("~/")
}

/// A sed script: quoted (`'s/a/b/'`, `"1d"`), a substitution or transliteration with its
/// delimiter (`s/a/b/`, `s|a|b|`, `y/ab/ba/`), or an address and a command (`1p`, `$d`,
/// `1,5d`, `/re/d`).
fn is_sed_script(token: &str) -> bool {
    if token.starts_with(['\'', '"']) {
        return true;
    }
    let bytes = token.as_bytes();
    if let (Some(b's' | b'y'), Some(&d)) = (bytes.first(), bytes.get(1)) {
        // The delimiter is any punctuation, and appears at least twice more.
        if d.is_ascii_punctuation() && bytes.iter().skip(2).filter(|&&b| b == d).count() >= 2 {
            return true;
        }
    }
    let command = token.trim_start_matches(|c: char| c.is_ascii_digit() || matches!(c, ',' | '$'));
    command.len() < token.len() && matches!(command, "p" | "d" | "q" | "=" | "!d" | "!p")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sentence_word_needs_its_command_arguments() {
        for (name, args) in [
            ("sed", " -n 1p /etc/passwd"),
            ("sed", " 's/a/b/' x"),
            ("sed", " s|a|b| x"),
            ("sed", " 1d x"),
            ("sed", " $d"),
            ("sed", " 1,5p x"),
            ("sed", ";id"),
            ("gawk", " '{print $1}' /etc/passwd"),
            ("chef", " report nodes"),
            ("chef", " generate cookbook x"),
            ("terraform", " destroy -auto-approve"),
            ("vagrant", " up"),
            ("lynx", " -dump http://x"),
            ("shred", " -u notes.txt"),
            ("yash", " -c id"),
            ("nikto", " -h 10.0.0.1"),
        ] {
            assert!(begins_sentences(name), "{name}");
            assert!(has_argument_shape(name, args), "{name}{args}");
        }
        for (name, args) in [
            ("sed", " de aventura"),
            ("sed", " ut perspiciatis unde omnis"),
            ("sed", " quia non numquam"),
            ("sed", ""),
            ("sed", " do eiusmod tempor, sed 5 times"),
            ("chef", " de partie"),
            ("chef", " gordon's special"),
            ("chef", ""),
            ("lynx", " are shy animals"),
            ("gawk", " at the view"),
            ("shred", " the cheese, then bake"),
            ("vagrant", " up the road"),
            ("terraform", " plan for mars"),
            ("yash", " patel"),
            ("nikto", " ne znaet"),
            ("irb", " approval pending"),
            ("byobu", " screens"),
        ] {
            assert!(!has_argument_shape(name, args), "{name}{args}");
        }
    }
}
