//! Script sinks (`alert`, `prompt`, `confirm`, `eval`) called without the plain `name(` that
//! [`super::CALLS`] lists: JavaScript reaches the same call through grouping
//! (`(alert)(1)`, `(0,alert)(1)`), optional chaining (`alert?.(1)`), the function methods
//! (`prompt.call(null,1)`, `confirm.apply(…)`, `alert.bind()(1)`), a tagged template
//! (`` alert`1` ``), by passing the sink as a callback to a method (`[1].find(alert)`), or by
//! assigning it to an event handler property or a name called next (`window.onerror=alert`,
//! `a=alert;a(1)`).
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
    // Passed as a callback to a method: `[1].find(alert)`, `x.then(alert,…)`,
    // `Array.from([1],alert)`.
    if matches!(before, Some(b'(' | b','))
        && matches!(at(end), Some(b')' | b','))
        && enclosing_call(squeezed, start).is_some_and(|open| method_call_opens_at(squeezed, open))
    {
        return true;
    }
    // Assigned, then called: to an event handler property (`window.onerror=alert;throw 1`),
    // or to a name called later (`a=alert;a(1)`).
    before == Some(b'=')
        && !gap(start)
        && matches!(at(end), None | Some(b';' | b','))
        && (handler_property_before(squeezed, start - 1)
            || assigned_name_called(squeezed, start - 1, end))
}

/// The `(` of the call whose arguments hold `at`, within a short reach.
fn enclosing_call(squeezed: &[u8], at: usize) -> Option<usize> {
    const REACH: usize = 64;
    let mut depth = 0usize;
    let from = at.saturating_sub(REACH);
    for i in (from..at).rev() {
        match squeezed.get(i) {
            Some(b')' | b']') => depth += 1,
            Some(b'(') if depth == 0 => return Some(i),
            Some(b'(' | b'[') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// Whether the `=` at `eq` assigns an `on…` property of an object (`window.onerror=`,
/// `x.onload=`).
fn handler_property_before(squeezed: &[u8], eq: usize) -> bool {
    let head = squeezed.get(..eq).unwrap_or_default();
    let name_len = head
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_alphabetic())
        .count();
    let name = head.get(head.len() - name_len..).unwrap_or_default();
    name.len() > 2
        && name.starts_with(b"on")
        && (head.len() - name_len)
            .checked_sub(1)
            .and_then(|p| head.get(p))
            == Some(&b'.')
}

/// Whether the name the `=` at `eq` assigns is called after the sink's `end`:
/// `a=alert;a(1)`.
fn assigned_name_called(squeezed: &[u8], eq: usize, end: usize) -> bool {
    let head = squeezed.get(..eq).unwrap_or_default();
    let name_len = head
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$'))
        .count();
    let name = head.get(head.len() - name_len..).unwrap_or_default();
    if name.is_empty() || name.first().is_some_and(u8::is_ascii_digit) {
        return false;
    }
    let tail = squeezed.get(end..).unwrap_or_default();
    tail.windows(name.len() + 1).enumerate().any(|(i, w)| {
        w.starts_with(name)
            && matches!(w.last(), Some(b'(' | b'`'))
            && !tail
                .get(..i)
                .and_then(|t| t.last())
                .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$' | b'.'))
    })
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
            "Array.from([1],alert)",
            "window.onerror=alert;throw 1",
            "a=alert;a(1)",
            "x=prompt,x`1`",
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
            "(email, alert)",
            "Notify by (sms, alert)",
            "level=alert; see the log",
            "mode=confirm",
            "status=alert, code=4",
            "onerror=alert",
        ] {
            assert!(!calls(v), "{v}");
        }
    }
}
