//! Input validation shared by the UI, the API, EDI and imports: field issues, an issue collector, and
//! validators for the identifiers and texts the domain uses.
//!
//! Every validator takes raw input and returns either the normalised value (trimmed, case fixed) that
//! should be stored, or an English issue text that says what is wrong and what form is expected. The
//! issue text is what the API puts in `details[].issue` and the UI shows beside the field, so it never
//! contains the rejected value itself (which may be long or hostile) beyond a single offending character.
//! Normalisation is idempotent: validating a normalised value returns it unchanged.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One problem with one input field (the API's `{"field", "issue"}` detail).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldIssue {
    /// The field's name as the caller knows it (form field or JSON path, e.g. `lines[2].qty`).
    pub field: String,
    /// What is wrong and what is expected, in English.
    pub issue: String,
}

impl FieldIssue {
    pub fn new(field: impl Into<String>, issue: impl Into<String>) -> Self {
        FieldIssue { field: field.into(), issue: issue.into() }
    }
}

impl fmt::Display for FieldIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.issue)
    }
}

/// Collects every issue of a form or request, so the user sees all of them at once rather than one
/// per round trip.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Issues(Vec<FieldIssue>);

impl Issues {
    pub fn new() -> Self {
        Issues(Vec::new())
    }

    /// Records `issue` for `field` unless `ok` holds.
    pub fn check(&mut self, ok: bool, field: impl Into<String>, issue: impl Into<String>) -> &mut Self {
        if !ok {
            self.0.push(FieldIssue::new(field, issue));
        }
        self
    }

    /// Records an issue.
    pub fn push(&mut self, issue: FieldIssue) -> &mut Self {
        self.0.push(issue);
        self
    }

