//! RFC 3339 UTC timestamps without a date-time dependency: the one formatter, used for a
//! record's `timings.started_at` (by the runner) and for Inspect archives.

use std::time::{SystemTime, UNIX_EPOCH};

/// A UTC calendar date and time of day.
struct Civil {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
}

/// The calendar date and time of `secs` seconds since the Unix epoch (civil-from-days,
/// H. Hinnant).
fn civil(secs: i64) -> Civil {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    Civil {
        year: yoe + era * 400 + i64::from(month <= 2),
        month,
        day,
        hour: rem / 3600,
        minute: (rem % 3600) / 60,
        second: rem % 60,
    }
}

fn since_epoch() -> std::time::Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

/// Formats milliseconds since the Unix epoch as a record timestamp:
/// `YYYY-MM-DDTHH:MM:SS.mmmZ` (RFC 3339, UTC, milliseconds).
///
/// ```
/// assert_eq!(assurai_eval::rfc3339_millis(951_782_400_000), "2000-02-29T00:00:00.000Z");
/// ```
pub fn rfc3339_millis(unix_millis: u128) -> String {
    let secs = i64::try_from(unix_millis / 1000).unwrap_or(i64::MAX);
    let c = civil(secs);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        c.year,
        c.month,
        c.day,
        c.hour,
        c.minute,
        c.second,
        unix_millis % 1000
    )
}

/// The current time as a record timestamp ([`rfc3339_millis`]).
pub fn now_rfc3339_millis() -> String {
    rfc3339_millis(since_epoch().as_millis())
}

/// The current UTC time as RFC 3339 in whole seconds with an explicit offset
/// (`2026-11-29T02:14:47+00:00`), as Inspect logs write it.
pub(crate) fn now_rfc3339_offset() -> String {
    let secs = i64::try_from(since_epoch().as_secs()).unwrap_or(i64::MAX);
    let c = civil(secs);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+00:00",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

#[cfg(test)]
mod tests {
    use super::rfc3339_millis;

    #[test]
    fn known_instants() {
        assert_eq!(rfc3339_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339_millis(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(
            rfc3339_millis(1_796_000_000_123),
            "2026-11-30T00:53:20.123Z"
        );
    }

    #[test]
    fn the_offset_form_has_the_same_date_and_time() {
        let offset = super::now_rfc3339_offset();
        assert_eq!(offset.len(), "2026-11-29T02:14:47+00:00".len());
        assert!(offset.ends_with("+00:00"), "{offset}");
        let b = offset.as_bytes();
        assert_eq!(
            (b[4], b[7], b[10], b[13], b[16]),
            (b'-', b'-', b'T', b':', b':')
        );
    }
}
