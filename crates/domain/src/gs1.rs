//! GS1 identifiers: GTINs (items) and SSCCs (cartons and pallets) with their mod-10 check digit, and the
//! GS1-128 (Code 128) symbol that SSCC labels must carry.
//!
//! Both identifiers are digit strings, never integers: leading zeros are significant (a UPC-A is a GTIN-14
//! starting with `00`, and US company prefixes often start with `0`). A [`Gtin`] or [`Sscc`] can only be
//! made by parsing or generating — deserialisation goes through the same parser — so holding one proves
//! the value is well formed and its check digit is right. Issue texts follow `validate`: what is wrong and
//! the expected form, never the rejected value beyond a single character.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// GS1 mod-10 check digit of `digits` (ASCII digits, without the check digit): weights 3,1,3,1… from the right.
///
/// # Panics
/// If `digits` contains anything but ASCII digits: callers validate input first, and a check digit of
/// anything else would be meaningless.
pub fn check_digit(digits: &str) -> u8 {
    assert!(digits.bytes().all(|b| b.is_ascii_digit()), "check_digit takes ASCII digits only");
    let sum: u32 = digits.bytes().rev().enumerate().map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 }).sum();
    ((10 - sum % 10) % 10) as u8
}

/// A Global Trade Item Number, normalised to 14 ASCII digits (GTIN-8/12/13 left-padded with zeros), so
/// the same item is the same value whether it came in as a UPC, an EAN or a GTIN-14.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
// On the wire exactly like `#[serde(transparent)]` (a JSON string), but deserialising validates.
#[serde(try_from = "String", into = "String")]
pub struct Gtin(String);