    /// Runs a validator's result through the collector: the value if it is valid, otherwise `None`
    /// with the issue recorded against `field`. Lets a form validate every field before giving up.
    pub fn field<T>(&mut self, field: impl Into<String>, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(issue) => {
                self.0.push(FieldIssue::new(field, issue));
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn as_slice(&self) -> &[FieldIssue] {
        &self.0
    }

    /// `Ok(())` if nothing was recorded, otherwise every issue in the order recorded.
    pub fn into_result(self) -> Result<(), Vec<FieldIssue>> {
        if self.0.is_empty() { Ok(()) } else { Err(self.0) }
    }
}

/// Trims and upper-cases (ASCII only) a short code, then checks it is `min..=max` characters of
/// A–Z / 0–9. `what` and `example` make the issue text specific to the code.
fn upper_code(input: &str, min: usize, max: usize, what: &str, example: &str) -> Result<String, String> {
    let value = input.trim().to_ascii_uppercase();
    let expected = format!("{what} is {min} to {max} letters A–Z or digits 0–9, e.g. {example}");
    if value.is_empty() {
        return Err(format!("is required; {expected}"));
    }
    if let Some(bad) = value.chars().find(|c| !(c.is_ascii_uppercase() || c.is_ascii_digit())) {
        return Err(format!("contains {}; {expected}", describe_char(bad)));
    }
    let len = value.len(); // ASCII only from here, so bytes are characters.
    if len < min || len > max {
        return Err(format!("has {len} characters; {expected}"));
    }
    Ok(value)
}

/// A character named safely for an issue text.
fn describe_char(c: char) -> String {
    if c == ' ' {
        "a space".to_string()
    } else if c.is_control() {
        format!("a control character (U+{:04X})", u32::from(c))
    } else if c.is_whitespace() {
        format!("a space character (U+{:04X})", u32::from(c))
    } else {
        format!("`{c}`")
    }
}

/// A vendor code such as `ACME1`: 2–10 letters or digits, stored upper-case.
pub fn vendor_code(input: &str) -> Result<String, String> {
    upper_code(input, 2, 10, "a vendor code", "ACME1")
}

/// A payee code (who receives the money): same shape as a vendor code, stored upper-case.
pub fn payee_code(input: &str) -> Result<String, String> {
    upper_code(input, 2, 10, "a payee code", "ACMEPAY1")
}

/// A DC / FC code such as `ABE2`: 3–6 letters or digits, stored upper-case.
pub fn dc_code(input: &str) -> Result<String, String> {
    upper_code(input, 3, 6, "a DC code", "ABE2")
}

/// A GS1 company prefix: 6–12 digits. Leading zeros are significant (US prefixes often start with
/// `0`), so the value is kept as text, only trimmed.
pub fn gs1_company_prefix(input: &str) -> Result<String, String> {
    let value = input.trim();
    let expected = "a GS1 company prefix is 6 to 12 digits, e.g. 0614141";
    if value.is_empty() {
        return Err(format!("is required; {expected}"));
    }
    if let Some(bad) = value.chars().find(|c| !c.is_ascii_digit()) {
        return Err(format!("contains {}; {expected}", describe_char(bad)));
    }
    let len = value.len();
    if !(6..=12).contains(&len) {
        return Err(format!("has {len} digits; {expected}"));
    }
    Ok(value.to_string())
}

/// An e-mail address: trimmed and lower-cased (addresses are compared and made unique lower-cased;
/// no mail system we deliver to treats the local part's case as significant). Exactly one `@`, a
/// non-empty local part, a domain with at least one dot and no empty labels, no spaces, at most 254
/// characters. Deliverability is proven by the invitation mail, not here.
pub fn email(input: &str) -> Result<String, String> {
    let value = input.trim().to_lowercase();
    let expected = "expected an address like name@example.com";
    if value.is_empty() {
        return Err(format!("is required; {expected}"));
    }
    let len = value.chars().count();
    if len > 254 {
        return Err(format!("is {len} characters long; an e-mail address has at most 254"));
    }
    if let Some(bad) = value.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("contains {}; {expected}", describe_char(bad)));
    }
    let Some((local, domain)) = value.split_once('@') else {
        return Err(format!("has no `@`; {expected}"));
    };
    if domain.contains('@') {
        return Err(format!("has more than one `@`; {expected}"));
    }
    if local.is_empty() {
        return Err(format!("has nothing before the `@`; {expected}"));
    }
    if domain.is_empty() {
        return Err(format!("has nothing after the `@`; {expected}"));
    }
    if !domain.contains('.') {
        return Err(format!("has no dot in the domain after the `@`; {expected}"));
    }
    if domain.split('.').any(str::is_empty) {
        return Err(format!("has an empty part in the domain (a leading, trailing or doubled dot); {expected}"));
    }
    Ok(value)
}

/// Free text that must be present: trimmed, non-empty, at most `max` characters (Unicode scalar
/// values, which is what users count closest to).
pub fn required_text(input: &str, max: usize) -> Result<String, String> {
    let value = input.trim();
    if value.is_empty() {
        return Err("is required".to_string());
    }
    let len = value.chars().count();
    if len > max {
        return Err(format!("is {len} characters long; at most {max} are allowed"));
    }
    Ok(value.to_string())
}

/// The longest display name (company, person, DC or item name) we accept.
pub const DISPLAY_NAME_MAX: usize = 200;

/// A name shown in lists and headers: [`required_text`] up to [`DISPLAY_NAME_MAX`] characters, on one
/// line (no line breaks, tabs or other control characters, which would break lists and CSV exports).
pub fn display_name(input: &str) -> Result<String, String> {
    let value = required_text(input, DISPLAY_NAME_MAX)?;
    if let Some(bad) = value.chars().find(|c| c.is_control()) {
        return Err(format!("contains {}; a name is a single line of text", describe_char(bad)));
    }
    Ok(value)
}

/// The IANA areas a zone name may start with.
const TZ_AREAS: &[&str] = &["Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Etc", "Indian", "Pacific"];

