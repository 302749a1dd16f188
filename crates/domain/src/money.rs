//! Money: parsing amounts, exact scale-4 storage, currencies, display and line extension.
//!
//! Money is never a float. The domain computes with `rust_decimal::Decimal`; storage is `amount_e4: i64`
//! (ten-thousandths, so unit costs like 0.1234 fit, up to ±922 trillion) beside a three-letter currency.
//! Nothing here rounds: a value that cannot be held exactly is refused with an issue text, because a
//! silently rounded cost or invoice amount turns into a matching variance or claim nobody can explain.

use rust_decimal::{Decimal, RoundingStrategy};

/// Decimal places an amount may carry (the storage scale).
const MAX_DECIMALS: u32 = 4;

const OUT_OF_RANGE: &str = "is too large to store; amounts lie between -922337203685477.5808 and 922337203685477.5807";

/// Active ISO 4217 codes ACORN trades in, with their minor-unit digits (ISO 4217's exponent).
#[rustfmt::skip]
const CURRENCIES: &[(&str, u32)] = &[
    ("AED", 2), ("ARS", 2), ("AUD", 2), ("BDT", 2), ("BRL", 2), ("CAD", 2), ("CHF", 2), ("CLP", 0), ("CNY", 2), ("COP", 2),
    ("CZK", 2), ("DKK", 2), ("EGP", 2), ("EUR", 2), ("GBP", 2), ("HKD", 2), ("HUF", 2), ("IDR", 2), ("ILS", 2), ("INR", 2),
    ("ISK", 0), ("JPY", 0), ("KES", 2), ("KRW", 0), ("KWD", 3), ("MAD", 2), ("MXN", 2), ("MYR", 2), ("NGN", 2), ("NOK", 2),
    ("NZD", 2), ("PEN", 2), ("PHP", 2), ("PKR", 2), ("PLN", 2), ("QAR", 2), ("RON", 2), ("SAR", 2), ("SEK", 2), ("SGD", 2),
    ("THB", 2), ("TRY", 2), ("TWD", 2), ("UAH", 2), ("USD", 2), ("VND", 0), ("ZAR", 2),
];

/// Parses a decimal amount like "19.99", "1,234.50" is REFUSED (no thousands separators), at most 4 decimal places, optional leading '-' only when `allow_negative`. Errors say what is wrong: "has 5 decimal places; at most 4 are allowed", "is not a number, e.g. 12.50".
///
/// Surrounding whitespace is trimmed; trailing zeros after the point are not counted as decimal places
/// ("12.50000" is 12.5, exactly), since they lose nothing. The amount must fit the storage range.
pub fn parse_amount(input: &str, allow_negative: bool) -> Result<Decimal, String> {
    let value = input.trim();
    if value.is_empty() {
        return Err("is required; expected an amount like 12.50".to_string());
    }
    let (negative, unsigned) = match value.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, value),
    };
    if negative && !allow_negative {
        return Err("has a minus sign; this amount cannot be negative".to_string());
    }
    if unsigned.contains(',') {
        return Err("contains `,`; write amounts without thousands separators and with `.` before the decimals, e.g. 1234.50".to_string());
    }
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(whole) || !fraction.is_none_or(all_digits) {
        return Err("is not a number, e.g. 12.50".to_string());
    }
    let fraction = fraction.unwrap_or("").trim_end_matches('0');
    if fraction.len() > MAX_DECIMALS as usize {
        return Err(format!("has {} decimal places; at most {MAX_DECIMALS} are allowed", fraction.len()));
    }
    let whole = whole.trim_start_matches('0');
    // 19 significant digits always fit an i128 and a Decimal; more cannot fit the storage range anyway.
    if whole.len() > 15 {
        return Err(OUT_OF_RANGE.to_string());
    }
    let mantissa: i128 = format!("{whole}{fraction}").parse().unwrap_or(0); // "" is zero
    let amount = Decimal::from_i128_with_scale(if negative { -mantissa } else { mantissa }, fraction.len() as u32);
    to_e4(amount)?;
    Ok(amount)
}

