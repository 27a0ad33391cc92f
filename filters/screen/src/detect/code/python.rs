//! Python code injection: a value an application hands to `eval`, `exec` or a template that
//! reaches the interpreter: `__import__('os')`, `os.system(`, `subprocess.…(`,
//! `eval(compile(`, and at level 2 an `import` statement of a module that runs commands.

use super::super::more::{call_of, code_argument};
use super::super::{PYTHON_CALL, PYTHON_IMPORT};
use crate::engine::Anchor::Pieces;
use crate::engine::RuleDef;

pub(crate) const TABLE: &[RuleDef] = &[
    RuleDef::always(PYTHON_CALL, |v| dangerous_call(v.squeezed(), v.lower()))
        .anchored(&[Pieces(&["("])]),
    RuleDef::always(PYTHON_IMPORT, |v| import_statement(v.lower()))
        .anchored(&[Pieces(&["import"])]),
];

/// Calls only code makes: `__import__(`, `os.system(`, `os.popen(`, `os.exec…(`, `os.spawn…(`,
/// `subprocess.` with a function, `pty.spawn(`, `importlib.import_module(`,
/// `commands.getoutput(`, `pickle.loads(`, `marshal.loads(`, `eval(compile(`, `exec(compile(`,
/// `getattr(__builtins__`; and `eval(`/`exec(` given a string or code.
fn dangerous_call(squeezed: &str, lower: &str) -> bool {
    const CALLS: [&str; 21] = [
        "__import__",
        "os.system",
        "os.popen",
        "os.execl",
        "os.execlp",
        "os.execv",
        "os.execve",
        "os.execvp",
        "os.spawnl",
        "os.spawnv",
        "os.startfile",
        "subprocess.popen",
        "subprocess.call",
        "subprocess.run",
        "subprocess.check_output",
        "subprocess.check_call",
        "subprocess.getoutput",
        "pty.spawn",
        "importlib.import_module",
        "commands.getoutput",
        "pickle.loads",
    ];
    call_of(lower, &CALLS, false, |_| true)
        || [
            "eval(compile(",
            "exec(compile(",
            "getattr(__builtins__",
            "marshal.loads(",
            "os.popen(",
        ]
        .iter()
        .any(|p| squeezed.contains(p))
        || call_of(lower, &["exec", "eval"], false, |a| {
            code_argument(a) && !a.trim_start().starts_with(')') && {
                let a = a.trim_start();
                a.starts_with(['\'', '"']) || a.contains("import") || a.contains("os.")
            }
        })
}

/// `import os`, `from subprocess import`, `import pty`, … followed by `;` or a line break and
/// more code: an injected statement. Python in a code-review field has it too: level 2.
fn import_statement(lower: &str) -> bool {
    const MODULES: [&str; 8] = [
        "os",
        "subprocess",
        "pty",
        "socket",
        "sys",
        "commands",
        "ctypes",
        "importlib",
    ];
    MODULES.iter().any(|m| {
        let stated = |prefix: &str| {
            lower.match_indices(prefix).any(|(i, _)| {
                let rest = lower.get(i + prefix.len()..).unwrap_or_default();
                let rest = rest.strip_prefix(m).unwrap_or("\u{0}");
                (rest.starts_with([';', '\n', '\r', ','])
                    || (prefix.starts_with("from") && rest.starts_with(" import")))
                    && (i == 0
                        || lower.as_bytes().get(i - 1).is_some_and(|b| {
                            matches!(b, b';' | b'\n' | b'\r' | b' ' | b'"' | b'\'')
                        }))
            })
        };
        stated("import ") || stated("from ")
    })
}
