//! The bank payment file of a payment run: ISO 20022 `pain.001.001.09` (customer credit transfer
//! initiation) and a flat CSV of the same payments, plus the checks and the masking of bank details.
//! Pure functions, no IO: the payment-run use case gathers the run's remittances and the payees' bank
//! accounts and stores what these return.
//!
//! What the pain.001 file holds: one group header, and one payment information block (ACORN runs are
//! one currency, so one block) with one credit transfer per remittance:
//! - the remittance number is the end-to-end id, the bank hands it back on the statement;
//! - amounts carry exactly the currency's minor-unit decimals (USD `100.00`, JPY `1200`) and are never
//!   rounded here: an amount with more decimals is refused, the run rounds its ledger amounts first;
//! - charges are shared (`SLEV`, following the service level), the execution date is the run's;
//! - an `iban` payee account goes in `CdtrAcct/Id/IBAN` with its BIC in `CdtrAgt/FinInstnId/BICFI`; a
//!   `local` one (e.g. a US account with its ABA routing number) in `CdtrAcct/Id/Othr/Id` with the
//!   bank code in `CdtrAgt/FinInstnId/ClrSysMmbId/MmbId`.
//!
//! Text is written as UTF-8, which pain.001 allows; names are not transliterated. Many banks accept only
//! the Latin character set (the SEPA/EPC subset) and replace or refuse other characters: a payee whose
//! name is in another script needs a Latin account-holder name on file. Control characters are refused
//! (XML 1.0 cannot carry most of them at all), as are texts longer than the standard allows
//! (names and unstructured remittance info 140 characters, ids 35): nothing is silently truncated.

use acorn_domain::money;
use chrono::{DateTime, NaiveDate, Utc};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};
use rust_decimal::Decimal;
use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

/// The XML namespace of the message written by [`pain001`].
pub const PAIN001_NAMESPACE: &str = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09";
/// Names (debtor, payee) and unstructured remittance information: ISO 20022 `Max140Text`.
pub const MAX_TEXT_CHARS: usize = 140;
/// Message, payment-information and end-to-end ids: ISO 20022 `Max35Text`.
pub const MAX_ID_CHARS: usize = 35;
/// A non-IBAN account number (`Othr/Id`): ISO 20022 `Max34Text`.
pub const MAX_ACCOUNT_CHARS: usize = 34;
/// Amounts: `ActiveOrHistoricCurrencyAndAmount` and the control sums allow 18 digits in all.
const MAX_AMOUNT_DIGITS: u32 = 18;

/// The retailer's paying account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Debtor {
    pub name: String,
    pub iban: String,
    pub bic: String,
}

/// How a payee's account is identified.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AccountScheme {
    /// An IBAN, with the bank's BIC as the bank code.
    Iban,
    /// A national account number with a national bank code (e.g. a US ABA routing number).
    Local,
}

impl AccountScheme {
    /// As stored (`bank_accounts.account_scheme`) and written in the CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountScheme::Iban => "iban",
            AccountScheme::Local => "local",
        }
    }
}

impl fmt::Display for AccountScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AccountScheme {
    type Err = String;
    fn from_str(s: &str) -> Result<AccountScheme, String> {
        match s {
            "iban" => Ok(AccountScheme::Iban),
            "local" => Ok(AccountScheme::Local),
            other => Err(format!("`{other}` is not an account scheme; expected iban or local")),
        }
    }
}

/// Where one payment goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreditorAccount {
    pub scheme: AccountScheme,
    /// The IBAN (spaces allowed, they are removed) or the national account number.
    pub number: String,
    /// The BIC (for an IBAN) or the national bank code (for a local account).
    pub bank_code: String,
}

/// One credit transfer: one remittance paid to one payee.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payment {
    /// The remittance number, e.g. `RA-000001`.
    pub end_to_end_id: String,
    pub payee_name: String,
    pub account: CreditorAccount,
    /// Positive, with at most the currency's minor-unit decimals.
    pub amount: Decimal,
    pub currency: String,
    /// At most 140 characters, e.g. `Remittance RA-000001: INV-1, INV-2`.
    pub remittance_info: String,
}

/// A payment run's file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentFile {
    /// The payment run number.
    pub message_id: String,
    pub created_at: DateTime<Utc>,
    pub execution_date: NaiveDate,
    pub debtor: Debtor,
    pub payments: Vec<Payment>,
}

/// The IBAN as written in files: without spaces, upper-case.
pub fn normalize_iban(iban: &str) -> String {
    iban.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase()
}

