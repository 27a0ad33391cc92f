//! Header maps across the proxy-wasm ABI, read and written in one pass.
//!
//! The host hands a header map over as one buffer (`proxy_get_header_map_pairs`): the number
//! of headers, each name's and value's length, then every name and value, each followed by a
//! NUL, all integers 32-bit little-endian. The SDK's `get_map_bytes` copies each name and value
//! into its own allocation, and it and `set_map_bytes` panic on a status they do not expect
//! (and on a name that is not UTF-8), which would wedge the VM. Here the buffer is read
//! straight into a [`HeaderList`] (three allocations, whatever the number of headers), a list is
//! written back in one buffer, and every failure is a [`HostError`].

use pavise_core::headers::HeaderList;
use pavise_core::host::HostError;
use proxy_wasm::types::{MapType, Status};

#[link(wasm_import_module = "env")]
extern "C" {
    fn proxy_get_header_map_pairs(
        map_type: MapType,
        return_map_data: *mut *mut u8,
        return_map_size: *mut usize,
    ) -> Status;

    fn proxy_set_header_map_pairs(
        map_type: MapType,
        map_data: *const u8,
        map_size: usize,
    ) -> Status;
}

const GET: &str = "get_header_map_pairs";
const SET: &str = "set_header_map_pairs";

/// Every header of `map`.
pub fn get(map: MapType) -> Result<HeaderList, HostError> {
    let mut data: *mut u8 = std::ptr::null_mut();
    let mut size: usize = 0;
    // SAFETY: the host writes into the two locals only: the address and length of a buffer it
    // allocated in this module's memory through the SDK's `proxy_on_memory_allocate`, or
    // nothing (an empty map).
    let status = unsafe { proxy_get_header_map_pairs(map, &mut data, &mut size) };
    if status != Status::Ok {
        return Err(HostError::call(GET, status));
    }
    if data.is_null() {
        return Ok(HeaderList::default());
    }
    // SAFETY: `proxy_on_memory_allocate` made this buffer as a boxed slice of exactly `size`
    // initialised bytes with the global allocator, and the host hands its ownership to the
    // module: a `Vec` of that length and capacity owns and frees it, as the SDK itself does.
    let buffer = unsafe { Vec::from_raw_parts(data, size, size) };
    parse(&buffer).ok_or(HostError::Malformed { call: GET })
}

/// Replaces every header of `map` with `headers`.
pub fn set(map: MapType, headers: &HeaderList) -> Result<(), HostError> {
    let buffer = serialize(headers).ok_or(HostError::Malformed { call: SET })?;
    // SAFETY: the host reads `buffer.len()` bytes from `buffer`, which outlives the call.
    let status = unsafe { proxy_set_header_map_pairs(map, buffer.as_ptr(), buffer.len()) };
    if status == Status::Ok {
        Ok(())
    } else {
        Err(HostError::call(SET, status))
    }
}

fn read_u32(buffer: &[u8], at: usize) -> Option<usize> {
    let bytes: [u8; 4] = buffer.get(at..at.checked_add(4)?)?.try_into().ok()?;
    usize::try_from(u32::from_le_bytes(bytes)).ok()
}

/// The headers of a serialised map; `None` if the buffer does not hold one (lengths past its
/// end, a name that is not UTF-8).
pub fn parse(buffer: &[u8]) -> Option<HeaderList> {
    if buffer.is_empty() {
        return Some(HeaderList::default());
    }
    let count = read_u32(buffer, 0)?;
    let mut text = count.checked_mul(8)?.checked_add(4)?;
    if text > buffer.len() {
        return None;
    }
    let mut headers = HeaderList::with_capacity(count, buffer.len() - text);
    for i in 0..count {
        let name_len = read_u32(buffer, 4 + i * 8)?;
        let value_len = read_u32(buffer, 8 + i * 8)?;
        let name_end = text.checked_add(name_len)?;
        let name = std::str::from_utf8(buffer.get(text..name_end)?).ok()?;
        let value_start = name_end.checked_add(1)?;
        let value_end = value_start.checked_add(value_len)?;
        let value = buffer.get(value_start..value_end)?;
        // Each name and value is followed by a NUL.
        if buffer.get(name_end) != Some(&0) || buffer.get(value_end) != Some(&0) {
            return None;
        }
        headers.push(name, value);
        text = value_end + 1;
    }
    Some(headers)
}

