//! Sets of short words (command names) asked "is this word in the list?" many times per value:
//! a copy of the list sorted once per process and searched by halves, instead of comparing the
//! word with every entry in turn (a linear scan of the 143 command names, for every word at a
//! command position and every quoted word, was most of the command-injection detector's time on
//! a sentence with apostrophes).
//!
//! A [`WordSet`] answers exactly what `list.contains(&word)` answers: same entries, compared
//! as whole strings; only the order of the comparisons changes.

use std::sync::OnceLock;

/// A list of words, searched in a sorted copy built on first use.
pub struct WordSet {
    sorted: OnceLock<Vec<&'static str>>,
    words: &'static [&'static str],
}

impl WordSet {
    /// The set of `words` (any order, duplicates allowed).
    pub const fn new(words: &'static [&'static str]) -> Self {
        WordSet {
            sorted: OnceLock::new(),
            words,
        }
    }

    /// Whether `word` is one of the words (`words.contains(&word)`).
    pub fn contains(&self, word: &str) -> bool {
        self.sorted
            .get_or_init(|| {
                let mut sorted = self.words.to_vec();
                sorted.sort_unstable();
                sorted.dedup();
                sorted
            })
            .binary_search(&word)
            .is_ok()
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
            "nc", "ncat", "bash", "a", "zsh", "", "n", "ncatx", "Bash", "b", "zzz",
        ] {
            assert_eq!(SET.contains(w), LIST.contains(&w), "{w}");
        }
    }
}