/// Whether `iban` is a well-formed IBAN (ISO 13616): country letters, check digits 02–98, 15 to 34
/// letters and digits in all, and the mod-97 check. Spaces and lower case are accepted (printed form).
/// The per-country lengths are not checked.
pub fn iban_valid(iban: &str) -> bool {
    let s = normalize_iban(iban);
    let b = s.as_bytes();
    if !(15..=34).contains(&b.len())
        || !b[..2].iter().all(u8::is_ascii_uppercase)
        || !b[2..4].iter().all(u8::is_ascii_digit)
        || !b[4..].iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        return false;
    }
    if !(2..=98).contains(&((b[2] - b'0') * 10 + (b[3] - b'0'))) {
        return false;
    }
    // The account part, then the country and check digits, letters as 10..=35, read as one number mod 97.
    let remainder = b[4..]
        .iter()
        .chain(&b[..4])
        .fold(0u32, |r, &c| if c.is_ascii_digit() { (r * 10 + u32::from(c - b'0')) % 97 } else { (r * 100 + u32::from(c - b'A') + 10) % 97 });
    remainder == 1
}

/// The BIC as written in files: without spaces, upper-case.
pub fn normalize_bic(bic: &str) -> String {
    bic.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase()
}

/// Whether `bic` is a well-formed BIC (ISO 9362, the pain.001.001.09 `BICFI` pattern): 4 letters or
/// digits (institution), 2 letters (country), 2 letters or digits (location), optionally 3 more (branch).
pub fn bic_valid(bic: &str) -> bool {
    let s = normalize_bic(bic);
    let b = s.as_bytes();
    let alnum = |c: &u8| c.is_ascii_uppercase() || c.is_ascii_digit();
    (b.len() == 8 || b.len() == 11) && b[..4].iter().all(alnum) && b[4..6].iter().all(u8::is_ascii_uppercase) && b[6..].iter().all(alnum)
}

/// An account number for display: only its last 4 characters (`•••• 1234`), an IBAN keeping its
/// country code (`DE•• •••• 1234`). Numbers of fewer than 8 characters show only half of them.
pub fn mask_account(number: &str) -> String {
    let chars: Vec<char> = number.chars().filter(|c| !c.is_whitespace()).collect();
    let shown = (chars.len() / 2).min(4);
    let tail: String = chars[chars.len() - shown..].iter().collect();
    let iban_like = chars.len() >= 15 && chars[..2].iter().all(char::is_ascii_alphabetic) && chars[2..4].iter().all(char::is_ascii_digit);
    let masked =
        if iban_like { format!("{}•• ••••", chars[..2].iter().collect::<String>().to_ascii_uppercase()) } else { "••••".to_string() };
    if tail.is_empty() { masked } else { format!("{masked} {tail}") }
}

/// An XML-1.0-safe text of 1 to `max` characters, or what is wrong with it.
fn text_issue(what: &str, value: &str, max: usize) -> Option<String> {
    let chars = value.chars().count();
    if value.trim().is_empty() {
        Some(format!("{what} is empty"))
    } else if chars > max {
        Some(format!("{what} is {chars} characters; pain.001 allows at most {max}"))
    } else if value.chars().any(|c| c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}') {
        Some(format!("{what} contains a control character"))
    } else {
        None
    }
}

/// Whether a decimal needs more than [`MAX_AMOUNT_DIGITS`] digits.
fn too_many_digits(amount: Decimal) -> bool {
    amount.mantissa().unsigned_abs() >= 10u128.pow(MAX_AMOUNT_DIGITS)
}