/// A time zone: `UTC` (any case, stored as `UTC`) or an IANA-style name `Area/City` or
/// `Area/Region/City` (e.g. `America/New_York`, `America/Argentina/Buenos_Aires`, `Etc/GMT+5`),
/// trimmed, case kept. The shape is checked first for a precise message, then the name must exist in
/// the IANA time zone database (chrono-tz carries it), since DC-local times are computed from it.
pub fn time_zone(input: &str) -> Result<String, String> {
    let value = input.trim();
    let expected = "expected UTC or an IANA time zone name like America/New_York";
    if value.is_empty() {
        return Err(format!("is required; {expected}"));
    }
    if value.eq_ignore_ascii_case("UTC") {
        return Ok("UTC".to_string());
    }
    let parts: Vec<&str> = value.split('/').collect();
    if !(2..=3).contains(&parts.len()) {
        return Err(format!("is not an Area/City name; {expected}"));
    }
    if !TZ_AREAS.contains(&parts[0]) {
        return Err(format!("does not start with a time zone area ({}); {expected}", TZ_AREAS.join(", ")));
    }
    for part in &parts[1..] {
        let well_formed = part.len() <= 30
            && part.starts_with(|c: char| c.is_ascii_uppercase())
            && part.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+'));
        if !well_formed {
            return Err(format!(
                "has a malformed place name (place names start with a capital letter and use \
                 letters, digits, `_`, `-` or `+`); {expected}"
            ));
        }
    }
    if value.parse::<chrono_tz::Tz>().is_err() {
        return Err(format!("is not a time zone in the IANA database; {expected}"));
    }
    Ok(value.to_string())
}

