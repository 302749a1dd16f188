//! CSV uploads: one reader for every bulk path (POs, acknowledgements, ASNs), so each reports bad
//! input the same way — by row (as a spreadsheet numbers it: the header is row 1) and column — and
//! checks the header before any row.

use crate::ServiceError;
use acorn_domain::validate::FieldIssue;
use std::collections::HashMap;

/// Rows per upload at most (a 5,000-carton ASN with a few items per carton fits comfortably).
pub const MAX_ROWS: usize = 100_000;

/// One data row.
#[derive(Clone, Debug)]
pub struct Row {
    /// Row number as a spreadsheet shows it (the header is row 1).
    pub number: usize,
    values: HashMap<String, String>,
}

impl Row {
    /// The value in `column` ("" when the column is absent or the cell empty).
    pub fn get(&self, column: &str) -> &str {
        self.values.get(column).map(String::as_str).unwrap_or("")
    }

    /// The issue field naming this row and column.
    pub fn field(&self, column: &str) -> String {
        format!("row {}, {column}", self.number)
    }
}

/// Reads a CSV with a header row. `required` columns must be present; columns outside `known` are
/// refused (a typo in a header would otherwise drop data silently). Header names are trimmed and
/// lower-cased; a UTF-8 BOM (spreadsheets write one) is ignored.
pub fn read(text: &str, required: &[&str], known: &[&str]) -> Result<Vec<Row>, ServiceError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let header: Vec<String> =
        reader.headers().map_err(|e| ServiceError::invalid("row 1", format!("the header row cannot be read: {e}")))?.iter().map(|h| h.to_lowercase()).collect();
    let mut issues = Vec::new();
    for col in required {
        if !header.iter().any(|h| h == col) {
            issues.push(FieldIssue::new("row 1", format!("column `{col}` is missing; the columns are {}", known.join(", "))));
        }
    }
    for (i, h) in header.iter().enumerate() {
        if !known.contains(&h.as_str()) {
            issues.push(FieldIssue::new(
                format!("row 1, column {}", i + 1),
                format!("`{h}` is not a column of this upload; the columns are {}", known.join(", ")),
            ));
        }
    }
    if !issues.is_empty() {
        return Err(ServiceError::Invalid(issues));
    }
    let mut rows = Vec::new();
    // Lines counted up to each record's start: the reader skips blank lines, a spreadsheet does not.
    let (mut counted_to, mut line) = (0usize, 1usize);
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| ServiceError::invalid(&format!("row {}", i + 2), format!("cannot be read: {e}")))?;
        // The reader's position may point at blank lines before the record; the record starts after them.
        let mut start = record.position().map_or(counted_to, |p| p.byte() as usize).min(text.len());
        while matches!(text.as_bytes().get(start), Some(b'\n' | b'\r')) {
            start += 1;
        }
        line += text.as_bytes()[counted_to.min(start)..start].iter().filter(|b| **b == b'\n').count();
        counted_to = counted_to.max(start);
        let number = line;
        if record.iter().all(|v| v.is_empty()) {
            continue;
        }
        if record.len() > header.len() {
            issues.push(FieldIssue::new(format!("row {number}"), format!("has {} cells but the header has {} columns", record.len(), header.len())));
            continue;
        }
        if rows.len() == MAX_ROWS {
            return Err(ServiceError::invalid(&format!("row {number}"), format!("the upload has more than {MAX_ROWS} rows; split it")));
        }
        let values = header.iter().cloned().zip(record.iter().map(str::to_string)).collect();
        rows.push(Row { number, values });
    }
    if !issues.is_empty() {
        return Err(ServiceError::Invalid(issues));
    }
    if rows.is_empty() {
        return Err(ServiceError::invalid("row 2", "the upload has a header but no rows"));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issues(e: ServiceError) -> Vec<String> {
        match e {
            ServiceError::Invalid(v) => v.into_iter().map(|i| format!("{}: {}", i.field, i.issue)).collect(),
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn rows_are_numbered_like_a_spreadsheet() {
        let rows = read("\u{feff}A,B\n1,2\n\n3,4\n", &["a"], &["a", "b"]).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].number, rows[0].get("b")), (2, "2"));
        assert_eq!((rows[1].number, rows[1].get("a")), (4, "3"));
        assert_eq!(rows[1].field("b"), "row 4, b");
        assert_eq!(rows[0].get("missing"), "");
    }

    #[test]
    fn headers_are_checked_before_rows() {
        let e = issues(read("a,c\n1,2\n", &["a", "b"], &["a", "b"]).unwrap_err());
        assert_eq!(e.len(), 2);
        assert!(e[0].starts_with("row 1: column `b` is missing"));
        assert!(e[1].starts_with("row 1, column 2: `c` is not a column"));
    }

    #[test]
    fn extra_cells_and_empty_uploads_are_refused() {
        assert!(issues(read("a\n1,2\n", &["a"], &["a"]).unwrap_err())[0].starts_with("row 2: has 2 cells"));
        assert!(issues(read("a\n", &["a"], &["a"]).unwrap_err())[0].contains("no rows"));
    }
}
