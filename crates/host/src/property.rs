//! Envoy properties across the proxy-wasm ABI (`proxy_get_property`, `proxy_set_property`).
//!
//! A property's path goes to the host as its parts joined by NUL bytes. The SDK's
//! `get_property` and `set_property` take the path as a `Vec`, copy it into another one, and
//! panic on a status they do not expect, which would wedge the VM; the audit stage reads four
//! properties and writes one for every request. Here the path is joined on the stack (a
//! `Vec` only past [`STACK_PATH`] bytes) and every failure is a [`HostError`].

use pavise_core::host::HostError;
use proxy_wasm::types::Status;

#[link(wasm_import_module = "env")]
extern "C" {
    fn proxy_get_property(
        path_data: *const u8,
        path_size: usize,
        return_value_data: *mut *mut u8,
        return_value_size: *mut usize,
    ) -> Status;

    fn proxy_set_property(
        path_data: *const u8,
        path_size: usize,
        value_data: *const u8,
        value_size: usize,
    ) -> Status;
}

/// Longest joined path kept on the stack; every path Pavise asks for is far shorter.
const STACK_PATH: usize = 96;

/// `path`'s parts joined by NUL bytes, as the ABI takes a property path: into `stack` when it
/// fits, else into `heap`.
fn joined<'a>(path: &[&str], stack: &'a mut [u8; STACK_PATH], heap: &'a mut Vec<u8>) -> &'a [u8] {
    let len = path
        .iter()
        .map(|p| p.len() + 1)
        .sum::<usize>()
        .saturating_sub(1);
    if len > STACK_PATH {
        *heap = path.join("\0").into_bytes();
        return heap;
    }
    let mut at = 0;
    for (i, part) in path.iter().enumerate() {
        if i > 0 {
            if let Some(b) = stack.get_mut(at) {
                *b = 0;
            }
            at += 1;
        }
        if let Some(dest) = stack.get_mut(at..at + part.len()) {
            dest.copy_from_slice(part.as_bytes());
        }
        at += part.len();
    }
    stack.get(..len).unwrap_or_default()
}

/// The value of the property at `path`; `None` if the host has none (Envoy answers NotFound
/// for e.g. the response code of a request that was reset).
pub fn get(path: &[&str]) -> Result<Option<Vec<u8>>, HostError> {
    let (mut stack, mut heap) = ([0u8; STACK_PATH], Vec::new());
    let path = joined(path, &mut stack, &mut heap);
    let mut data: *mut u8 = std::ptr::null_mut();
    let mut size: usize = 0;
    // SAFETY: the host reads `path.len()` bytes from `path`, which outlives the call, and writes
    // into the two locals only: the address and length of a buffer it allocated in this
    // module's memory through the SDK's `proxy_on_memory_allocate`, or nothing.
    let status = unsafe { proxy_get_property(path.as_ptr(), path.len(), &mut data, &mut size) };
    match status {
        Status::Ok if data.is_null() => Ok(None),
        // SAFETY: `proxy_on_memory_allocate` made this buffer as a boxed slice of exactly `size`
        // initialised bytes with the global allocator, and the host hands its ownership to the
        // module: a `Vec` of that length and capacity owns and frees it, as the SDK does.
        Status::Ok => Ok(Some(unsafe { Vec::from_raw_parts(data, size, size) })),
        Status::NotFound => Ok(None),
        status => Err(HostError::call("get_property", status)),
    }
}

/// Sets the property at `path` (filter state, for a name the host does not know).
pub fn set(path: &[&str], value: &[u8]) -> Result<(), HostError> {
    let (mut stack, mut heap) = ([0u8; STACK_PATH], Vec::new());
    let path = joined(path, &mut stack, &mut heap);
    // SAFETY: the host reads `path.len()` bytes from `path` and `value.len()` from `value`,
    // both of which outlive the call.
    let status =
        unsafe { proxy_set_property(path.as_ptr(), path.len(), value.as_ptr(), value.len()) };
    if status == Status::Ok {
        Ok(())
    } else {
        Err(HostError::call("set_property", status))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn join(path: &[&str]) -> Vec<u8> {
        let (mut stack, mut heap) = ([0u8; STACK_PATH], Vec::new());
        joined(path, &mut stack, &mut heap).to_vec()
    }

    /// The SDK's serialisation, which the host parses.
    fn sdk(path: &[&str]) -> Vec<u8> {
        path.join("\0").into_bytes()
    }

    #[test]
    fn paths_are_joined_by_nul_as_the_sdk_joins_them() {
        let long = "x".repeat(STACK_PATH);
        let just = "y".repeat(STACK_PATH - 3);
        for path in [
            &["response", "code"][..],
            &["source", "address"],
            &["pavise.audit.event"],
            &[],
            &[""],
            &["a", ""],
            &[&long],
            &[&just, "z"],
            &[&just, "zz"],
            &["a", &long, "b"],
        ] {
            assert_eq!(join(path), sdk(path), "{path:?}");
        }
    }
}