/// Every problem that keeps `file` from being a pain.001 the bank takes, or none.
pub fn check(file: &PaymentFile) -> Vec<String> {
    let mut issues = Vec::new();
    issues.extend(text_issue("the message id (payment run number)", &file.message_id, MAX_ID_CHARS));
    issues.extend(text_issue("the debtor name", &file.debtor.name, MAX_TEXT_CHARS));
    if !iban_valid(&file.debtor.iban) {
        issues.push(format!("the debtor IBAN {} is not valid", mask_account(&file.debtor.iban)));
    }
    if !bic_valid(&file.debtor.bic) {
        issues.push(format!("the debtor BIC `{}` is not valid; a BIC has 8 or 11 letters and digits", file.debtor.bic));
    }
    if file.payments.is_empty() {
        issues.push("the file has no payments; a payment file needs at least one".to_string());
    }
    let mut ids = HashSet::new();
    let mut run_currency: Option<&str> = None;
    let mut total = Decimal::ZERO;
    for (n, p) in file.payments.iter().enumerate() {
        let who = if p.end_to_end_id.trim().is_empty() { format!("payment #{}", n + 1) } else { format!("payment {}", p.end_to_end_id) };
        issues.extend(text_issue(&format!("{who}: the end-to-end id"), &p.end_to_end_id, MAX_ID_CHARS));
        if !p.end_to_end_id.trim().is_empty() && !ids.insert(p.end_to_end_id.as_str()) {
            issues.push(format!("{who}: the end-to-end id appears more than once in the file"));
        }
        issues.extend(text_issue(&format!("{who}: the payee name"), &p.payee_name, MAX_TEXT_CHARS));
        issues.extend(text_issue(&format!("{who}: the remittance information"), &p.remittance_info, MAX_TEXT_CHARS));
        match money::currency(&p.currency) {
            Err(e) => issues.push(format!("{who}: the currency `{}` {e}", p.currency)),
            Ok(code) if code != p.currency => issues.push(format!("{who}: the currency `{}` must be written {code}", p.currency)),
            Ok(_) => match run_currency {
                None => run_currency = Some(&p.currency),
                Some(first) if first != p.currency => {
                    issues.push(format!("{who} is in {} but the file's first payment is in {first}; a payment file carries one currency", p.currency))
                }
                Some(_) => {}
            },
        }
        if p.amount <= Decimal::ZERO {
            issues.push(format!("{who}: the amount is {}; only positive amounts are paid (skip a remittance that nets to zero or less)", p.amount));
        } else if money::round_ledger(p.amount, &p.currency) != p.amount {
            issues.push(format!("{who}: the amount {} has more decimals than {} allows ({})", p.amount, p.currency, money::minor_units(&p.currency)));
        } else if too_many_digits(p.amount) {
            issues.push(format!("{who}: the amount {} has more than {MAX_AMOUNT_DIGITS} digits", p.amount));
        } else {
            total = total.saturating_add(p.amount);
        }
        match p.account.scheme {
            AccountScheme::Iban => {
                if !iban_valid(&p.account.number) {
                    issues.push(format!("{who}: the payee IBAN {} is not valid", mask_account(&p.account.number)));
                }
                if !bic_valid(&p.account.bank_code) {
                    issues.push(format!("{who}: the payee BIC `{}` is not valid; a BIC has 8 or 11 letters and digits", p.account.bank_code));
                }
            }
            AccountScheme::Local => {
                let number = p.account.number.trim();
                if number.is_empty() || number.chars().count() > MAX_ACCOUNT_CHARS || number.chars().any(|c| c.is_whitespace() || c.is_control()) {
                    issues.push(format!("{who}: the payee account number {} must be 1 to {MAX_ACCOUNT_CHARS} characters without spaces", mask_account(number)));
                }
                issues.extend(text_issue(&format!("{who}: the payee bank code"), p.account.bank_code.trim(), MAX_ID_CHARS));
            }
        }
    }
    if too_many_digits(total) {
        issues.push(format!("the control sum {total} has more than {MAX_AMOUNT_DIGITS} digits; split the run"));
    }
    issues
}

/// The amount as written: exactly the currency's minor-unit decimals (checked exact beforehand).
fn amount_text(amount: Decimal, currency: &str) -> String {
    money::round_ledger(amount, currency).to_string()
}

/// The run's bank file as ISO 20022 `pain.001.001.09` XML (UTF-8, indented), or every reason it cannot
/// be written (joined with `; `), each naming the payment it is about.
pub fn pain001(file: &PaymentFile) -> Result<String, String> {
    let issues = check(file);
    if !issues.is_empty() {
        return Err(issues.join("; "));
    }
    let currency = file.payments[0].currency.as_str();
    let total: Decimal = file.payments.iter().map(|p| p.amount).sum();
    let total = amount_text(total, currency);
    let count = file.payments.len().to_string();
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    write_document(&mut w, file, currency, &count, &total).map_err(|e| format!("writing the pain.001 file: {e}"))?;
    let mut xml = String::from_utf8(w.into_inner()).map_err(|e| format!("writing the pain.001 file: {e}"))?;
    xml.push('\n');
    Ok(xml)
}

fn write_document(w: &mut Writer<Vec<u8>>, file: &PaymentFile, currency: &str, count: &str, total: &str) -> std::io::Result<()> {
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element("Document").with_attribute(("xmlns", PAIN001_NAMESPACE)).write_inner_content(|w| {
        w.create_element("CstmrCdtTrfInitn").write_inner_content(|w| {
            w.create_element("GrpHdr").write_inner_content(|w| {
                text(w, "MsgId", &file.message_id)?;
                text(w, "CreDtTm", &file.created_at.format("%Y-%m-%dT%H:%M:%SZ").to_string())?;
                text(w, "NbOfTxs", count)?;
                text(w, "CtrlSum", total)?;
                w.create_element("InitgPty").write_inner_content(|w| text(w, "Nm", &file.debtor.name))?;
                Ok(())
            })?;
            w.create_element("PmtInf").write_inner_content(|w| {
                text(w, "PmtInfId", &file.message_id)?;
                text(w, "PmtMtd", "TRF")?;
                text(w, "NbOfTxs", count)?;
                text(w, "CtrlSum", total)?;
                w.create_element("ReqdExctnDt").write_inner_content(|w| text(w, "Dt", &file.execution_date.format("%Y-%m-%d").to_string()))?;
                w.create_element("Dbtr").write_inner_content(|w| text(w, "Nm", &file.debtor.name))?;
                w.create_element("DbtrAcct").write_inner_content(|w| {
                    w.create_element("Id").write_inner_content(|w| text(w, "IBAN", &normalize_iban(&file.debtor.iban)))?;
                    Ok(())
                })?;
                w.create_element("DbtrAgt").write_inner_content(|w| {
                    w.create_element("FinInstnId").write_inner_content(|w| text(w, "BICFI", &normalize_bic(&file.debtor.bic)))?;
                    Ok(())
                })?;
                text(w, "ChrgBr", "SLEV")?;
                for p in &file.payments {
                    write_transfer(w, p, currency)?;
                }
                Ok(())
            })?;
            Ok(())
        })?;
        Ok(())
    })?;
    Ok(())
}

