//! Query strings of the HTTP routes (`/api/files?name=..&key=..`): file names and keys are
//! free text, so every client percent-encodes them the same way.

/// Percent-encode `value` for a query string: its UTF-8 bytes, all but RFC 3986's unreserved
/// characters (`A-Z a-z 0-9 - _ . ~`) as `%XX`.
pub fn encode_query_value(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::encode_query_value;

    #[test]
    fn unreserved_stay_and_the_rest_is_escaped_byte_by_byte() {
        assert_eq!(encode_query_value("a-Z_0.~"), "a-Z_0.~");
        assert_eq!(encode_query_value("a b&c=d/е"), "a%20b%26c%3Dd%2F%D0%B5");
    }
}
