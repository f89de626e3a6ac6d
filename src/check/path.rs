//! Status traces against a declared path. Polling may miss a fast transitional status, so the
//! observed statuses (consecutive repeats collapsed) must be a subsequence of the declared path,
//! in order. An undeclared status, or one seen after the path has moved past it, fails.

/// `Ok(())` or the reason the trace does not fit (the caller shows both paths beside it). An empty declared path allows anything.
pub fn check_path(declared: &[&str], observed: &[&str]) -> Result<(), String> {
    if declared.is_empty() {
        return Ok(());
    }
    let mut at: Option<usize> = None;
    for (i, status) in observed.iter().enumerate() {
        if at.is_some_and(|a| declared[a] == *status) {
            continue;
        }
        let from = at.map_or(0, |a| a + 1);
        match declared[from..].iter().position(|s| s == status) {
            Some(p) => at = Some(from + p),
            None if declared.contains(status) => {
                return Err(format!("went backwards: {status} after {}", observed[i - 1]));
            }
            None => {
                return Err(format!("{status} is not on the declared path"));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const REBOOT: &[&str] = &["ACTIVE", "REBOOT", "ACTIVE"];

    #[test]
    fn exact_and_missed_transitional_statuses_pass() {
        assert!(check_path(REBOOT, &["ACTIVE", "REBOOT", "ACTIVE"]).is_ok());
        assert!(check_path(REBOOT, &["REBOOT", "ACTIVE"]).is_ok());
        assert!(check_path(REBOOT, &["ACTIVE"]).is_ok());
        assert!(check_path(&["BUILD", "ACTIVE"], &["ACTIVE"]).is_ok());
        assert!(check_path(&[], &["ERROR", "ACTIVE"]).is_ok());
    }

    #[test]
    fn undeclared_status_fails() {
        let e = check_path(REBOOT, &["ACTIVE", "HARD_REBOOT", "ACTIVE"]).unwrap_err();
        assert!(e.contains("HARD_REBOOT is not on the declared path"), "{e}");
    }

    #[test]
    fn going_backwards_fails() {
        let e = check_path(&["BUILD", "ACTIVE"], &["BUILD", "ACTIVE", "BUILD", "ACTIVE"]).unwrap_err();
        assert!(e.contains("went backwards: BUILD after ACTIVE"), "{e}");
        assert!(check_path(REBOOT, &["REBOOT", "ACTIVE", "REBOOT"]).is_err());
    }
}