fn write_transfer(w: &mut Writer<Vec<u8>>, p: &Payment, currency: &str) -> std::io::Result<()> {
    w.create_element("CdtTrfTxInf").write_inner_content(|w| {
        w.create_element("PmtId").write_inner_content(|w| text(w, "EndToEndId", &p.end_to_end_id))?;
        w.create_element("Amt").write_inner_content(|w| {
            w.create_element("InstdAmt").with_attribute(("Ccy", currency)).write_text_content(BytesText::new(&amount_text(p.amount, currency)))?;
            Ok(())
        })?;
        w.create_element("CdtrAgt").write_inner_content(|w| {
            w.create_element("FinInstnId").write_inner_content(|w| match p.account.scheme {
                AccountScheme::Iban => text(w, "BICFI", &normalize_bic(&p.account.bank_code)),
                AccountScheme::Local => {
                    w.create_element("ClrSysMmbId").write_inner_content(|w| text(w, "MmbId", p.account.bank_code.trim()))?;
                    Ok(())
                }
            })?;
            Ok(())
        })?;
        w.create_element("Cdtr").write_inner_content(|w| text(w, "Nm", &p.payee_name))?;
        w.create_element("CdtrAcct").write_inner_content(|w| {
            w.create_element("Id").write_inner_content(|w| match p.account.scheme {
                AccountScheme::Iban => text(w, "IBAN", &normalize_iban(&p.account.number)),
                AccountScheme::Local => {
                    w.create_element("Othr").write_inner_content(|w| text(w, "Id", p.account.number.trim()))?;
                    Ok(())
                }
            })?;
            Ok(())
        })?;
        w.create_element("RmtInf").write_inner_content(|w| text(w, "Ustrd", &p.remittance_info))?;
        Ok(())
    })?;
    Ok(())
}

/// `<tag>value</tag>`, the value escaped.
fn text(w: &mut Writer<Vec<u8>>, tag: &str, value: &str) -> std::io::Result<()> {
    w.create_element(tag).write_text_content(BytesText::new(value))?;
    Ok(())
}

/// The header of [`payments_csv`].
pub const CSV_HEADER: [&str; 9] =
    ["end_to_end_id", "payee_name", "account_scheme", "account_number", "bank_code", "currency", "amount", "execution_date", "remittance_info"];

