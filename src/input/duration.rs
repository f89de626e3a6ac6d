//! Durations in suites: `300s`, `1.5s`, `250ms`, `2m`. A bare number is an error: the unit
//! is always written, so `timeout: 5` cannot silently mean milliseconds.

use std::time::Duration;

pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let expected = || format!("`{text}` is not a duration (expected a number with a unit: 250ms, 1.5s, 2m)");
    let value: f64 = number.parse().map_err(|_| expected())?;
    let seconds = match unit.trim() {
        "ms" => value / 1000.0,
        "s" => value,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        _ => return Err(expected()),
    };
    if !seconds.is_finite() || seconds > 86_400.0 {
        return Err(format!("`{text}` is longer than a day"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units() {
        assert_eq!(parse_duration("300s").unwrap(), Duration::from_secs(300));
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
    }

    #[test]
    fn rejects_bare_numbers_and_junk() {
        for bad in ["5", "", "s", "1.2.3s", "5 parsecs", "-1s", "99999h"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
