//! Findings: what is wrong (or merely unusual) in an interchange, and exactly where.
//!
//! Every check in the engine — envelope, guide, HL hierarchy, check digits — reports a [`Finding`]
//! with a stable [`Rule`] and a [`Location`] naming the interchange, group, set, segment position,
//! element and component. Acknowledgements (997, 999, TA1, CONTRL) are built from these findings
//! alone, so what a partner is told always matches what the log shows.

use std::fmt;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The document is still accepted (e.g. an ISA that is not 106 bytes long).
    Warning,
    /// The set (or group, or interchange) is rejected.
    Error,
}

/// The level a finding rejects when it is an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    Interchange,
    Group,
    Set,
}

acorn_domain::text_enum! {
    /// Every rule the engine checks. The code (`Rule::code`, also its serde spelling) is stable and
    /// appears in logs, JSON and the corpus's expected-error declarations.
    pub enum Rule {
        // Syntax and envelope.
        /// ISA not 106 bytes, or an ISA element not at its fixed width.
        IsaLayout = "isa_layout",
        /// An envelope element has a value the standard doesn't allow (ISA14 not 0/1, ISA15 not T/P…).
        EnvelopeValue = "envelope_value",
        /// Control number not numeric or of the wrong length.
        ControlNumberSyntax = "control_number_syntax",
        /// Header and trailer control numbers differ (ISA13/IEA02, GS06/GE02, ST02/SE02, UNB/UNZ, UNH/UNT).
        ControlNumberMismatch = "control_number_mismatch",
        /// The trailer's count differs from what was counted (IEA01, GE01, SE01, UNT01, UNZ01).
        CountMismatch = "count_mismatch",
        /// A header without its trailer (or the input ends inside an envelope).
        MissingTrailer = "missing_trailer",
        /// A trailer, set or group where the envelope doesn't allow it.
        EnvelopeStructure = "envelope_structure",
        /// A set control number used twice in one group (or message reference in one interchange).
        DuplicateControlNumber = "duplicate_control_number",
        /// The last segment has no terminator.
        MissingTerminator = "missing_terminator",
        /// A character outside the interchange's declared character set (EDIFACT UNOA–UNOD).
        InvalidCharacter = "invalid_character",
        /// The syntax identifier or version is not one the engine supports.
        UnsupportedSyntax = "unsupported_syntax",
        /// No guide for this set and version.
        UnsupportedSet = "unsupported_set",
        // Guide: segments.
        UnrecognizedSegment = "unrecognized_segment",
        UnexpectedSegment = "unexpected_segment",
        MandatorySegmentMissing = "mandatory_segment_missing",
        LoopOverMaximum = "loop_over_maximum",
        SegmentOverMaximum = "segment_over_maximum",
        SegmentOutOfOrder = "segment_out_of_order",
        // Guide: elements.
        MandatoryElementMissing = "mandatory_element_missing",
        ConditionalElementMissing = "conditional_element_missing",
        TooManyElements = "too_many_elements",
        ElementTooShort = "element_too_short",
        ElementTooLong = "element_too_long",
        InvalidCharacterInElement = "invalid_character_in_element",
        InvalidCode = "invalid_code",
        InvalidDate = "invalid_date",
        InvalidTime = "invalid_time",
        ExclusionViolated = "exclusion_violated",
        TooManyRepetitions = "too_many_repetitions",
        TooManyComponents = "too_many_components",
        InvalidNumber = "invalid_number",
        // Business-level checks a guide can declare.
        HierarchyParent = "hierarchy_parent",
        HierarchyOrder = "hierarchy_order",
        HierarchyChildCode = "hierarchy_child_code",
        CheckDigit = "check_digit",
        SummaryCount = "summary_count",
    }
}

impl Rule {
    /// The stable code, e.g. `count_mismatch`.
    pub fn code(self) -> &'static str {
        self.as_str()
    }

    /// The rule with this code.
    pub fn from_code(code: &str) -> Option<Rule> {
        Rule::parse(code)
    }
}

