//! The command names the shell rules look for, from the data files in `words/` (built in at
//! compile time), each as a [`WordSet`]: every word at a command position and every quoted
//! word is looked up, so a lookup must not walk the lists.

use super::cmd::WINDOWS_COMMAND_SET;
use crate::detect::words::word_list;
use crate::detect::wordset::WordSet;

word_list! {
    /// Commands an injected payload runs that are not English words: matched at any command
    /// position.
    COMMANDS = "shell-commands"
}

word_list! {
    /// Commands that are also subjects of ordinary text (languages, well-known tools, names).
    TOPICS = "shell-topics"
}

word_list! {
    /// Families of tools named `<family>-<verb>` (`ansible-playbook`, `chef-client`).
    COMMAND_FAMILIES = "shell-command-families"
}

word_list! {
    /// Commands that run the command that follows them (`nohup ifconfig`, `time whoami`).
    WRAPPERS = "shell-wrappers"
}

word_list! {
    /// Commands that are also English words (`head`, `sleep`, `cat`): matched only when what
    /// follows looks like shell arguments (an option, a path, a number, a variable) or nothing.
    WORD_COMMANDS = "shell-word-commands"
}

word_list! {
    /// Commands that are English words or names too (`date`, `column`, `sort`): matched only
    /// with an option after them (`;date --file x`, `| sort -u`).
    OPTION_COMMANDS = "shell-option-commands"
}

/// [`COMMANDS`] as a set.
pub(super) static COMMAND_SET: WordSet = WordSet::new(&COMMANDS);
/// [`WORD_COMMANDS`] as a set.
pub(super) static WORD_COMMAND_SET: WordSet = WordSet::new(&WORD_COMMANDS);
/// [`TOPICS`] as a set.
pub(super) static TOPIC_SET: WordSet = WordSet::new(&TOPICS);
/// [`WRAPPERS`] as a set.
pub(super) static WRAPPER_SET: WordSet = WordSet::new(&WRAPPERS);
/// [`OPTION_COMMANDS`] as a set.
pub(super) static OPTION_COMMAND_SET: WordSet = WordSet::new(&OPTION_COMMANDS);

/// Whether `name` is a known command, a member of a command family, or `ansible` itself.
pub(super) fn is_command(name: &str) -> bool {
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
