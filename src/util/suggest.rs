//! "Did you mean …?": the one nearest name a user may have meant, for every place a name is
//! looked up (keys, statuses, variables, operation ids, capabilities, `--var`s). Near means
//! a few edits away (a third of the name, at least one) or the same letters in another case;
//! a far name suggests nothing, so that the message lists what is accepted instead.

/// The candidate nearest `wanted`, when one is near enough to have been meant; ties go to the
/// first candidate given. `wanted` itself is never suggested.
pub fn closest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = wanted.to_lowercase();
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        if candidate == wanted {
            continue;
        }
        let distance = strsim::damerau_levenshtein(&lower, &candidate.to_lowercase());
        let longest = wanted.chars().count().max(candidate.chars().count());
        if distance > (longest / 3).max(1) {
            continue;
        }
        if best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// `did you mean `x`?` for the nearest candidate, or `None`.
pub fn did_you_mean<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    closest(wanted, candidates).map(|c| format!("did you mean `{c}`?"))
}

/// `; did you mean `x`?` when a candidate is near, else `; ` and `otherwise` (a list of what
/// is accepted, say), or nothing when `otherwise` is empty.
pub fn hint<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>, otherwise: &str) -> String {
    match did_you_mean(wanted, candidates) {
        Some(d) => format!("; {d}"),
        None if otherwise.is_empty() => String::new(),
        None => format!("; {otherwise}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STEP: &[&str] = &["name", "request", "wait", "expect", "capture", "cleanup"];

    #[test]
    fn near_misses_are_suggested() {
        assert_eq!(closest("expcet", STEP.iter().copied()), Some("expect"));
        assert_eq!(closest("requst", STEP.iter().copied()), Some("request"));
        assert_eq!(closest("ACTIV", ["ACTIVE", "BUILD", "ERROR"]), Some("ACTIVE"));
        assert_eq!(closest("active", ["ACTIVE", "BUILD"]), Some("ACTIVE"));
        assert_eq!(closest("image_reff", ["image_ref", "image_ref_alt", "flavor_ref"]), Some("image_ref"));
        assert_eq!(closest("Name", STEP.iter().copied()), Some("name"));
    }

    #[test]
    fn far_names_suggest_nothing() {
        assert_eq!(closest("bogus", STEP.iter().copied()), None);
        assert_eq!(closest("x", STEP.iter().copied()), None);
        assert_eq!(closest("name", STEP.iter().copied()), None, "itself is not a suggestion");
        assert_eq!(hint("bogus", STEP.iter().copied(), "expected one of …"), "; expected one of …");
        assert_eq!(hint("nmae", STEP.iter().copied(), "expected one of …"), "; did you mean `name`?");
    }
}