/// The run's payments as a flat CSV (RFC 4180 quoting, `\n` line ends), one row per payment, for
/// banks or treasury systems that take CSV and for reconciliation. Written as given, not checked:
/// call [`check`] (or [`pain001`]) first. IBANs and BICs are written normalised (no spaces, upper
/// case); amounts never rounded, with at least the currency's minor-unit decimals.
pub fn payments_csv(file: &PaymentFile) -> String {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    let rows = std::iter::once(CSV_HEADER.map(String::from)).chain(file.payments.iter().map(|p| {
        let (number, bank_code) = match p.account.scheme {
            AccountScheme::Iban => (normalize_iban(&p.account.number), normalize_bic(&p.account.bank_code)),
            AccountScheme::Local => (p.account.number.trim().to_string(), p.account.bank_code.trim().to_string()),
        };
        [
            p.end_to_end_id.clone(),
            p.payee_name.clone(),
            p.account.scheme.as_str().to_string(),
            number,
            bank_code,
            p.currency.clone(),
            money::format_amount(p.amount, &p.currency),
            file.execution_date.format("%Y-%m-%d").to_string(),
            p.remittance_info.clone(),
        ]
    }));
    for row in rows {
        w.write_record(&row).expect("writing CSV to memory cannot fail");
    }
    String::from_utf8(w.into_inner().expect("writing CSV to memory cannot fail")).expect("CSV of Rust strings is UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use quick_xml::Reader;
    use rust_decimal::dec;

    fn debtor() -> Debtor {
        Debtor { name: "Acorn Retail Inc.".into(), iban: "DE89 3704 0044 0532 0130 00".into(), bic: "cobadeffxxx".into() }
    }

    fn iban_payment() -> Payment {
        Payment {
            end_to_end_id: "RA-000001".into(),
            payee_name: "Müller & Söhne <GmbH>".into(),
            account: CreditorAccount { scheme: AccountScheme::Iban, number: "GB82WEST12345698765432".into(), bank_code: "WESTGB2L".into() },
            amount: dec!(1234.50),
            currency: "EUR".into(),
            remittance_info: "Remittance RA-000001: INV-1, INV-2".into(),
        }
    }

    fn local_payment() -> Payment {
        Payment {
            end_to_end_id: "RA-000002".into(),
            payee_name: "Acme Tools LLC".into(),
            account: CreditorAccount { scheme: AccountScheme::Local, number: "000123456789".into(), bank_code: "021000021".into() },
            amount: dec!(99.5),
            currency: "EUR".into(),
            remittance_info: "Remittance RA-000002: INV-7".into(),
        }
    }

    fn file(payments: Vec<Payment>) -> PaymentFile {
        PaymentFile {
            message_id: "PR-000042".into(),
            created_at: DateTime::parse_from_rfc3339("2026-03-01T09:30:15.123456Z").unwrap().with_timezone(&Utc),
            execution_date: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            debtor: debtor(),
            payments,
        }
    }

    /// Every element's text content by its path (`Document/CstmrCdtTrfInitn/GrpHdr/MsgId`), entities
    /// resolved, in document order; attributes as `path/@name`.
    fn fields(xml: &str) -> Vec<(String, String)> {
        let mut r = Reader::from_str(xml);
        let mut path: Vec<String> = Vec::new();
        let mut out: Vec<(String, String)> = Vec::new();
        let mut current = String::new();
        loop {
            match r.read_event().expect("well-formed XML") {
                Event::Start(e) => {
                    path.push(e.name().as_ref().to_string());
                    for a in e.attributes() {
                        let a = a.unwrap();
                        out.push((
                            format!("{}/@{}", path.join("/"), a.key.as_ref()),
                            a.normalized_value(quick_xml::XmlVersion::Implicit1_0).unwrap().into_owned(),
                        ));
                    }
                    current.clear();
                }
                Event::Text(t) => current.push_str(&t.xml10_content()),
                Event::GeneralRef(g) => current.push_str(match &*g {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    other => panic!("unexpected entity {other}"),
                }),
                Event::End(_) => {
                    if !current.trim().is_empty() {
                        out.push((path.join("/"), std::mem::take(&mut current)));
                    }
                    current.clear();
                    path.pop();
                }
                Event::Eof => break,
                _ => {}
            }
        }
        out
    }

    fn field<'a>(fields: &'a [(String, String)], path: &str) -> Vec<&'a str> {
        fields.iter().filter(|(p, _)| p == path).map(|(_, v)| v.as_str()).collect()
    }

    const EXPECTED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09">
  <CstmrCdtTrfInitn>
    <GrpHdr>
      <MsgId>PR-000042</MsgId>
      <CreDtTm>2026-03-01T09:30:15Z</CreDtTm>
      <NbOfTxs>2</NbOfTxs>
      <CtrlSum>1334.00</CtrlSum>
      <InitgPty>
        <Nm>Acorn Retail Inc.</Nm>
      </InitgPty>
    </GrpHdr>
    <PmtInf>
      <PmtInfId>PR-000042</PmtInfId>
      <PmtMtd>TRF</PmtMtd>
      <NbOfTxs>2</NbOfTxs>
      <CtrlSum>1334.00</CtrlSum>
      <ReqdExctnDt>
        <Dt>2026-03-02</Dt>
      </ReqdExctnDt>
      <Dbtr>
        <Nm>Acorn Retail Inc.</Nm>
      </Dbtr>
      <DbtrAcct>
        <Id>
          <IBAN>DE89370400440532013000</IBAN>
        </Id>
      </DbtrAcct>
      <DbtrAgt>
        <FinInstnId>
          <BICFI>COBADEFFXXX</BICFI>
        </FinInstnId>
      </DbtrAgt>
      <ChrgBr>SLEV</ChrgBr>
      <CdtTrfTxInf>
        <PmtId>
          <EndToEndId>RA-000001</EndToEndId>
        </PmtId>
        <Amt>
          <InstdAmt Ccy="EUR">1234.50</InstdAmt>
        </Amt>
        <CdtrAgt>
          <FinInstnId>
            <BICFI>WESTGB2L</BICFI>
          </FinInstnId>
        </CdtrAgt>
        <Cdtr>
          <Nm>Müller &amp; Söhne &lt;GmbH&gt;</Nm>
        </Cdtr>
        <CdtrAcct>
          <Id>
            <IBAN>GB82WEST12345698765432</IBAN>
          </Id>
        </CdtrAcct>
        <RmtInf>
          <Ustrd>Remittance RA-000001: INV-1, INV-2</Ustrd>
        </RmtInf>
      </CdtTrfTxInf>
      <CdtTrfTxInf>
        <PmtId>
          <EndToEndId>RA-000002</EndToEndId>
        </PmtId>
        <Amt>
          <InstdAmt Ccy="EUR">99.50</InstdAmt>
        </Amt>
        <CdtrAgt>
          <FinInstnId>
            <ClrSysMmbId>
              <MmbId>021000021</MmbId>
            </ClrSysMmbId>
          </FinInstnId>
        </CdtrAgt>
        <Cdtr>
          <Nm>Acme Tools LLC</Nm>
        </Cdtr>
        <CdtrAcct>
          <Id>
            <Othr>
              <Id>000123456789</Id>
            </Othr>
          </Id>
        </CdtrAcct>
        <RmtInf>
          <Ustrd>Remittance RA-000002: INV-7</Ustrd>
        </RmtInf>
      </CdtTrfTxInf>
    </PmtInf>
  </CstmrCdtTrfInitn>
