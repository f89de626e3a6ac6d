//! Percent-encoding of query components: RFC 3986's unreserved characters pass, every other
//! byte becomes `%XX`. Requests are built with it, and secrets are looked for in that form too.

pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn unreserved_pass_the_rest_is_encoded() {
        assert_eq!(super::encode("a b/c~d"), "a%20b%2Fc~d");
    }
}
