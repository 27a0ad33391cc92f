//! Sets of short words (command and function names) asked "is this word in the list?" many
//! times per value: a hash set built once per process, so a lookup is one hash of the word and
//! at most a compare or two, instead of comparing the word with every entry in turn (a linear
//! scan of the 143 command names, for every word at a command position and every quoted word,
//! was most of the command-injection detector's time on a sentence with apostrophes; a binary
//! search still cost eight string compares a lookup).
//!
//! A [`WordSet`] answers exactly what `list.contains(&word)` answers: same entries, compared
//! as whole strings; only how the candidates are found changes.

use foldhash::fast::FixedState;
use std::collections::HashSet;
use std::sync::OnceLock;

/// A list of words, searched in a hash set built on first use.
pub struct WordSet {
    set: OnceLock<HashSet<&'static str, FixedState>>,
    words: &'static [&'static str],
}

impl WordSet {
    /// The set of `words` (any order, duplicates allowed).
    pub const fn new(words: &'static [&'static str]) -> Self {
        WordSet {
            set: OnceLock::new(),
            words,
        }
    }

    /// Whether `word` is one of the words (`words.contains(&word)`).
    ///
    /// foldhash with a fixed seed: the words looked up come from requests, but a set holds a
    /// fixed list of at most a few hundred names, so even lookups that collide can only walk
    /// that list's entries, no worse than the linear scan this replaces.
    pub fn contains(&self, word: &str) -> bool {
        self.set
            .get_or_init(|| self.words.iter().copied().collect())
            .contains(word)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_as_the_list_does() {
        const LIST: [&str; 6] = ["nc", "ncat", "bash", "a", "nc", "zsh"];
        static SET: WordSet = WordSet::new(&LIST);
        for w in [
            "nc", "ncat", "bash", "a", "zsh", "", "n", "ncatx", "Bash", "b", "zzz", "nc ",
        ] {
            assert_eq!(SET.contains(w), LIST.contains(&w), "{w}");
        }
    }
}