impl Gtin {
    /// Accepts GTIN-8/12/13/14 (spaces and hyphens ignored), verifies the check digit, left-pads to 14 digits.
    pub fn parse(input: &str) -> Result<Gtin, String> {
        let expected = "a GTIN is 8, 12, 13 or 14 digits ending in its check digit, e.g. 614141000012 (UPC) or 4006381333931 (EAN)";
        let digits: String = input.trim().chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let digits = only_digits(&digits, expected)?;
        if ![8, 12, 13, 14].contains(&digits.len()) {
            return Err(format!("has {} digits; {expected}", digits.len()));
        }
        verify_check_digit(digits)?;
        Ok(Gtin(format!("{digits:0>14}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when the GS1 company prefix `prefix` owns this GTIN: the prefix equals the digits after the indicator digit
    /// (positions 2.. of the 14-digit form), e.g. GTIN-13 6901234567892 -> 06901234567892 is owned by 6901234;
    /// a UPC-A 614141000012 -> 00614141000012 is owned by GS1 prefix 0614141.
    /// A `prefix` that is not 6 to 12 digits owns nothing (an empty one would otherwise own everything).
    pub fn owned_by(&self, prefix: &str) -> bool {
        is_company_prefix(prefix) && self.0[1..].starts_with(prefix)
    }

    /// The first of `prefixes` that owns this GTIN.
    pub fn owner<'a>(&self, prefixes: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
        prefixes.into_iter().find(|prefix| self.owned_by(prefix))
    }
}

/// A Serial Shipping Container Code: 18 ASCII digits — extension digit, GS1 company prefix, serial
/// reference, check digit. One per carton or pallet, unique across the retailer.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
// On the wire exactly like `#[serde(transparent)]` (a JSON string), but deserialising validates.
#[serde(try_from = "String", into = "String")]
pub struct Sscc(String);

impl Sscc {
    /// Accepts 18 digits, or the element string with AI: "00"+18 digits (20 digits) or "(00)"+18 digits; spaces ignored. Verifies the check digit.
    pub fn parse(input: &str) -> Result<Sscc, String> {
        let expected = "an SSCC is 18 digits ending in its check digit, optionally after the application identifier (00), e.g. 106141411234567897";
        let compact: String = input.chars().filter(|c| *c != ' ').collect();
        // An 18-digit SSCC may itself start with "00" (extension 0, prefix starting 0), so "00" is an AI only in front of 18 more digits.
        let body = match compact.strip_prefix("(00)") {
            Some(rest) => rest,
            None if compact.len() == 20 && compact.starts_with("00") => &compact[2..],
            None => &compact,
        };
        let digits = only_digits(body, expected)?;
        if digits.len() != 18 {
            return Err(format!("has {} digits; {expected}", digits.len()));
        }
        verify_check_digit(digits)?;
        Ok(Sscc(digits.to_string()))
    }

    /// Builds an SSCC: extension digit 0-9, a 6-12 digit company prefix, a serial that must fit in (16 - prefix.len()) digits (zero-padded).
    pub fn generate(extension: u8, prefix: &str, serial: u64) -> Result<Sscc, String> {
        if extension > 9 {
            return Err(format!("the extension digit is {extension}; it is a single digit 0 to 9"));
        }
        let prefix = crate::validate::gs1_company_prefix(prefix).map_err(|issue| format!("the company prefix {issue}"))?;
        let max = Sscc::max_serial(&prefix);
        if serial > max {
            let width = 16 - prefix.len();
            return Err(format!(
                "serial {serial} does not fit: company prefix {prefix} leaves {width} digits for the serial reference (at most {max}); \
                 continue with another extension digit or company prefix"
            ));
        }
        let body = format!("{extension}{prefix}{serial:0width$}", width = 16 - prefix.len());
        let check = check_digit(&body);
        Ok(Sscc(format!("{body}{check}")))
    }

    /// Largest serial that fits for `prefix` (0 when the prefix leaves no room).
    pub fn max_serial(prefix: &str) -> u64 {
        let width = 16usize.saturating_sub(prefix.len()) as u32;
        10u64.pow(width) - 1
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when `prefix` (6 to 12 digits) equals the digits after the extension digit.
    pub fn owned_by(&self, prefix: &str) -> bool {
        is_company_prefix(prefix) && self.0[1..].starts_with(prefix)
    }

    /// The text printed under the barcode: "(00) " + the 18 digits. Grouping the digits by field would
    /// need the company prefix's length, which the SSCC itself does not tell.
    pub fn human_readable(&self) -> String {
        format!("(00) {}", self.0)
    }

    /// The GS1-128 element string without FNC1: "00" + 18 digits.
    pub fn element_string(&self) -> String {
        format!("00{}", self.0)
    }
}

macro_rules! digit_string_traits {
    ($($ty:ident),*) => {$(
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $ty {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                $ty::parse(s)
            }
        }

        impl TryFrom<String> for $ty {
            type Error = String;
            fn try_from(s: String) -> Result<Self, String> {
                $ty::parse(&s)
            }
        }

        impl From<$ty> for String {
            fn from(value: $ty) -> String {
                value.0
            }
        }
    )*};
}
digit_string_traits!(Gtin, Sscc);

/// `value` if it is non-empty ASCII digits, else the issue text.
fn only_digits<'a>(value: &'a str, expected: &str) -> Result<&'a str, String> {
    if value.is_empty() {
        return Err(format!("is required; {expected}"));
    }
    match value.chars().find(|c| !c.is_ascii_digit()) {
        Some(bad) if bad.is_control() || bad.is_whitespace() => Err(format!("contains a space or control character (U+{:04X}); {expected}", u32::from(bad))),
        Some(bad) => Err(format!("contains `{bad}`; {expected}")),
        None => Ok(value),
    }
}

/// Checks the last digit of `digits` (ASCII digits, at least 2) against the ones before it.
fn verify_check_digit(digits: &str) -> Result<(), String> {
    let (body, last) = digits.split_at(digits.len() - 1);
    let (given, computed) = (last.as_bytes()[0] - b'0', check_digit(body));
    if given != computed {
        return Err(format!("has check digit {given}, but the digits before it give {computed}; a digit is probably mistyped, so compare it with the label"));
    }
    Ok(())
}

/// A GS1 company prefix is 6 to 12 digits (as `validate::gs1_company_prefix` stores it).
fn is_company_prefix(prefix: &str) -> bool {
    (6..=12).contains(&prefix.len()) && prefix.bytes().all(|b| b.is_ascii_digit())
}

/// Code 128 bar/space widths in modules, bar first, indexed by symbol value (ISO/IEC 15417). Each
/// symbol is 11 modules; 106 is the stop pattern, 13 modules including its final 2-module bar.
#[rustfmt::skip]
const CODE128: [&str; 107] = [
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212", "221213", // 0
    "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221", "223211", "221132", // 10
    "221231", "213212", "223112", "312131", "311222", "321122", "321221", "312212", "322112", "322211", // 20
    "212123", "212321", "232121", "111323", "131123", "131321", "112313", "132113", "132311", "211313", // 30
    "231113", "231311", "112133", "112331", "132131", "113123", "113321", "133121", "313121", "211331", // 40
    "231131", "213113", "213311", "213131", "311123", "311321", "331121", "312113", "312311", "332111", // 50
    "314111", "221411", "431111", "111224", "111422", "121124", "121421", "141122", "141221", "112214", // 60
    "112412", "122114", "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111", // 70
    "111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141", // 80
    "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311", "113141", // 90
    "114131", "311141", "411131", "211412", "211214", "211232", "2331112",                               // 100
];
const CODE_B: u8 = 100; // in code set C: switch to code set B
const FNC1: u8 = 102;
const START_C: u8 = 105;
const STOP: u8 = 106;

/// Code 128 modules for a GS1-128 symbol: Start C, FNC1, then `element_string` (all digits, even length → code set C pairs; if odd length, switch to code B for the last digit), mod-103 symbol check character, Stop. Returns the bar/space widths in modules, starting with a bar, including the stop pattern's final 2-module bar. Err if input is not all digits.
///
/// Quiet zones (at least 10 modules each side) are the label layout's job, not part of the symbol.
pub fn gs1_128_modules(element_string: &str) -> Result<Vec<u8>, String> {
    let digits = only_digits(element_string, "a GS1-128 element string here is digits only, e.g. 00106141411234567897")?.as_bytes();
    let mut values = vec![START_C, FNC1];
    let (pairs, odd) = digits.split_at(digits.len() - digits.len() % 2);
    values.extend(pairs.chunks(2).map(|pair| (pair[0] - b'0') * 10 + (pair[1] - b'0')));
    if let [last] = odd {
        values.extend([CODE_B, last - b' ']); // code set B values are ASCII - 32
    }
    // The start character has weight 1, every later character its position.
    let weighted: usize = values.iter().enumerate().map(|(i, &v)| usize::from(v) * i.max(1)).sum();
    values.extend([(weighted % 103) as u8, STOP]);
    Ok(values.iter().flat_map(|&v| CODE128[usize::from(v)].bytes().map(|b| b - b'0')).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn widths(pattern: &str) -> Vec<u8> {
        pattern.bytes().map(|b| b - b'0').collect()
    }

    #[test]
    fn check_digits() {
        assert_eq!(check_digit("61414100001"), 2); // UPC-A 614141000012
        assert_eq!(check_digit("690123456789"), 2); // EAN-13 6901234567892
        assert_eq!(check_digit("9638507"), 4); // GTIN-8 96385074
        assert_eq!(check_digit("10614141123456789"), 7); // GS1's SSCC example 106141411234567897
        assert_eq!(check_digit(""), 0);
    }

    #[test]
    #[should_panic(expected = "ASCII digits only")]
    fn check_digit_refuses_non_digits() {
        check_digit("12a");
    }

    #[test]
    fn gtins_parse_and_normalise() {
        assert_eq!(Gtin::parse("614141000012").unwrap().as_str(), "00614141000012");
        assert_eq!(Gtin::parse(" 690-1234 567892 ").unwrap().as_str(), "06901234567892");
        assert_eq!(Gtin::parse("96385074").unwrap().as_str(), "00000096385074");
        assert_eq!(Gtin::parse("10614141000019").unwrap().as_str(), "10614141000019");
        assert_eq!(Gtin::parse("00614141000012").unwrap(), Gtin::parse("614141000012").unwrap());
        let gtin: Gtin = "4006381333931".parse().unwrap();
        assert_eq!(gtin.to_string(), "04006381333931");

        assert!(Gtin::parse("").unwrap_err().starts_with("is required;"));
        assert!(Gtin::parse(" - ").unwrap_err().starts_with("is required;"));
        assert!(Gtin::parse("6141410000").unwrap_err().starts_with("has 10 digits; a GTIN is 8, 12, 13 or 14 digits"));
        assert!(Gtin::parse("0000614141000012").unwrap_err().starts_with("has 16 digits;"));
        assert!(Gtin::parse("61414100001A").unwrap_err().starts_with("contains `A`;"));
        assert!(Gtin::parse("614141\t000012").unwrap_err().contains("(U+0009)"));
        assert!(Gtin::parse("６１４１４１０００００１２").is_err(), "full-width digits");
        assert_eq!(
            Gtin::parse("614141000013").unwrap_err(),
            "has check digit 3, but the digits before it give 2; a digit is probably mistyped, so compare it with the label"
        );
    }

    #[test]
    fn gtin_ownership() {
        let ean = Gtin::parse("6901234567892").unwrap();
        assert!(ean.owned_by("6901234"));
        assert!(!ean.owned_by("0690123"), "the indicator digit is not part of the prefix");
        let upc = Gtin::parse("614141000012").unwrap();
        assert!(upc.owned_by("0614141"));
        assert!(upc.owned_by("061414"));
        assert!(!upc.owned_by("614141"), "a UPC's company prefix starts with the leading 0");
        assert!(!upc.owned_by(""), "an empty prefix owns nothing");
        assert!(!upc.owned_by("06141"), "too short to be a company prefix");
        assert!(!upc.owned_by("0614141000012"), "too long to be a company prefix");
        let case = Gtin::parse("10614141000019").unwrap();
        assert!(case.owned_by("0614141"), "a case GTIN-14 belongs to its item's prefix");
        assert_eq!(upc.owner(["0614142", "0614141", "061414"]), Some("0614141"));
        assert_eq!(upc.owner(vec!["6901234"]), None);
        assert_eq!(upc.owner([]), None);
    }

    #[test]
    fn gtin_serde_validates() {
        let gtin = Gtin::parse("614141000012").unwrap();
        assert_eq!(serde_json::to_string(&gtin).unwrap(), r#""00614141000012""#);
        assert_eq!(serde_json::from_str::<Gtin>(r#""00614141000012""#).unwrap(), gtin);
        assert_eq!(serde_json::from_str::<Gtin>(r#""614141000012""#).unwrap(), gtin);
        assert!(serde_json::from_str::<Gtin>(r#""614141000013""#).unwrap_err().to_string().contains("check digit"));
        assert!(serde_json::from_str::<Gtin>("614141000012").is_err(), "a number is not a GTIN");
    }

    #[test]
    fn ssccs_parse() {
        let sscc = Sscc::parse("106141411234567897").unwrap();
        for form in ["(00)106141411234567897", "00106141411234567897", "(00) 1 0614141 123456789 7", " 106141411234567897 "] {
            assert_eq!(Sscc::parse(form).unwrap(), sscc, "{form}");
        }
        assert_eq!(Sscc::parse("006141411234567890").unwrap().as_str(), "006141411234567890", "an SSCC may start with 00");
        assert_eq!(sscc.human_readable(), "(00) 106141411234567897");
        assert_eq!(sscc.element_string(), "00106141411234567897");
        assert_eq!(sscc.to_string(), "106141411234567897");
        assert_eq!("(00)106141411234567897".parse::<Sscc>().unwrap(), sscc);
        assert!(sscc.owned_by("0614141") && sscc.owned_by("061414112345"));
        assert!(!sscc.owned_by("1061414") && !sscc.owned_by(""));

        assert!(Sscc::parse("").unwrap_err().starts_with("is required;"));
        assert!(Sscc::parse("10614141123456789").unwrap_err().starts_with("has 17 digits; an SSCC is 18 digits"));
        assert!(Sscc::parse("(00)10614141123456789").unwrap_err().starts_with("has 17 digits;"));
        assert!(Sscc::parse("11106141411234567897").unwrap_err().starts_with("has 20 digits;"));
        assert!(Sscc::parse("(01)106141411234567897").unwrap_err().starts_with("contains `(`;"));
        assert!(Sscc::parse("106141411234567898").unwrap_err().starts_with("has check digit 8, but the digits before it give 7;"));
        assert!(serde_json::from_str::<Sscc>(r#""106141411234567898""#).is_err());
        assert_eq!(serde_json::to_string(&sscc).unwrap(), r#""106141411234567897""#);
    }

    #[test]
    fn ssccs_generate() {
        assert_eq!(Sscc::generate(1, "0614141", 123456789).unwrap().as_str(), "106141411234567897");
        assert_eq!(Sscc::generate(0, "0614141", 1).unwrap().as_str(), format!("00614141000000001{}", check_digit("00614141000000001")));
        assert_eq!(Sscc::max_serial("0614141"), 999_999_999);
        assert_eq!(Sscc::max_serial("061414"), 9_999_999_999);
        assert_eq!(Sscc::max_serial("061414112345"), 9_999);
        assert_eq!(Sscc::max_serial("0123456789012345"), 0);
        assert!(Sscc::generate(9, "061414112345", 9_999).is_ok());
        let e = Sscc::generate(9, "061414112345", 10_000).unwrap_err();
        assert!(e.starts_with("serial 10000 does not fit: company prefix 061414112345 leaves 4 digits for the serial reference (at most 9999)"), "{e}");
        assert!(Sscc::generate(10, "0614141", 1).unwrap_err().contains("0 to 9"));
        assert_eq!(Sscc::generate(0, "06141", 1).unwrap_err(), "the company prefix has 5 digits; a GS1 company prefix is 6 to 12 digits, e.g. 0614141");
        assert!(Sscc::generate(0, "", 1).unwrap_err().starts_with("the company prefix is required"));
    }

    #[test]
    fn gs1_128_of_an_sscc_matches_a_hand_encoding() {
        // "00" + "006141411234567890" as code set C pairs: 00 00 61 41 41 12 34 56 78 90.
        // Check: 105 (start C) + 102×1 (FNC1) + 00×2 + 00×3 + 61×4 + 41×5 + 41×6 + 12×7 + 34×8 + 56×9 + 78×10 + 90×11
        //      = 105 + 102 + 0 + 0 + 244 + 205 + 246 + 84 + 272 + 504 + 780 + 990 = 3532; 3532 mod 103 = 3532 - 34×103 = 30.
        let modules = gs1_128_modules("00006141411234567890").unwrap();
        let symbols = ["211232", "411131", "212222", "212222", "221411", "231311", "231311", "112232", "131123", "331121", "241112", "214121"];
        let mut expected: Vec<u8> = symbols.iter().flat_map(|s| widths(s)).collect();
        expected.extend(widths("212123")); // value 30, the symbol check character
        expected.extend(widths("2331112"));
        assert_eq!(modules, expected);
        assert_eq!(&modules[..6], widths("211232"), "start C");
        assert_eq!(&modules[6..12], widths("411131"), "FNC1");
        assert_eq!(&modules[modules.len() - 7..], widths("2331112"), "stop");
        assert_eq!(modules.iter().map(|&w| usize::from(w)).sum::<usize>(), 11 * 13 + 13);
    }

    #[test]
    fn gs1_128_odd_length_ends_in_code_b() {
        // "123": C pair 12, Code B (100), "3" in code B = 51 - 32 = 19.
        // Check: 105 + 102×1 + 12×2 + 100×3 + 19×4 = 105 + 102 + 24 + 300 + 76 = 607; 607 mod 103 = 607 - 5×103 = 92.
        let modules = gs1_128_modules("123").unwrap();
        let expected: Vec<u8> = ["211232", "411131", "112232", "114131", "221132", "111143", "2331112"].iter().flat_map(|s| widths(s)).collect();
        assert_eq!(modules, expected);
        assert!(gs1_128_modules("").unwrap_err().starts_with("is required;"));
        assert!(gs1_128_modules("(00)123").unwrap_err().starts_with("contains `(`;"));
    }

    #[test]
    fn code128_table_is_well_formed() {
        // Every symbol is 11 modules of 1-4 with an even number of bar modules (the code's parity), and all differ.
        for (value, pattern) in CODE128.iter().enumerate().take(106) {
            let w = widths(pattern);
            assert_eq!(w.len(), 6, "{value}");
            assert_eq!(w.iter().map(|&x| u32::from(x)).sum::<u32>(), 11, "{value}");
            assert!(w.iter().all(|x| (1..=4).contains(x)), "{value}");
            assert_eq!((w[0] + w[2] + w[4]) % 2, 0, "{value}");
        }
        let mut unique = CODE128.to_vec();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), 107);
        assert_eq!(widths(CODE128[106]).iter().map(|&x| u32::from(x)).sum::<u32>(), 13);
    }

    proptest! {
        #[test]
        fn gtins_roundtrip_and_catch_any_single_digit_change(
            len in prop::sample::select(vec![8usize, 12, 13, 14]),
            body in prop::collection::vec(0u8..10, 13),
            position in 0usize..14,
            delta in 1u8..10,
        ) {
            let body: String = body[..len - 1].iter().map(|d| char::from(b'0' + d)).collect();
            let code = format!("{body}{}", check_digit(&body));
            let gtin = Gtin::parse(&code).unwrap();
            prop_assert_eq!(gtin.as_str().len(), 14);
            prop_assert!(gtin.as_str().ends_with(&code));
            prop_assert!(gtin.as_str()[..14 - len].bytes().all(|b| b == b'0'));
            prop_assert_eq!(Gtin::parse(gtin.as_str()).unwrap(), gtin.clone());
            prop_assert_eq!(gtin.to_string().parse::<Gtin>().unwrap(), gtin);

            let mut changed = code.into_bytes();
            let position = position % len;
            changed[position] = b'0' + (changed[position] - b'0' + delta) % 10;
            prop_assert!(Gtin::parse(std::str::from_utf8(&changed).unwrap()).is_err());
        }

        #[test]
        fn ssccs_generate_parse_roundtrip(extension in 0u8..10, prefix in "[0-9]{6,12}", seed in any::<u64>()) {
            let max = Sscc::max_serial(&prefix);
            let sscc = Sscc::generate(extension, &prefix, seed % (max + 1)).unwrap();
            prop_assert_eq!(sscc.as_str().len(), 18);
            prop_assert_eq!(sscc.as_str().as_bytes()[0], b'0' + extension);
            for form in [sscc.to_string(), sscc.element_string(), sscc.human_readable()] {
                prop_assert_eq!(Sscc::parse(&form).unwrap(), sscc.clone());
            }
            prop_assert!(sscc.owned_by(&prefix));
            let other: String = prefix.bytes().enumerate().map(|(i, b)| char::from(if i == 0 { b'0' + (b - b'0' + 1) % 10 } else { b })).collect();
            prop_assert!(!sscc.owned_by(&other));
            prop_assert!(Sscc::generate(extension, &prefix, max + 1).is_err());
        }

        #[test]
        fn gs1_128_symbols_have_the_right_shape(digits in "[0-9]{1,48}") {
            let modules = gs1_128_modules(&digits).unwrap();
            // Start, FNC1, the pairs, Code B + digit if odd, check character: 11 modules each; stop: 13.
            let symbols = 2 + digits.len() / 2 + 2 * (digits.len() % 2) + 1;
            prop_assert_eq!(modules.len(), 6 * symbols + 7);
            prop_assert_eq!(modules.iter().map(|&w| usize::from(w)).sum::<usize>(), 11 * symbols + 13);
            prop_assert!(modules.iter().all(|w| (1..=4).contains(w)));
        }
    }
}