/// Exact conversion to scale-4 integer; Err if more than 4 decimals or overflow of i64.
pub fn to_e4(amount: Decimal) -> Result<i64, String> {
    let amount = amount.normalize();
    let scale = amount.scale();
    if scale > MAX_DECIMALS {
        return Err(format!("has {scale} decimal places; at most {MAX_DECIMALS} are allowed"));
    }
    // A Decimal's mantissa is below 2^96, so times 10^4 it stays far inside i128.
    let e4 = amount.mantissa() * 10i128.pow(MAX_DECIMALS - scale);
    i64::try_from(e4).map_err(|_| OUT_OF_RANGE.to_string())
}

/// The stored scale-4 integer as a Decimal without trailing zeros beyond two decimal places
/// (12 -> 12.00, 12.5 -> 12.50, 1.2345 -> 1.2345), the form amounts are usually read in.
pub fn from_e4(e4: i64) -> Decimal {
    let mut amount = Decimal::new(e4, MAX_DECIMALS).normalize();
    if amount.scale() < 2 {
        amount.rescale(2); // only adds zeros: |e4 / 10^4| < 10^15 leaves ample room
    }
    amount
}

/// ISO 4217 code: 3 letters, upper-cased; accept only a known list of active codes (include at least USD EUR GBP CNY JPY CAD MXN AUD CHF HKD SGD INR KRW SEK NOK DKK PLN CZK BRL NZD TWD THB VND MYR IDR PHP AED SAR ZAR TRY ILS).
pub fn currency(input: &str) -> Result<String, String> {
    let code = input.trim().to_ascii_uppercase();
    let expected = "expected a three-letter ISO 4217 currency code like USD, EUR or CNY";
    if code.is_empty() {
        return Err(format!("is required; {expected}"));
    }
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(format!("is not three letters; {expected}"));
    }
    if !CURRENCIES.iter().any(|(known, _)| *known == code) {
        return Err(format!("is not a currency ACORN accepts; {expected}"));
    }
    Ok(code)
}

/// Minor-unit digits of a currency (JPY/KRW/VND 0, most others 2, ISO 4217's exponent) — for display.
/// An unknown code gets 2, the common case, since display must not fail.
pub fn minor_units(currency: &str) -> u32 {
    CURRENCIES.iter().find(|(code, _)| code.eq_ignore_ascii_case(currency)).map_or(2, |&(_, digits)| digits)
}

/// Formats for display without ever rounding: every significant decimal, but at least the currency's
/// minor units, no thousands separators (so [`parse_amount`] reads it back):
/// (12.5, USD) -> "12.50", (1.2345, USD) -> "1.2345", (1200, JPY) -> "1200".
pub fn format_amount(amount: Decimal, currency: &str) -> String {
    // Padding the text (rather than `rescale`) cannot round, even for amounts near Decimal's limits.
    let text = amount.normalize().to_string();
    let minor = minor_units(currency) as usize;
    match text.split_once('.').map_or(0, |(_, fraction)| fraction.len()) {
        decimals if decimals >= minor => text,
        0 => format!("{text}.{}", "0".repeat(minor)),
        decimals => format!("{text}{}", "0".repeat(minor - decimals)),
    }
}

/// Line extension: quantity × unit amount, exact.
///
/// # Panics
/// If the product does not fit a Decimal exactly (beyond ±7.9×10²⁸ in mantissa); use
/// [`checked_extend`] where the quantity or unit comes unchecked from outside.
pub fn extend(quantity: i64, unit: Decimal) -> Decimal {
    checked_extend(quantity, unit).unwrap_or_else(|issue| panic!("extend({quantity}, {unit}): {issue}"))
}

/// Line extension: quantity × unit amount, exact, or an issue text when it cannot be held exactly.
/// (Decimal's own multiplication would round away decimals on overflow instead of failing.)
pub fn checked_extend(quantity: i64, unit: Decimal) -> Result<Decimal, String> {
    i128::from(quantity)
        .checked_mul(unit.mantissa())
        .and_then(|mantissa| Decimal::try_from_i128_with_scale(mantissa, unit.scale()).ok())
        .ok_or_else(|| "quantity × unit amount is too large to calculate exactly; check the quantity and the unit amount".to_string())
}

/// Rounds a ledger amount (claim, fee, discount, accrual, payment) half-even to the currency's minor unit
/// (USD 2, JPY 0, KWD 3), and gives it exactly that scale so it reads and serialises as "25.00", not "25.0".
/// Half-even so that rounding many amounts does not drift one way.
pub fn round_ledger(amount: Decimal, currency: &str) -> Decimal {
    let minor = minor_units(currency);
    let mut rounded = amount.round_dp_with_strategy(minor, RoundingStrategy::MidpointNearestEven);
    rounded.rescale(minor); // only pads with zeros now; rescale never fails
    rounded
}