/// The serialised map of `headers`; `None` past the ABI's 32-bit lengths.
pub fn serialize(headers: &HeaderList) -> Option<Vec<u8>> {
    let text: usize = headers.iter().map(|(n, v)| n.len() + v.len() + 2).sum();
    let mut buffer = Vec::with_capacity(4 + headers.len() * 8 + text);
    let u32_le = |n: usize| u32::try_from(n).ok().map(u32::to_le_bytes);
    buffer.extend_from_slice(&u32_le(headers.len())?);
    for (name, value) in headers.iter() {
        buffer.extend_from_slice(&u32_le(name.len())?);
        buffer.extend_from_slice(&u32_le(value.len())?);
    }
    for (name, value) in headers.iter() {
        buffer.extend_from_slice(name.as_bytes());
        buffer.push(0);
        buffer.extend_from_slice(value);
        buffer.push(0);
    }
    Some(buffer)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SDK's own test map, serialised as the host sends it.
    const SERIALIZED: &[u8] = &[
        4, 0, 0, 0, // four headers
        7, 0, 0, 0, 3, 0, 0, 0, // ":method", "GET"
        5, 0, 0, 0, 8, 0, 0, 0, // ":path", "/bytes/1"
        10, 0, 0, 0, 11, 0, 0, 0, // ":authority", "httpbin.org"
        10, 0, 0, 0, 10, 0, 0, 0, // "Powered-By", "proxy-wasm"
        58, 109, 101, 116, 104, 111, 100, 0, 71, 69, 84, 0, // ":method\0GET\0"
        58, 112, 97, 116, 104, 0, 47, 98, 121, 116, 101, 115, 47, 49,
        0, // ":path\0/bytes/1\0"
        58, 97, 117, 116, 104, 111, 114, 105, 116, 121, 0, 104, 116, 116, 112, 98, 105, 110, 46,
        111, 114, 103, 0, // ":authority\0httpbin.org\0"
        80, 111, 119, 101, 114, 101, 100, 45, 66, 121, 0, 112, 114, 111, 120, 121, 45, 119, 97,
        115, 109, 0, // "Powered-By\0proxy-wasm\0"
    ];

    fn map() -> HeaderList {
        HeaderList::from_pairs(&[
            (":method", "GET"),
            (":path", "/bytes/1"),
            (":authority", "httpbin.org"),
            ("Powered-By", "proxy-wasm"),
        ])
    }

    #[test]
    fn reads_and_writes_the_abi_layout() {
        assert_eq!(parse(SERIALIZED), Some(map()));
        assert_eq!(serialize(&map()).as_deref(), Some(SERIALIZED));
        assert_eq!(parse(&[]), Some(HeaderList::default()));
        assert_eq!(parse(&[0, 0, 0, 0]), Some(HeaderList::default()));
        let odd = HeaderList::from_pairs(&[("x-bin", &[0xffu8, 0, 1][..]), ("empty", &[][..])]);
        assert_eq!(parse(&serialize(&odd).unwrap()), Some(odd));
    }

    #[test]
    fn refuses_what_is_not_a_map() {
        for cut in 1..SERIALIZED.len() {
            assert_eq!(parse(&SERIALIZED[..cut]), None, "cut at {cut}");
        }
        let mut not_utf8 = SERIALIZED.to_vec();
        not_utf8[36] = 0xff;
        assert_eq!(parse(&not_utf8), None);
        assert_eq!(parse(&[0xff, 0xff, 0xff, 0xff]), None);
    }
}
