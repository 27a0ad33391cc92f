//! Script sinks (`alert`, `prompt`, `confirm`, `eval`) called without the plain `name(` that
//! [`super::CALLS`] lists: JavaScript reaches the same call through grouping
//! (`(alert)(1)`, `(0,alert)(1)`), optional chaining (`alert?.(1)`), the function methods
//! (`prompt.call(null,1)`, `confirm.apply(…)`, `alert.bind()(1)`), a tagged template
//! (`` alert`1` ``) or by passing the sink as a callback to a method (`[1].find(alert)`).
//!
//! Read on the squeezed text (lowercase, JS escapes undone, comments and blanks removed), with
//! for each byte whether blanks were removed before it: prose that only names a sink
//! (`at the prompt (twice)`, `` use `alert` here ``, `(alert) (see below)`) has blanks where
//! the call forms have none.

/// The sinks whose call is a payload's proof of execution.
const SINKS: [&[u8]; 4] = [b"alert", b"prompt", b"confirm", b"eval"];

/// Whether `squeezed` calls a sink in one of the forms of the module doc.
pub(super) fn has_indirect_sink_call(squeezed: &[u8], after_gap: &[bool]) -> bool {
    SINKS.iter().any(|sink| {
        squeezed
            .windows(sink.len())
            .enumerate()
            .filter(|(_, w)| w == sink)
            .any(|(start, _)| called_at(squeezed, after_gap, start, start + sink.len()))
    })
}

/// Whether the sink at `start..end` of `squeezed` is called.
fn called_at(squeezed: &[u8], after_gap: &[bool], start: usize, end: usize) -> bool {
    let at = |i: usize| squeezed.get(i).copied();
    let gap = |i: usize| after_gap.get(i).copied().unwrap_or(true);
    let rest = squeezed.get(end..).unwrap_or_default();
    let before = start.checked_sub(1).and_then(at);
    // Part of a longer name (`xalert`, `medieval`) or a property of another object's name
    // spelled with it (`alerts`): not the sink.
    let is_name = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$');
    if before.is_some_and(is_name) && !gap(start) || at(end).is_some_and(is_name) {
        return false;
    }
    // Tagged template: `` alert`1` ``, the template opened right after the name and closed
    // later (Markdown's `` `alert` `` closes it, then has a blank or nothing).
    if at(end) == Some(b'`') && !gap(end) {
        let opened = end + 1;
        return at(opened).is_some_and(|b| b != b'`') && !gap(opened) && {
            let tail = squeezed.get(opened..).unwrap_or_default();
            tail.contains(&b'`')
        };
    }
    // Optional chaining and the function methods.
    let glued = |prefix: &[u8]| {
        rest.starts_with(prefix) && (end..end + prefix.len()).all(|i| i == end || !gap(i))
    };
    if glued(b"?.(") || glued(b"?.`") || glued(b".call(") || glued(b".apply(") || glued(b".bind(") {
        return true;
    }
    // Grouped, then called: `(alert)(1)`, `(0,alert)(1)`, `((alert))(1)`.
    let grouped = matches!(before, Some(b'(' | b','));
    let closes = rest.iter().take_while(|b| **b == b')').count();
    if grouped && closes > 0 && matches!(rest.get(closes), Some(b'(' | b'`')) && !gap(end + closes)
    {
        return true;
    }
    // Passed as a callback to a method: `[1].find(alert)`, `x.then(alert,…)`.
    before == Some(b'(')
        && matches!(at(end), Some(b')' | b','))
        && method_call_opens_at(squeezed, start - 1)
}

/// Whether the `(` at `open` follows a method name: `.find(`, `].map(`.
fn method_call_opens_at(squeezed: &[u8], open: usize) -> bool {
    let head = squeezed.get(..open).unwrap_or_default();
    let name_len = head
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$'))
        .count();
    name_len > 0 && head.len() > name_len && head.get(head.len() - name_len - 1) == Some(&b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn squeeze(text: &str) -> (Vec<u8>, Vec<bool>) {
        super::super::squeeze(text.to_ascii_lowercase().as_bytes())
    }

    fn calls(text: &str) -> bool {
        let (s, g) = squeeze(text);
        has_indirect_sink_call(&s, &g)
    }

    #[test]
    fn call_forms_are_calls() {
        for v in [
            "(alert)(1)",
            "(0,alert)(document.domain)",
            "((confirm))(1)",
            "alert?.(document?.cookie)",
            "prompt.call(null,1)",
            "confirm.apply(null,[1])",
            "alert.bind()(1)",
            "alert`1`",
            "eval`alert\\x281\\x29`",
            "[1].find(alert)",
            "x.then(prompt,1)",
            "\"-(confirm)(1)-\"",
            "window.alert?.(1)",
        ] {
            assert!(calls(v), "{v}");
        }
    }

    #[test]
    fn prose_that_names_a_sink_is_not_a_call() {
        for v in [
            "Type it at the prompt (twice)",
            "use `alert` here",
            "the `prompt` function",
            "(alert) (see below)",
            "an alert, a prompt, a confirm dialog",
            "alerts(1)",
            "medieval(times)",
            "confirmation.call(us)",
            "prompt engineering (LLM)",
            "Set the alert type (email, sms)",
            "retrieval(1)",
            "(prompt)",
        ] {
            assert!(!calls(v), "{v}");
        }
    }
}
