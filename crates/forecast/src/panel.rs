//! The benchmark panel format: one series per CSV row, integer weekly sales, the history followed
//! by the `horizon` held-out weeks. Parsing is pure (the caller reads the file), so the library
//! and an `acorn forecast bench` command share it.

/// A parsed panel: per series, the history (for the engine) and the held-out weeks (for scoring).
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    pub horizon: usize,
    pub history: Vec<Vec<u32>>,
    pub actual: Vec<Vec<f64>>,
}

/// Parses the harness CSV (`np.savetxt(fmt="%d", delimiter=",")`). Every row must have the same
/// number of fields, more than `horizon`; values are non-negative integers (a trailing `.0` is
/// accepted). Blank lines are skipped. Errors name the 1-based line.
pub fn parse(text: &str, horizon: usize) -> Result<Panel, String> {
    let mut panel = Panel { horizon, history: Vec::new(), actual: Vec::new() };
    let mut width = None;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let mut row = Vec::with_capacity(width.unwrap_or(0));
        for field in line.split(',') {
            row.push(parse_count(field.trim()).ok_or_else(|| format!("line {}: not a non-negative integer: {field:?}", i + 1))?);
        }
        match width {
            None if row.len() <= horizon => return Err(format!("line {}: {} values, need more than the horizon {horizon}", i + 1, row.len())),
            None => width = Some(row.len()),
            Some(w) if w != row.len() => return Err(format!("line {}: {} values, earlier rows have {w}", i + 1, row.len())),
            Some(_) => {}
        }
        let split = row.len() - horizon;
        panel.actual.push(row[split..].iter().map(|&v| f64::from(v)).collect());
        row.truncate(split);
        panel.history.push(row);
    }
    Ok(panel)
}

fn parse_count(field: &str) -> Option<u32> {
    let digits = field.strip_suffix(".0").unwrap_or(field);
    digits.parse::<u32>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_history_and_holdout() {
        let p = parse("1,2,3,4\n0,0,5,6.0\n\n", 1).unwrap();
        assert_eq!(p.history, vec![vec![1, 2, 3], vec![0, 0, 5]]);
        assert_eq!(p.actual, vec![vec![4.0], vec![6.0]]);
    }

    #[test]
    fn rejects_ragged_rows_short_rows_and_junk() {
        assert!(parse("1,2,3\n1,2\n", 1).unwrap_err().contains("line 2"));
        assert!(parse("1,2\n", 2).is_err());
        assert!(parse("1,-2,3\n", 1).is_err());
        assert!(parse("1,x,3\n", 1).is_err());
        assert_eq!(parse("", 3).unwrap().history.len(), 0);
    }
}
