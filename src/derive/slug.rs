//! Operation ids are the api-ref's own anchors: the slug of the section title.

/// Lowercase, every run of non-alphanumerics becomes one `-`, no leading/trailing dashes.
/// "Reboot Server (reboot Action)" → `reboot-server-reboot-action`.
pub fn slug(title: &str) -> String {
    let mut out = String::with_capacity(title.len());
    let mut pending_dash = false;
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            if pending_dash && !out.is_empty() {
                out.push('-');
            }
            pending_dash = false;
            out.push(c.to_ascii_lowercase());
        } else {
            pending_dash = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::slug;

    #[test]
    fn slugs_match_api_ref_anchors() {
        assert_eq!(slug("Reboot Server (reboot Action)"), "reboot-server-reboot-action");
        assert_eq!(slug("Show Server Details"), "show-server-details");
        assert_eq!(slug("Create Or Update Metadata Item"), "create-or-update-metadata-item");
        assert_eq!(
            slug(" Add (Associate) Floating Ip (addFloatingIp Action) (DEPRECATED) "),
            "add-associate-floating-ip-addfloatingip-action-deprecated"
        );
        assert_eq!(slug("os-getConsoleOutput -- v2.1"), "os-getconsoleoutput-v2-1");
    }
}
