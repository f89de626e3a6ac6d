//! Compute API microversions ("2.1", "2.104"). Compared as (major, minor) integers:
//! "2.100" is not "2.1" and "2.90" is not "2.9" — never parse them as floats.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Microversion {
    pub major: u16,
    pub minor: u16,
}

impl Microversion {
    pub const fn new(major: u16, minor: u16) -> Self {
        Microversion { major, minor }
    }
    /// The first microversion of the v2.1 API.
    pub const MIN: Microversion = Microversion::new(2, 1);
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a microversion (expected MAJOR.MINOR such as 2.1 or 2.104)")]
pub struct MicroversionError(pub String);

impl FromStr for Microversion {
    type Err = MicroversionError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || MicroversionError(text.to_string());
        let (major, minor) = text.trim().split_once('.').ok_or_else(bad)?;
        let digits = |s: &str| !s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(major) || !digits(minor) {
            return Err(bad());
        }
        Ok(Microversion::new(major.parse().map_err(|_| bad())?, minor.parse().map_err(|_| bad())?))
    }
}

impl fmt::Display for Microversion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl serde::Serialize for Microversion {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Microversion {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_as_integers_not_floats() {
        let v = |s: &str| s.parse::<Microversion>().unwrap();
        assert!(v("2.100") > v("2.99"));
        assert!(v("2.90") > v("2.9"));
        assert_ne!(v("2.10"), v("2.1"));
        assert_eq!(v("2.104").to_string(), "2.104");
    }

    #[test]
    fn rejects_non_versions() {
        for bad in ["", "2", "2.", ".1", "2.1.3", "two.one", "2.-1", "latest"] {
            assert!(bad.parse::<Microversion>().is_err(), "{bad}");
        }
    }
}
