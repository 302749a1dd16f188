//! The retailer's holiday calendar and the acknowledgement due time it shapes.
//!
//! DOMAIN.md: an acknowledgement is due within 24 h of the PO, weekends count, and the retailer's holiday
//! calendar adds a day on listed holidays. A holiday is a *local* calendar day of the retailer, so its bounds
//! are taken in the retailer's time zone and converted to UTC through the IANA database: a holiday on a
//! daylight-saving change day is 23 or 25 hours long, and the due time must not be an hour off because of it.
//! Pure code: the caller passes the instant the clock starts and the calendar; nothing here reads a clock.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Offset, TimeDelta, TimeZone, Utc};

use crate::time::Tz;

/// The retailer's holiday calendar: dates (in the retailer's time zone) on which the acknowledgement clock gets an extra day.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HolidayCalendar {
    holidays: BTreeSet<NaiveDate>,
    tz: Tz,
}

impl HolidayCalendar {
    pub fn new(tz: Tz, holidays: impl IntoIterator<Item = NaiveDate>) -> Self {
        HolidayCalendar { holidays: holidays.into_iter().collect(), tz }
    }

    pub fn is_holiday(&self, day: NaiveDate) -> bool {
        self.holidays.contains(&day)
    }

    /// The zone the holiday dates are read in.
    pub fn time_zone(&self) -> Tz {
        self.tz
    }

    /// The listed holidays, earliest first.
    pub fn holidays(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.holidays.iter().copied()
    }

    /// The UTC instants at which local day `day` starts and ends (half-open: the end is the next day's start).
    pub fn day_bounds(&self, day: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
        let end = day.succ_opt().map_or(DateTime::<Utc>::MAX_UTC, |next| local_day_start(self.tz, next));
        (local_day_start(self.tz, day), end)
    }
}

/// The first instant of local day `day` in `tz`. Midnight itself may not exist (a few zones move their clocks
/// at 00:00), so the day starts at the first local time after midnight that does; an ambiguous midnight means
/// its first occurrence, as everywhere in [`crate::time`].
fn local_day_start(tz: Tz, day: NaiveDate) -> DateTime<Utc> {
    let midnight = day.and_time(chrono::NaiveTime::MIN);
    // Gaps are at most a few hours, and the transitions in use today fall on quarter hours, which these steps hit.
    for step in 0..=4 * 24 {
        let Some(local) = midnight.checked_add_signed(TimeDelta::minutes(15 * step)) else { break };
        if let Some(t) = tz.from_local_datetime(&local).earliest() {
            return t.with_timezone(&Utc);
        }
    }
    // Only at the very end of chrono's range (or with a zone the IANA database cannot have): read the day in UTC.
    Utc.from_utc_datetime(&midnight)
}

/// The local date of instant `t` in `tz`; at the ends of chrono's range, where the local time is out of range,
/// the UTC date (a day off at most, which only decides where the holiday walk starts).
fn local_date(tz: Tz, t: DateTime<Utc>) -> NaiveDate {
    let offset = TimeDelta::seconds(i64::from(tz.offset_from_utc_datetime(&t.naive_utc()).fix().local_minus_utc()));
    t.naive_utc().checked_add_signed(offset).unwrap_or(t.naive_utc()).date()
}