/// `percent` % of `amount`, exact while it fits a Decimal (beyond that Decimal drops trailing decimals and
/// saturates at its limits rather than panicking).
pub fn percent_of(amount: Decimal, percent: Decimal) -> Decimal {
    // Dividing by 100 only moves the decimal point, so it cannot fail; the fallback is unreachable.
    amount.saturating_mul(percent).checked_div(Decimal::ONE_HUNDRED).unwrap_or(Decimal::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn amounts_parse() {
        assert_eq!(parse_amount("19.99", false), Ok(d("19.99")));
        assert_eq!(parse_amount(" 12 ", false), Ok(d("12")));
        assert_eq!(parse_amount("0.0001", false), Ok(d("0.0001")));
        assert_eq!(parse_amount("00012.50", false), Ok(d("12.5")));
        assert_eq!(parse_amount("12.50000", false), Ok(d("12.5")));
        assert_eq!(parse_amount("0", false), Ok(Decimal::ZERO));
        assert_eq!(parse_amount("-5.25", true), Ok(d("-5.25")));
        let zero = parse_amount("-0.00", true).unwrap();
        assert!(zero.is_zero() && zero.is_sign_positive(), "no negative zero");
        assert_eq!(parse_amount("922337203685477.5807", false), Ok(d("922337203685477.5807")));
        assert_eq!(parse_amount("-922337203685477.5808", true), Ok(d("-922337203685477.5808")));
    }

    #[test]
    fn amounts_refused() {
        assert_eq!(parse_amount("12.34567", false).unwrap_err(), "has 5 decimal places; at most 4 are allowed");
        assert_eq!(parse_amount("abc", false).unwrap_err(), "is not a number, e.g. 12.50");
        assert!(parse_amount("1,234.50", false).unwrap_err().starts_with("contains `,`; write amounts without thousands separators"));
        assert!(parse_amount("12,50", false).unwrap_err().contains("`.` before the decimals"));
        assert!(parse_amount("-5", false).unwrap_err().starts_with("has a minus sign;"));
        assert!(parse_amount("  ", false).unwrap_err().starts_with("is required;"));
        for bad in [".5", "5.", "+5", "1e5", "1.2.3", "--5", "- 5", "1 000", "12.5 USD", "$12", "١٢", "NaN", "-"] {
            assert_eq!(parse_amount(bad, true).unwrap_err(), "is not a number, e.g. 12.50", "{bad}");
        }
        assert_eq!(parse_amount("922337203685477.5808", false).unwrap_err(), OUT_OF_RANGE);
        assert_eq!(parse_amount("-922337203685477.5809", true).unwrap_err(), OUT_OF_RANGE);
        assert_eq!(parse_amount(&"9".repeat(40), false).unwrap_err(), OUT_OF_RANGE);
        assert_eq!(parse_amount(&format!("{}1", "0".repeat(40)), false), Ok(d("1")), "leading zeros are not digits of size");
    }

    #[test]
    fn e4_conversion() {
        assert_eq!(to_e4(d("19.99")), Ok(199_900));
        assert_eq!(to_e4(d("1.50000")), Ok(15_000));
        assert_eq!(to_e4(d("-0.0001")), Ok(-1));
        assert_eq!(to_e4(Decimal::ZERO), Ok(0));
        assert_eq!(to_e4(d("1.23456")).unwrap_err(), "has 5 decimal places; at most 4 are allowed");
        assert_eq!(to_e4(Decimal::MAX).unwrap_err(), OUT_OF_RANGE);
        assert_eq!(to_e4(d("922337203685477.5808")).unwrap_err(), OUT_OF_RANGE);

        assert_eq!(from_e4(120_000).to_string(), "12.00");
        assert_eq!(from_e4(125_000).to_string(), "12.50");
        assert_eq!(from_e4(12_345).to_string(), "1.2345");
        assert_eq!(from_e4(12_340).to_string(), "1.234");
        assert_eq!(from_e4(-1).to_string(), "-0.0001");
        assert_eq!(from_e4(0).to_string(), "0.00");
        assert_eq!(from_e4(i64::MIN).to_string(), "-922337203685477.5808");
    }

    #[test]
    fn currencies() {
        assert_eq!(currency(" usd "), Ok("USD".to_string()));
        for code in "USD EUR GBP CNY JPY CAD MXN AUD CHF HKD SGD INR KRW SEK NOK DKK PLN CZK BRL NZD TWD THB VND MYR IDR PHP AED SAR ZAR TRY ILS".split(' ') {
            assert_eq!(currency(code), Ok(code.to_string()));
        }
        assert!(currency("").unwrap_err().starts_with("is required;"));
        assert!(currency("US").unwrap_err().starts_with("is not three letters;"));
        assert!(currency("US1").unwrap_err().starts_with("is not three letters;"));
        assert!(currency("ÜSD").unwrap_err().starts_with("is not three letters;"));
        assert!(currency("XYZ").unwrap_err().starts_with("is not a currency ACORN accepts;"));
        assert!(CURRENCIES.windows(2).all(|w| w[0].0 < w[1].0), "kept sorted and unique");

        assert_eq!(minor_units("JPY"), 0);
        assert_eq!(minor_units("krw"), 0);
        assert_eq!(minor_units("VND"), 0);
        assert_eq!(minor_units("USD"), 2);
        assert_eq!(minor_units("KWD"), 3);
        assert_eq!(minor_units("XYZ"), 2);
    }

    #[test]
    fn formatting_never_rounds() {
        assert_eq!(format_amount(d("12.5"), "USD"), "12.50");
        assert_eq!(format_amount(d("12"), "USD"), "12.00");
        assert_eq!(format_amount(d("1.2345"), "USD"), "1.2345");
        assert_eq!(format_amount(d("1.23456"), "USD"), "1.23456");
        assert_eq!(format_amount(d("1200"), "JPY"), "1200");
        assert_eq!(format_amount(d("1200.00"), "JPY"), "1200");
        assert_eq!(format_amount(d("1.5"), "JPY"), "1.5");
        assert_eq!(format_amount(d("-3.1"), "EUR"), "-3.10");
        assert_eq!(format_amount(d("-0.00"), "EUR"), "0.00");
        assert_eq!(format_amount(d("1.5"), "KWD"), "1.500");
        assert_eq!(format_amount(Decimal::MAX, "USD"), "79228162514264337593543950335.00");
    }

    #[test]
    fn extensions_are_exact() {
        assert_eq!(extend(3, d("19.99")).to_string(), "59.97");
        assert_eq!(extend(-2, d("1.2345")), d("-2.469"));
        assert_eq!(extend(0, d("-5.5")), Decimal::ZERO);
        assert_eq!(extend(i64::MAX, d("1.0001")), d("9224294374058461284.5807"));
        assert!(checked_extend(i64::MAX, Decimal::MAX).unwrap_err().contains("too large"));
        assert!(checked_extend(1_000_000, d("79228162514264337593543950.335")).is_err(), "Decimal's own × would round here");
    }

    proptest! {
        #[test]
        fn e4_roundtrips(e4 in any::<i64>()) {
            let amount = from_e4(e4);
            prop_assert_eq!(to_e4(amount), Ok(e4));
            prop_assert!(amount.scale() >= 2);
        }

        #[test]
        fn formatted_amounts_parse_back(e4 in any::<i64>(), index in 0usize..CURRENCIES.len()) {
            let amount = from_e4(e4);
            let text = format_amount(amount, CURRENCIES[index].0);
            prop_assert_eq!(parse_amount(&text, true), Ok(amount), "{}", text);
        }

        #[test]
        fn any_accepted_input_is_storable(input in "[-0-9.,]{0,24}|\\PC{0,24}") {
            if let Ok(amount) = parse_amount(&input, true) {
                prop_assert!(to_e4(amount).is_ok());
                prop_assert_eq!(parse_amount(&format_amount(amount, "USD"), true), Ok(amount));
            }
        }

        #[test]
        fn extension_matches_integer_arithmetic(quantity in -1_000_000i64..1_000_000, e4 in -10_000_000_000i64..10_000_000_000) {
            prop_assert_eq!(to_e4(extend(quantity, from_e4(e4))), Ok(quantity * e4));
        }
    }
}
