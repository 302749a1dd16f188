//! Local time at a place: DCs keep their own time zone, and people book and read dock times in it.
//! Conversions go through the IANA database (chrono-tz), so daylight-saving changes are exact:
//! a local time that does not exist (clocks jump forward) is refused, and one that exists twice
//! (clocks fall back) means its first occurrence.

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone, Utc};
pub use chrono_tz::{Tz, UTC};

/// The time zone named `name` (an IANA name such as `America/New_York`, or `UTC`).
pub fn zone(name: &str) -> Result<Tz, String> {
    name.parse::<Tz>().map_err(|_| format!("`{name}` is not a time zone in the IANA database"))
}

/// The wall-clock time in `tz` at the instant `t`.
pub fn to_local(tz: Tz, t: DateTime<Utc>) -> NaiveDateTime {
    t.with_timezone(&tz).naive_local()
}

/// The instant at which the clocks in `tz` show `local`.
pub fn from_local(tz: Tz, local: NaiveDateTime) -> Result<DateTime<Utc>, String> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(first, _) => Ok(first.with_timezone(&Utc)),
        LocalResult::None => Err(format!("{} does not exist in {tz}: the clocks skip it when daylight saving starts", local.format("%Y-%m-%d %H:%M"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_opt(h, min, 0).unwrap()
    }

    #[test]
    fn round_trips_through_local_time() {
        let ny = zone("America/New_York").unwrap();
        let utc = from_local(ny, at(2030, 7, 1, 8, 0)).unwrap();
        assert_eq!(utc, Utc.from_utc_datetime(&at(2030, 7, 1, 12, 0)), "EDT is UTC-4");
        assert_eq!(to_local(ny, utc), at(2030, 7, 1, 8, 0));
        let winter = from_local(ny, at(2030, 1, 15, 8, 0)).unwrap();
        assert_eq!(winter, Utc.from_utc_datetime(&at(2030, 1, 15, 13, 0)), "EST is UTC-5");
    }

    #[test]
    fn daylight_saving_gaps_are_refused_and_overlaps_take_the_first() {
        let ny = zone("America/New_York").unwrap();
        // 2030-03-10: clocks jump from 02:00 to 03:00.
        let err = from_local(ny, at(2030, 3, 10, 2, 30)).unwrap_err();
        assert!(err.contains("does not exist"), "{err}");
        // 2030-11-03: 01:30 happens twice; the first is EDT (UTC-4).
        assert_eq!(from_local(ny, at(2030, 11, 3, 1, 30)).unwrap(), Utc.from_utc_datetime(&at(2030, 11, 3, 5, 30)));
    }

    #[test]
    fn unknown_zones_are_named() {
        assert!(zone("Mars/Olympus").unwrap_err().contains("Mars/Olympus"));
        assert_eq!(zone("UTC").unwrap(), UTC);
    }
}