/// Due time of an acknowledgement: `hours` (24) after `from` (weekends count); every listed holiday whose local
/// calendar day overlaps the running window adds 24 h (and the extension itself may reach into a further holiday,
/// which adds another day).
///
/// The exact rule: let `due = from + hours + 24 h · k`, where `k` is the number of listed holidays whose local day
/// `[start, end)` (in the calendar's zone, converted to UTC) overlaps the window `[from, due)`, i.e. `start < due`
/// and `end > from`. `due` is the smallest such fixed point, found by walking the holidays from the local day of
/// `from` onwards: each one that starts before the current due time pushes it out by 24 h; the first that starts at
/// or after it ends the walk (later ones start later still).
///
/// So a PO issued on a holiday, or whose 24 h run into one, gets 48 h; two holidays in a row give 72 h; a window
/// that ends exactly at a holiday's midnight does not touch it. Negative `hours` count as 0; a due time beyond
/// chrono's range saturates at [`DateTime::<Utc>::MAX_UTC`] (never a panic).
pub fn ack_due_at(from: DateTime<Utc>, hours: i64, cal: &HolidayCalendar) -> DateTime<Utc> {
    let add_hours = |t: DateTime<Utc>, h: i64| TimeDelta::try_hours(h).and_then(|d| t.checked_add_signed(d)).unwrap_or(DateTime::<Utc>::MAX_UTC);
    let mut due = add_hours(from, hours.max(0));
    // Holidays before the local day of `from` end at or before `from`, so they never overlap the window; those from
    // that day on end after `from`, so only their start decides.
    let first_day = local_date(cal.tz, from);
    for &day in cal.holidays.range(first_day..) {
        if cal.day_bounds(day).0 >= due {
            break;
        }
        due = add_hours(due, 24);
    }
    due
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::zone;
    use proptest::prelude::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        format!("{s}Z").parse().unwrap()
    }

    fn ny(holidays: &[&str]) -> HolidayCalendar {
        HolidayCalendar::new(zone("America/New_York").unwrap(), holidays.iter().map(|d| day(d)))
    }

    #[test]
    fn calendar_answers_holidays_and_zone() {
        let cal = ny(&["2026-12-25", "2026-01-01"]);
        assert!(cal.is_holiday(day("2026-12-25")));
        assert!(!cal.is_holiday(day("2026-12-24")));
        assert_eq!(cal.time_zone(), zone("America/New_York").unwrap());
        assert_eq!(cal.holidays().collect::<Vec<_>>(), [day("2026-01-01"), day("2026-12-25")]);
        assert_eq!(HolidayCalendar::default().time_zone(), crate::time::UTC);
    }

    #[test]
    fn no_holidays_is_exactly_24_hours() {
        let from = utc("2026-03-04T13:17:05");
        assert_eq!(ack_due_at(from, 24, &HolidayCalendar::default()), from + TimeDelta::hours(24));
        assert_eq!(ack_due_at(from, 24, &ny(&["2026-02-01", "2026-04-01"])), from + TimeDelta::hours(24));
    }

    #[test]
    fn weekends_count() {
        // 2026-03-06 is a Friday; 10:00 in New York is 15:00 UTC (EST).
        let from = utc("2026-03-06T15:00:00");
        let due = ack_due_at(from, 24, &ny(&[]));
        assert_eq!(due, utc("2026-03-07T15:00:00"), "Saturday 10:00 local");
    }

    #[test]
    fn the_evening_before_a_holiday_gets_48_hours() {
        // 2026-12-24 20:00 EST = 2026-12-25 01:00 UTC; the 24 h run into Christmas Day.
        let from = utc("2026-12-25T01:00:00");
        assert_eq!(ack_due_at(from, 24, &ny(&["2026-12-25"])), from + TimeDelta::hours(48));
        // Issued on the holiday itself: the same extra day.
        let on = utc("2026-12-25T15:00:00");
        assert_eq!(ack_due_at(on, 24, &ny(&["2026-12-25"])), on + TimeDelta::hours(48));
    }

    #[test]
    fn two_consecutive_holidays_give_72_hours() {
        let from = utc("2026-12-25T01:00:00");
        assert_eq!(ack_due_at(from, 24, &ny(&["2026-12-25", "2026-12-26"])), from + TimeDelta::hours(72));
        // A holiday after a working day is not reached: the first extension ends on the 26th at 20:00 local.
        assert_eq!(ack_due_at(from, 24, &ny(&["2026-12-25", "2026-12-27"])), from + TimeDelta::hours(48));
    }

    #[test]
    fn a_window_ending_at_a_holidays_midnight_does_not_touch_it() {
        // Due exactly at 2026-12-25 00:00 EST = 05:00 UTC.
        let from = utc("2026-12-24T05:00:00");
        assert_eq!(ack_due_at(from, 24, &ny(&["2026-12-25"])), from + TimeDelta::hours(24));
        // A holiday that ended exactly when the clock started is not touched either.
        assert_eq!(ack_due_at(utc("2026-12-26T05:00:00"), 24, &ny(&["2026-12-25"])), utc("2026-12-27T05:00:00"));
    }

    #[test]
    fn holidays_on_daylight_saving_days_use_their_real_local_bounds() {
        // 2026-11-01 (clocks fall back): the local day runs 04:00 UTC (EDT) to 2026-11-02 05:00 UTC (EST), 25 h.
        let cal = ny(&["2026-11-01"]);
        assert_eq!(cal.day_bounds(day("2026-11-01")), (utc("2026-11-01T04:00:00"), utc("2026-11-02T05:00:00")));
        // 23:30 local on the holiday is 04:30 UTC the next day: still the holiday, so +48 h.
        let late_on_holiday = utc("2026-11-02T04:30:00");
        assert_eq!(ack_due_at(late_on_holiday, 24, &cal), late_on_holiday + TimeDelta::hours(48));
        // Local midnight after it (05:00 UTC): the holiday is over.
        let after = utc("2026-11-02T05:00:00");
        assert_eq!(ack_due_at(after, 24, &cal), after + TimeDelta::hours(24));

        // 2026-03-08 (clocks spring forward): 05:00 UTC (EST) to 2026-03-09 04:00 UTC (EDT), 23 h.
        let cal = ny(&["2026-03-08"]);
        assert_eq!(cal.day_bounds(day("2026-03-08")), (utc("2026-03-08T05:00:00"), utc("2026-03-09T04:00:00")));
        let before = utc("2026-03-07T04:30:00"); // due 2026-03-08 04:30 UTC = 23:30 local on the 7th
        assert_eq!(ack_due_at(before, 24, &cal), before + TimeDelta::hours(24));
        let touching = utc("2026-03-07T05:30:00"); // due 00:30 local on the holiday
        assert_eq!(ack_due_at(touching, 24, &cal), touching + TimeDelta::hours(48));
        let after = utc("2026-03-09T04:00:00"); // 00:00 EDT on the 9th
        assert_eq!(ack_due_at(after, 24, &cal), after + TimeDelta::hours(24));
    }

    #[test]
    fn a_day_whose_midnight_does_not_exist_starts_at_its_first_real_time() {
        // America/Santiago moved its clocks forward at 24:00 on 2026-09-05, so 2026-09-06 00:00 does not exist.
        let cal = HolidayCalendar::new(zone("America/Santiago").unwrap(), [day("2026-09-06")]);
        let (start, end) = cal.day_bounds(day("2026-09-06"));
        assert!(end - start == TimeDelta::hours(23), "{start} {end}");
    }

    #[test]
    fn extreme_inputs_saturate_instead_of_panicking() {
        let from = utc("2026-03-04T00:00:00");
        assert_eq!(ack_due_at(from, i64::MAX, &ny(&["2026-03-04"])), DateTime::<Utc>::MAX_UTC);
        assert_eq!(ack_due_at(from, -5, &HolidayCalendar::default()), from);
        // 0 hours: due at once, unless the clock starts on a holiday (its day still overlaps).
        assert_eq!(ack_due_at(from, 0, &ny(&["2026-03-04"])), from, "19:00 on 03-03 in New York");
        assert_eq!(ack_due_at(utc("2026-03-04T12:00:00"), 0, &ny(&["2026-03-04"])), utc("2026-03-05T12:00:00"));
        // The ends of chrono's range, in zones on both sides of UTC.
        for tz in ["Asia/Kolkata", "America/New_York"] {
            let cal = HolidayCalendar::new(zone(tz).unwrap(), [NaiveDate::MIN, NaiveDate::MAX]);
            assert_eq!(ack_due_at(DateTime::<Utc>::MAX_UTC, 24, &cal), DateTime::<Utc>::MAX_UTC);
            assert!(ack_due_at(DateTime::<Utc>::MIN_UTC, 24, &cal) >= DateTime::<Utc>::MIN_UTC + TimeDelta::hours(24));
        }
    }

    /// Holidays the window `[from, due)` overlaps, counted independently of the walk.
    fn touched(cal: &HolidayCalendar, from: DateTime<Utc>, due: DateTime<Utc>) -> i64 {
        cal.holidays()
            .filter(|d| {
                let (start, end) = cal.day_bounds(*d);
                start < due && end > from
            })
            .count() as i64
    }

    proptest! {
        #[test]
        fn due_is_hours_plus_a_day_per_touched_holiday(
            from_secs in 1_767_225_600i64..1_798_761_600, // 2026
            hours in 0i64..100,
            offsets in proptest::collection::vec(0i64..30, 0..12),
            zone_name in prop::sample::select(vec!["America/New_York", "Europe/Berlin", "Asia/Kolkata", "UTC", "Pacific/Chatham"]),
        ) {
            let from = DateTime::<Utc>::from_timestamp(from_secs, 0).unwrap();
            let tz = zone(zone_name).unwrap();
            let first = from.with_timezone(&tz).date_naive() - TimeDelta::days(3);
            let cal = HolidayCalendar::new(tz, offsets.iter().map(|o| first + TimeDelta::days(*o)));
            let due = ack_due_at(from, hours, &cal);
            prop_assert!(due >= from + TimeDelta::hours(hours));
            let k = touched(&cal, from, due);
            prop_assert_eq!(due - from, TimeDelta::hours(hours + 24 * k));
        }
    }
}
