//! Timestamps: milliseconds since the Unix epoch, shown as ISO-8601 like MongoDB dates.

/// Milliseconds since 1970-01-01T00:00:00Z.
pub type Millis = i64;

/// Formats `ms` as `YYYY-MM-DDTHH:MM:SS.mmmZ`, the way Rocket.Chat serialises dates.
pub fn iso8601(ms: Millis) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Whether `text` is an ISO-8601 date or date-time that JavaScript's `Date.parse` reads:
/// `YYYY-MM-DD`, optionally `THH:MM`, `:SS`, a fraction, and `Z` or an offset `±HH:MM`.
pub fn is_iso8601(text: &str) -> bool {
    let num = |s: &str, max: u32| s.len() == 2 && s.parse::<u32>().is_ok_and(|n| n <= max);
    let (date, time) = match text.split_once(['T', ' ']) {
        Some((d, t)) => (d, Some(t)),
        None => (text, None),
    };
    let mut parts = date.split('-');
    let date_ok = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(y), Some(m), Some(d), None) => {
            y.len() == 4
                && y.parse::<u32>().is_ok()
                && num(m, 12)
                && m != "00"
                && num(d, 31)
                && d != "00"
        }
        _ => false,
    };
    let Some(time) = time else {
        return date_ok;
    };
    let (clock, offset) = match time.find(['Z', '+', '-']) {
        Some(i) => time.split_at(i),
        None => (time, ""),
    };
    let offset_ok = match offset {
        "" | "Z" => true,
        o => o[1..]
            .split_once(':')
            .is_some_and(|(h, m)| num(h, 23) && num(m, 59)),
    };
    let (hms, fraction) = clock.split_once('.').unwrap_or((clock, "0"));
    let fields: Vec<&str> = hms.split(':').collect();
    let clock_ok = matches!(fields.len(), 2 | 3)
        && num(fields[0], 23)
        && num(fields[1], 59)
        && fields.get(2).is_none_or(|s| num(s, 59))
        && !fraction.is_empty()
        && fraction.chars().all(|c| c.is_ascii_digit());
    date_ok && clock_ok && offset_ok
}

/// The instant an ISO-8601 text (as [`is_iso8601`] accepts) names; a time without an offset
/// is read as UTC, the server's zone.
pub fn parse_iso8601(text: &str) -> Option<Millis> {
    if !is_iso8601(text) {
        return None;
    }
    let (date, time) = match text.split_once(['T', ' ']) {
        Some((d, t)) => (d, t),
        None => (text, "00:00"),
    };
    let mut ymd = date.split('-').map(|p| p.parse::<i64>().ok());
    let (year, month, day) = (ymd.next()??, ymd.next()??, ymd.next()??);
    let (clock, offset) = match time.find(['Z', '+', '-']) {
        Some(i) => time.split_at(i),
        None => (time, ""),
    };
    let (hms, fraction) = clock.split_once('.').unwrap_or((clock, "0"));
    let mut fields = hms.split(':').map(|p| p.parse::<i64>().ok());
    let (hour, minute) = (fields.next()??, fields.next()??);
    let second = fields.next().flatten().unwrap_or(0);
    let millis = format!("{fraction:0<3}")[..3].parse::<i64>().ok()?;
    let offset_minutes = match offset {
        "" | "Z" => 0,
        o => {
            let (h, m) = o[1..].split_once(':')?;
            let minutes = h.parse::<i64>().ok()? * 60 + m.parse::<i64>().ok()?;
            if o.starts_with('-') {
                -minutes
            } else {
                minutes
            }
        }
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    Some(secs * 1000 + millis)
}

/// Howard Hinnant's civil-to-days algorithm: days since 1970-01-01.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::{is_iso8601, iso8601, parse_iso8601};

    #[test]
    fn parses_what_it_formats_and_offsets() {
        for ms in [0, 951_782_400_123, 1_764_201_600_000, 1_764_201_645_999] {
            assert_eq!(parse_iso8601(&iso8601(ms)), Some(ms));
        }
        assert_eq!(parse_iso8601("2025-11-27"), Some(1_764_201_600_000));
        assert_eq!(
            parse_iso8601("2025-11-27T01:00+01:00"),
            Some(1_764_201_600_000)
        );
        assert_eq!(
            parse_iso8601("2025-11-27T10:00:05.5Z"),
            Some(1_764_237_605_500)
        );
        assert_eq!(parse_iso8601("tomorrow"), None);
    }

    #[test]
    fn recognises_iso_dates() {
        for ok in [
            "2026-11-27",
            "2026-11-27T10:00",
            "2026-11-27T10:00:05.123Z",
            "2026-11-27 10:00:05+01:00",
        ] {
            assert!(is_iso8601(ok), "{ok}");
        }
        for bad in [
            "",
            "yesterday",
            "2026-13-01",
            "2026-11-27T25:00",
            "2026-11-27T10",
            "27.11.2026",
            "2026-11-27T10:00:05.",
        ] {
            assert!(!is_iso8601(bad), "{bad}");
        }
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(951_782_400_123), "2000-02-29T00:00:00.123Z");
        assert_eq!(iso8601(1_764_201_600_000), "2025-11-27T00:00:00.000Z");
    }
}