/// A country: ISO 3166-1 alpha-2, two letters, stored upper-case (e.g. `US`, `DE`, `CN`). Only the
/// shape is checked; the code list changes over time and belongs with the reference data.
pub fn country_code(input: &str) -> Result<String, String> {
    let value = input.trim().to_ascii_uppercase();
    let expected = "expected a two-letter ISO 3166 country code like US, DE or CN";
    if value.is_empty() {
        return Err(format!("is required; {expected}"));
    }
    if value.len() != 2 || !value.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(format!("is not two letters; {expected}"));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn issues_collects_in_order() {
        let mut issues = Issues::new();
        issues.check(true, "a", "never").check(false, "b", "is wrong").push(FieldIssue::new("c", "also wrong"));
        assert_eq!(issues.field("d", vendor_code("acme1")), Some("ACME1".into()));
        assert_eq!(issues.field("e", vendor_code("a")), None);
        assert_eq!(issues.len(), 3);
        let err = issues.into_result().unwrap_err();
        let fields: Vec<&str> = err.iter().map(|i| i.field.as_str()).collect();
        assert_eq!(fields, ["b", "c", "e"]);
        assert_eq!(err[0].to_string(), "b: is wrong");
        assert_eq!(Issues::new().into_result(), Ok(()));
    }

    #[test]
    fn field_issue_serialises_as_api_detail() {
        let json = serde_json::to_value(FieldIssue::new("email", "is required")).unwrap();
        assert_eq!(json, serde_json::json!({"field": "email", "issue": "is required"}));
    }

    #[test]
    fn vendor_and_payee_codes() {
        assert_eq!(vendor_code(" acme1 ").unwrap(), "ACME1");
        assert_eq!(vendor_code("AB").unwrap(), "AB");
        assert_eq!(vendor_code("ABCDEFGHIJ").unwrap(), "ABCDEFGHIJ");
        assert!(vendor_code("A").unwrap_err().contains("2 to 10"));
        assert!(vendor_code("ABCDEFGHIJK").is_err());
        let e = vendor_code("ACME-1").unwrap_err();
        assert!(e.contains("`-`") && e.contains("ACME1"), "{e}");
        assert!(vendor_code("AC ME").unwrap_err().contains("a space"));
        assert!(vendor_code("ÄCME").is_err());
        assert!(vendor_code("   ").unwrap_err().starts_with("is required"));
        assert_eq!(payee_code("acmepay").unwrap(), "ACMEPAY");
        assert!(payee_code("X").unwrap_err().contains("payee code"));
    }

    #[test]
    fn dc_codes() {
        assert_eq!(dc_code("abe2").unwrap(), "ABE2");
        assert_eq!(dc_code("SEA").unwrap(), "SEA");
        assert_eq!(dc_code("ABCDE6").unwrap(), "ABCDE6");
        assert!(dc_code("AB").is_err());
        assert!(dc_code("ABCDEFG").is_err());
        assert!(dc_code("AB_2").is_err());
    }

    #[test]
    fn gs1_prefixes() {
        assert_eq!(gs1_company_prefix(" 0614141 ").unwrap(), "0614141");
        assert_eq!(gs1_company_prefix("000000").unwrap(), "000000");
        assert_eq!(gs1_company_prefix("123456789012").unwrap(), "123456789012");
        assert!(gs1_company_prefix("12345").unwrap_err().contains("5 digits"));
        assert!(gs1_company_prefix("1234567890123").is_err());
        assert!(gs1_company_prefix("06141A1").unwrap_err().contains("`A`"));
        assert!(gs1_company_prefix("０６１４１４１").is_err(), "full-width digits");
    }

    #[test]
    fn emails() {
        assert_eq!(email("  Jane.Doe@Example.COM ").unwrap(), "jane.doe@example.com");
        assert_eq!(email("a+tag@sub.example.co.uk").unwrap(), "a+tag@sub.example.co.uk");
        assert!(email("").unwrap_err().starts_with("is required"));
        assert!(email("jane.example.com").unwrap_err().contains("no `@`"));
        assert!(email("a@b@example.com").unwrap_err().contains("more than one"));
        assert!(email("@example.com").unwrap_err().contains("before the `@`"));
        assert!(email("jane@").unwrap_err().contains("after the `@`"));
        assert!(email("jane@localhost").unwrap_err().contains("no dot"));
        assert!(email("jane@example.").is_err());
        assert!(email("jane@.example.com").is_err());
        assert!(email("jane@example..com").is_err());
        assert!(email("jane doe@example.com").unwrap_err().contains("a space"));
        let long = format!("{}@example.com", "a".repeat(243));
        assert_eq!(long.len(), 255);
        assert!(email(&long).unwrap_err().contains("254"));
        assert!(email(&long[1..]).is_ok());
    }

    #[test]
    fn texts_and_names() {
        assert_eq!(required_text("  hello ", 5).unwrap(), "hello");
        assert_eq!(required_text("héllo", 5).unwrap(), "héllo");
        assert_eq!(required_text(" \t\n", 5).unwrap_err(), "is required");
        assert!(required_text("hello!", 5).unwrap_err().contains("at most 5"));
        assert_eq!(display_name(" ACME Corp. ").unwrap(), "ACME Corp.");
        assert_eq!(display_name("宝洁公司").unwrap(), "宝洁公司");
        assert!(display_name("ACME\nCorp").unwrap_err().contains("control character"));
        assert!(display_name(&"x".repeat(DISPLAY_NAME_MAX + 1)).is_err());
        assert!(display_name(&"x".repeat(DISPLAY_NAME_MAX)).is_ok());
    }

    #[test]
    fn time_zones() {
        for ok in ["America/New_York", "Europe/Berlin", "Asia/Shanghai", "America/Argentina/Buenos_Aires", "America/Port-au-Prince", "Etc/GMT+5", "Etc/UTC"] {
            assert_eq!(time_zone(ok).unwrap(), ok);
        }
        assert_eq!(time_zone(" utc ").unwrap(), "UTC");
        assert_eq!(time_zone(" Europe/Paris ").unwrap(), "Europe/Paris");
        assert!(time_zone("").is_err());
        assert!(time_zone("EST").unwrap_err().contains("Area/City"));
        assert!(time_zone("Mars/Olympus").unwrap_err().contains("area"));
        assert!(time_zone("europe/paris").is_err());
        assert!(time_zone("Europe/paris").is_err());
        assert!(time_zone("Europe/").is_err());
        assert!(time_zone("Europe/Paris/Left/Bank").is_err());
        assert!(time_zone("Europe/Par is").is_err());
        assert!(time_zone("America/Nowhere").unwrap_err().contains("IANA database"));
    }

    #[test]
    fn country_codes() {
        assert_eq!(country_code(" us ").unwrap(), "US");
        assert_eq!(country_code("CN").unwrap(), "CN");
        assert!(country_code("USA").unwrap_err().contains("two-letter"));
        assert!(country_code("U1").is_err());
        assert!(country_code("").unwrap_err().starts_with("is required"));
        assert!(country_code("ÜS").is_err());
    }

    /// Validating a normalised value gives it back unchanged.
    fn idempotent(f: fn(&str) -> Result<String, String>, input: &str) -> Result<(), TestCaseError> {
        if let Ok(once) = f(input) {
            prop_assert_eq!(f(&once), Ok(once.clone()), "input {:?}", input);
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn normalisation_is_idempotent_on_any_input(s in any::<String>()) {
            idempotent(vendor_code, &s)?;
            idempotent(payee_code, &s)?;
            idempotent(dc_code, &s)?;
            idempotent(gs1_company_prefix, &s)?;
            idempotent(email, &s)?;
            idempotent(display_name, &s)?;
            idempotent(time_zone, &s)?;
            idempotent(country_code, &s)?;
            idempotent(|s| required_text(s, 20), &s)?;
        }

        #[test]
        fn codes_normalise_idempotently(s in "[ \t]{0,2}[a-zA-Z0-9]{1,12}[ \t]{0,2}") {
            idempotent(vendor_code, &s)?;
            idempotent(payee_code, &s)?;
            idempotent(dc_code, &s)?;
            idempotent(country_code, &s)?;
            let code = s.trim();
            if (2..=10).contains(&code.len()) {
                prop_assert_eq!(vendor_code(&s), Ok(code.to_ascii_uppercase()));
            } else {
                prop_assert!(vendor_code(&s).is_err());
            }
        }

        #[test]
        fn gs1_normalises_idempotently(s in "[ ]{0,2}[0-9]{4,14}[ ]{0,2}") {
            idempotent(gs1_company_prefix, &s)?;
            prop_assert_eq!(gs1_company_prefix(&s).is_ok(), (6..=12).contains(&s.trim().len()));
        }

        #[test]
        fn emails_normalise_idempotently(
            s in "[ ]{0,2}[A-Za-z0-9._%+-]{1,20}@[A-Za-z0-9-]{1,10}(\\.[A-Za-z]{2,6}){1,3}[ ]{0,2}"
        ) {
            idempotent(email, &s)?;
            prop_assert_eq!(email(&s), Ok(s.trim().to_lowercase()));
        }

        #[test]
        fn texts_normalise_idempotently(s in "\\PC{0,30}", max in 1usize..40) {
            let f = |v: &str| required_text(v, max);
            if let Ok(once) = f(&s) {
                prop_assert_eq!(f(&once), Ok(once.clone()));
                prop_assert!(once.chars().count() <= max);
            }
            idempotent(display_name, &s)?;
        }

        #[test]
        fn time_zones_normalise_idempotently(
            s in "[ ]{0,1}(UTC|utc|(America|Europe|Asia|Etc|Mars)/[A-Z][a-z_]{1,8}(/[A-Z][a-z]{1,8})?)[ ]{0,1}"
        ) {
            idempotent(time_zone, &s)?;
        }
    }
}
