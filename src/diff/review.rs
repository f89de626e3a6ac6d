//! The review of a cassette directory's pending re-recordings: each against the accepted
//! cassette it would replace (`tapedeck accept`, and the end of a record run).

use std::path::Path;

use super::model::{Class, DiffReport};
use super::{Options, Pair};
use crate::cassette::pending::PENDING_DIR;
use crate::input::InputError;

/// The diff of each pending recording against its accepted cassette (a new one, with no
/// accepted cassette, shows as only in the pending area).
pub fn pending_review(dir: &Path, names: &[String], with_timing: bool) -> Result<DiffReport, InputError> {
    let pending_dir = dir.join(PENDING_DIR);
    let pairs: Vec<Pair> = names
        .iter()
        .map(|n| {
            let accepted = dir.join(n);
            (n.clone(), accepted.exists().then_some(accepted), Some(pending_dir.join(n)))
        })
        .collect();
    let mut options = Options::default();
    if !with_timing {
        options.ignore_classes.insert(Class::Timing);
    }
    super::report(&dir.display().to_string(), &pending_dir.display().to_string(), pairs, &options)
}