</Document>
"#;

    #[test]
    fn two_payments_iban_and_local_exactly() {
        let xml = pain001(&file(vec![iban_payment(), local_payment()])).unwrap();
        assert_eq!(xml, EXPECTED);
    }

    #[test]
    fn parsed_fields_read_back_with_names_unescaped() {
        let xml = pain001(&file(vec![iban_payment(), local_payment()])).unwrap();
        let f = fields(&xml);
        let tx = "Document/CstmrCdtTrfInitn/PmtInf/CdtTrfTxInf";
        assert_eq!(field(&f, "Document/@xmlns"), [PAIN001_NAMESPACE]);
        assert_eq!(field(&f, "Document/CstmrCdtTrfInitn/GrpHdr/NbOfTxs"), ["2"]);
        assert_eq!(field(&f, "Document/CstmrCdtTrfInitn/PmtInf/NbOfTxs"), ["2"]);
        assert_eq!(field(&f, "Document/CstmrCdtTrfInitn/GrpHdr/CtrlSum"), ["1334.00"]);
        assert_eq!(field(&f, &format!("{tx}/Cdtr/Nm")), ["Müller & Söhne <GmbH>", "Acme Tools LLC"]);
        assert_eq!(field(&f, &format!("{tx}/Amt/InstdAmt/@Ccy")), ["EUR", "EUR"]);
        assert_eq!(field(&f, &format!("{tx}/CdtrAcct/Id/Othr/Id")), ["000123456789"]);
        assert_eq!(field(&f, &format!("{tx}/CdtrAgt/FinInstnId/ClrSysMmbId/MmbId")), ["021000021"]);
        // Element order inside a transfer follows the schema.
        let mut order: Vec<&str> = f.iter().filter_map(|(p, _)| p.strip_prefix(&format!("{tx}/"))).map(|p| p.split('/').next().unwrap()).collect();
        order.dedup();
        order.truncate(6);
        assert_eq!(order, ["PmtId", "Amt", "CdtrAgt", "Cdtr", "CdtrAcct", "RmtInf"]);
    }

    #[test]
    fn quotes_and_ampersands_in_remittance_info_are_escaped() {
        let mut p = iban_payment();
        p.remittance_info = r#"INV "A&B" <1>"#.into();
        let xml = pain001(&file(vec![p])).unwrap();
        assert!(xml.contains("<Ustrd>INV &quot;A&amp;B&quot; &lt;1&gt;</Ustrd>"), "{xml}");
        assert_eq!(field(&fields(&xml), "Document/CstmrCdtTrfInitn/PmtInf/CdtTrfTxInf/RmtInf/Ustrd"), [r#"INV "A&B" <1>"#]);
    }

    #[test]
    fn jpy_amounts_have_no_decimals() {
        let mut a = iban_payment();
        a.currency = "JPY".into();
        a.amount = dec!(120000);
        let mut b = local_payment();
        b.currency = "JPY".into();
        b.amount = dec!(5000.00);
        let xml = pain001(&file(vec![a, b])).unwrap();
        assert!(xml.contains(r#"<InstdAmt Ccy="JPY">120000</InstdAmt>"#), "{xml}");
        assert!(xml.contains(r#"<InstdAmt Ccy="JPY">5000</InstdAmt>"#), "{xml}");
        assert!(xml.contains("<CtrlSum>125000</CtrlSum>"), "{xml}");
        let mut c = iban_payment();
        c.currency = "JPY".into();
        c.amount = dec!(10.5);
        assert_eq!(pain001(&file(vec![c])).unwrap_err(), "payment RA-000001: the amount 10.5 has more decimals than JPY allows (0)");
    }

    #[test]
    fn refusals_name_the_payment() {
        let mut long = iban_payment();
        long.payee_name = "N".repeat(141);
        assert_eq!(pain001(&file(vec![long])).unwrap_err(), "payment RA-000001: the payee name is 141 characters; pain.001 allows at most 140");

        let mut ok = iban_payment();
        ok.payee_name = "Ü".repeat(140); // characters, not bytes
        assert!(pain001(&file(vec![ok])).is_ok());

        let mut zero = local_payment();
        zero.amount = dec!(0.00);
        assert_eq!(
            pain001(&file(vec![iban_payment(), zero])).unwrap_err(),
            "payment RA-000002: the amount is 0.00; only positive amounts are paid (skip a remittance that nets to zero or less)"
        );
        let mut negative = local_payment();
        negative.amount = dec!(-5);
        assert!(pain001(&file(vec![negative])).unwrap_err().contains("payment RA-000002: the amount is -5; only positive"));

        let mut bad_iban = iban_payment();
        bad_iban.account.number = "GB82WEST12345698765433".into();
        assert_eq!(pain001(&file(vec![bad_iban])).unwrap_err(), "payment RA-000001: the payee IBAN GB•• •••• 5433 is not valid");

        let mut bad_bic = iban_payment();
        bad_bic.account.bank_code = "WESTGB2".into();
        assert_eq!(pain001(&file(vec![bad_bic])).unwrap_err(), "payment RA-000001: the payee BIC `WESTGB2` is not valid; a BIC has 8 or 11 letters and digits");

        let mut cents = iban_payment();
        cents.amount = dec!(10.001);
        assert_eq!(pain001(&file(vec![cents])).unwrap_err(), "payment RA-000001: the amount 10.001 has more decimals than EUR allows (2)");

        let mut usd = local_payment();
        usd.currency = "USD".into();
        assert_eq!(
            pain001(&file(vec![iban_payment(), usd])).unwrap_err(),
            "payment RA-000002 is in USD but the file's first payment is in EUR; a payment file carries one currency"
        );

        let mut control = iban_payment();
        control.remittance_info = "INV-1\u{0}".into();
        assert_eq!(pain001(&file(vec![control])).unwrap_err(), "payment RA-000001: the remittance information contains a control character");

        let mut long_info = iban_payment();
        long_info.remittance_info = "x".repeat(141);
        assert_eq!(
            pain001(&file(vec![long_info])).unwrap_err(),
            "payment RA-000001: the remittance information is 141 characters; pain.001 allows at most 140"
        );

        let dup = pain001(&file(vec![iban_payment(), iban_payment()])).unwrap_err();
        assert_eq!(dup, "payment RA-000001: the end-to-end id appears more than once in the file");

        assert_eq!(pain001(&file(vec![])).unwrap_err(), "the file has no payments; a payment file needs at least one");

        let mut f = file(vec![iban_payment()]);
        f.debtor.iban = "DE89370400440532013001".into();
        f.debtor.bic = "COBA".into();
        assert_eq!(
            pain001(&f).unwrap_err(),
            "the debtor IBAN DE•• •••• 3001 is not valid; the debtor BIC `COBA` is not valid; a BIC has 8 or 11 letters and digits"
        );

        let mut blank_local = local_payment();
        blank_local.account.bank_code = " ".into();
        blank_local.account.number = "12 34".into();
        assert_eq!(
            pain001(&file(vec![blank_local])).unwrap_err(),
            "payment RA-000002: the payee account number •••• 34 must be 1 to 34 characters without spaces; payment RA-000002: the payee bank code is empty"
        );
    }

    #[test]
    fn iban_check() {
        for good in [
            "DE89370400440532013000",
            "GB82WEST12345698765432",
            "GB82 WEST 1234 5698 7654 32",
            "gb82west12345698765432",
            "NO9386011117947",
            "FR1420041010050500013M02606",
        ] {
            assert!(iban_valid(good), "{good}");
        }
        for bad in [
            "DE89370400440532013001", // one digit changed
            "DE88370400440532013000", // check digits changed
            "GB82WEST12345698765433",
            "DE8937040044053201300", // digit dropped
            "DE89-3704-0044-0532-0130-00",
            "1289370400440532013000",
            "",
            "DE",
            "DE89370400440532013000DE89370400440532013000",
        ] {
            assert!(!iban_valid(bad), "{bad}");
        }
    }

    #[test]
    fn bic_check() {
        for good in ["COBADEFF", "COBADEFFXXX", "deutdeff500", "WESTGB2L"] {
            assert!(bic_valid(good), "{good}");
        }
        for bad in ["COBADEF", "COBADEFFXX", "COBA1EFF", "COBADEFF-XX", ""] {
            assert!(!bic_valid(bad), "{bad}");
        }
    }

    #[test]
    fn masking() {
        assert_eq!(mask_account("DE89370400440532013000"), "DE•• •••• 3000");
        assert_eq!(mask_account("DE89 3704 0044 0532 0130 00"), "DE•• •••• 3000");
        assert_eq!(mask_account("000123456789"), "•••• 6789");
        assert_eq!(mask_account("12345"), "•••• 45");
        assert_eq!(mask_account("1"), "••••");
        assert_eq!(mask_account(""), "••••");
    }

    #[test]
    fn csv_of_the_run() {
        let csv = payments_csv(&file(vec![iban_payment(), local_payment()]));
        assert_eq!(
            csv,
            "end_to_end_id,payee_name,account_scheme,account_number,bank_code,currency,amount,execution_date,remittance_info\n\
             RA-000001,Müller & Söhne <GmbH>,iban,GB82WEST12345698765432,WESTGB2L,EUR,1234.50,2026-03-02,\"Remittance RA-000001: INV-1, INV-2\"\n\
             RA-000002,Acme Tools LLC,local,000123456789,021000021,EUR,99.50,2026-03-02,Remittance RA-000002: INV-7\n"
        );
        let mut r = csv::Reader::from_reader(csv.as_bytes());
        assert_eq!(r.headers().unwrap().iter().collect::<Vec<_>>(), CSV_HEADER);
        assert_eq!(r.records().count(), 2);
    }

    #[test]
    fn account_scheme_round_trips() {
        for s in [AccountScheme::Iban, AccountScheme::Local] {
            assert_eq!(s.as_str().parse::<AccountScheme>().unwrap(), s);
        }
        assert!("swift".parse::<AccountScheme>().is_err());
    }

    fn arb_payment() -> impl Strategy<Value = Payment> {
        (1i64..=100_000_000_000, prop::bool::ANY, "[A-Za-z&<>\"' ]{1,40}").prop_map(|(cents, iban, name)| {
            let mut p = if iban { iban_payment() } else { local_payment() };
            p.amount = Decimal::new(cents, 2);
            p.payee_name = format!("P {name}");
            p
        })
    }

    proptest! {
        #[test]
        fn ctrl_sum_is_the_sum_of_the_amounts(mut payments in prop::collection::vec(arb_payment(), 1..20)) {
            for (i, p) in payments.iter_mut().enumerate() {
                p.end_to_end_id = format!("RA-{i:06}");
            }
            let expected: Decimal = payments.iter().map(|p| p.amount).sum();
            let xml = pain001(&file(payments.clone())).unwrap();
            let f = fields(&xml);
            let sums = field(&f, "Document/CstmrCdtTrfInitn/GrpHdr/CtrlSum");
            prop_assert_eq!(sums.len(), 1);
            prop_assert_eq!(sums[0].parse::<Decimal>().unwrap(), expected);
            prop_assert_eq!(field(&f, "Document/CstmrCdtTrfInitn/PmtInf/CtrlSum"), sums.clone());
            let amounts = field(&f, "Document/CstmrCdtTrfInitn/PmtInf/CdtTrfTxInf/Amt/InstdAmt");
            prop_assert_eq!(amounts.len(), payments.len());
            let parsed: Decimal = amounts.iter().map(|a| a.parse::<Decimal>().unwrap()).sum();
            prop_assert_eq!(parsed, expected);
            prop_assert!(amounts.iter().all(|a| a.split_once('.').map(|(_, d)| d.len()) == Some(2)));
            let count = payments.len().to_string();
            prop_assert_eq!(field(&f, "Document/CstmrCdtTrfInitn/GrpHdr/NbOfTxs"), vec![count.as_str()]);
            let names: Vec<&str> = payments.iter().map(|p| p.payee_name.as_str()).collect();
            prop_assert_eq!(field(&f, "Document/CstmrCdtTrfInitn/PmtInf/CdtTrfTxInf/Cdtr/Nm"), names);
        }

        #[test]
        fn masking_reveals_at_most_four_trailing_characters(number in "[A-Za-z0-9 ]{0,40}") {
            let masked = mask_account(&number);
            let plain: String = number.chars().filter(|c| !c.is_whitespace()).collect();
            let mut shown: String = masked.chars().filter(|c| *c != '•' && *c != ' ').collect();
            // An IBAN keeps its country code in front.
            if masked.starts_with(|c: char| c.is_ascii_alphabetic()) && masked.chars().nth(2) == Some('•') {
                prop_assert!(plain.to_ascii_uppercase().starts_with(&shown[..2]));
                shown = shown[2..].to_string();
            }
            prop_assert!(shown.chars().count() <= 4);
            prop_assert!(shown.chars().count() * 2 <= plain.chars().count());
            prop_assert!(plain.ends_with(&shown));
        }
    }
}