/// Where a finding is. Every field that applies is filled; positions are 1-based.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Location {
    /// Interchange control number (ISA13 / UNB 0020).
    pub interchange: Option<String>,
    /// Group control number (GS06 / UNG 0048).
    pub group: Option<String>,
    /// Set control number (ST02 / UNH 0062).
    pub set: Option<String>,
    /// Set identifier (`850`, `ORDERS`).
    pub set_id: Option<String>,
    /// Segment position within the set, the header counting as 1 (what AK3/IK3/UCS report).
    pub segment_position: Option<usize>,
    /// 0-based index of the segment in the whole input.
    pub segment_index: Option<usize>,
    pub segment_tag: Option<String>,
    /// Loop identifier (the first segment of the enclosing loop, e.g. `PO1`, `HL`).
    pub loop_id: Option<String>,
    pub element: Option<usize>,
    pub component: Option<usize>,
    /// Data element reference number (X12 AK402 / IK402), when the guide names it.
    pub element_ref: Option<String>,
    /// Byte offset of the segment in the input.
    pub offset: Option<usize>,
    /// 0-based ordinals of the interchange in the input, the group in it and the set in the group:
    /// unambiguous even when control numbers repeat.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interchange_index: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_index: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set_index: Option<usize>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(i) = &self.interchange {
            parts.push(format!("interchange {i}"));
        }
        if let Some(g) = &self.group {
            parts.push(format!("group {g}"));
        }
        match (&self.set_id, &self.set) {
            (Some(id), Some(c)) => parts.push(format!("set {id} {c}")),
            (None, Some(c)) => parts.push(format!("set {c}")),
            _ => {}
        }
        if let Some(tag) = &self.segment_tag {
            let mut s = format!("segment {tag}");
            if let Some(p) = self.segment_position {
                s.push_str(&format!(" at position {p}"));
            }
            parts.push(s);
        }
        if let Some(e) = self.element {
            let tag = self.segment_tag.as_deref().unwrap_or("");
            let mut s = format!("element {tag}{e:02}");
            if let Some(c) = self.component {
                s.push_str(&format!("-{c}"));
            }
            parts.push(s);
        }
        if let Some(o) = self.offset {
            parts.push(format!("byte {o}"));
        }
        f.write_str(&parts.join(", "))
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub scope: Scope,
    pub rule: Rule,
    pub location: Location,
    pub message: String,
    /// A copy of the bad data (AK404 / IK404), when there is one.
    pub value: Option<String>,
}

impl Finding {
    pub fn error(scope: Scope, rule: Rule, location: Location, message: impl Into<String>) -> Finding {
        Finding { severity: Severity::Error, scope, rule, location, message: message.into(), value: None }
    }

    pub fn warning(scope: Scope, rule: Rule, location: Location, message: impl Into<String>) -> Finding {
        Finding { severity: Severity::Warning, scope, rule, location, message: message.into(), value: None }
    }

    pub fn with_value(mut self, value: impl Into<String>) -> Finding {
        self.value = Some(value.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{level} [{}] {}: {}", self.rule, self.location, self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_codes_round_trip_and_are_unique() {
        let mut codes: Vec<_> = Rule::ALL.iter().map(|r| r.code()).collect();
        for &r in Rule::ALL {
            assert_eq!(Rule::from_code(r.code()), Some(r));
        }
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), Rule::ALL.len());
    }

    #[test]
    fn location_reads_like_a_path() {
        let loc = Location {
            interchange: Some("000000001".into()),
            group: Some("1".into()),
            set: Some("0001".into()),
            set_id: Some("850".into()),
            segment_position: Some(5),
            segment_tag: Some("PO1".into()),
            element: Some(2),
            ..Location::default()
        };
        assert_eq!(loc.to_string(), "interchange 000000001, group 1, set 850 0001, segment PO1 at position 5, element PO102");
    }
}
