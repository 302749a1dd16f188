//! Dock appointment time rules (DOMAIN.md, "Shipments (ASN) and receiving"): book at least 24 h
//! ahead; reschedule or cancel at least 24 h before the slot, later counts as a late cancellation;
//! no check-in within 2 h after the slot starts is a no-show.

use chrono::{DateTime, Duration, Utc};

/// Hours ahead of a slot a booking, move or cancellation must be made.
pub const LEAD_HOURS: i64 = 24;
/// Hours after the slot start without check-in after which the appointment is a no-show.
pub const NO_SHOW_HOURS: i64 = 2;

/// A slot can be booked (or moved to) only if it starts at least 24 h from now.
pub fn check_bookable(slot_start: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), String> {
    let earliest = now + Duration::hours(LEAD_HOURS);
    if slot_start < earliest {
        Err(format!(
            "the slot starts at {} UTC, less than {LEAD_HOURS} h from now; book a slot starting at {} UTC or later",
            slot_start.format("%Y-%m-%d %H:%M"),
            earliest.format("%Y-%m-%d %H:%M")
        ))
    } else {
        Ok(())
    }
}

/// Moving or cancelling an appointment less than 24 h before its slot is a late cancellation
/// (allowed, but recorded as a defect).
pub fn is_late_change(slot_start: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    slot_start - now < Duration::hours(LEAD_HOURS)
}

/// No check-in within 2 h after the slot started.
pub fn is_no_show(slot_start: DateTime<Utc>, arrived_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    let deadline = slot_start + Duration::hours(NO_SHOW_HOURS);
    match arrived_at {
        Some(a) => a > deadline,
        None => now > deadline,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + h * 3600, 0).unwrap()
    }

    #[test]
    fn bookings_need_24_hours_lead() {
        assert!(check_bookable(at(24), at(0)).is_ok());
        let e = check_bookable(at(23), at(0)).unwrap_err();
        assert!(e.contains("less than 24 h"), "{e}");
    }

    #[test]
    fn changes_inside_24_hours_are_late() {
        assert!(!is_late_change(at(24), at(0)));
        assert!(is_late_change(at(23), at(0)));
        assert!(is_late_change(at(-1), at(0)));
    }

    #[test]
    fn no_show_after_two_hours_without_check_in() {
        assert!(!is_no_show(at(0), None, at(2)));
        assert!(is_no_show(at(0), None, at(3)));
        assert!(!is_no_show(at(0), Some(at(1)), at(10)));
        assert!(is_no_show(at(0), Some(at(3)), at(10)), "arriving 3 h late is a no-show for the slot");
    }
}
