//! The code tables of the acknowledgements: which X12 or EDIFACT code reports each [`Rule`].
//!
//! Every table is a total `match` on [`Rule`], so adding a rule fails to compile until someone
//! decides how partners are told about it. The 999's tables (IK304, IK403, IK502) use the same
//! codes as the 997's: the 999-only `I` codes describe implementation-guide conditions
//! ("Not Used" element present, situational segment missing…) that no rule of ours singles out.
//! Codes are those of X12 elements 716 (AK905), 718 (AK502/IK502), 720 (AK304/IK304),
//! 723 (AK403/IK403), I18 (TA105) and EDIFACT service element 0085 (CONTRL).

use crate::report::Rule;
use crate::validate::Verdict;

/// What an acknowledgement reports a finding against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// The set's (or group's, or interchange's) header and trailer: reported by AK5/AK9/TA1 codes, UCM/UCF/UCI.
    Envelope,
    /// A whole segment: AK3/IK3 with its own code, UCS with a code.
    Segment,
    /// An element (or component) of a segment: AK4/IK4 under an AK3 coded 8, UCD under a UCS.
    Element,
}

/// Where each rule is reported. The segment and element tables below answer exactly for the
/// rules this puts at their level (a test holds them to it).
pub fn level(rule: Rule) -> Level {
    use Rule::*;
    match rule {
        IsaLayout
        | EnvelopeValue
        | ControlNumberSyntax
        | ControlNumberMismatch
        | CountMismatch
        | MissingTrailer
        | EnvelopeStructure
        | DuplicateControlNumber
        | MissingTerminator
        | UnsupportedSyntax
        | UnsupportedSet => Level::Envelope,
        UnrecognizedSegment | UnexpectedSegment | MandatorySegmentMissing | LoopOverMaximum | SegmentOverMaximum | SegmentOutOfOrder => Level::Segment,
        InvalidCharacter
        | MandatoryElementMissing
        | ConditionalElementMissing
        | TooManyElements
        | ElementTooShort
        | ElementTooLong
        | InvalidCharacterInElement
        | InvalidCode
        | InvalidDate
        | InvalidTime
        | ExclusionViolated
        | TooManyRepetitions
        | TooManyComponents
        | InvalidNumber
        | HierarchyParent
        | HierarchyOrder
        | HierarchyChildCode
        | CheckDigit
        | SummaryCount => Level::Element,
    }
}

/// AK304/IK304 for a segment whose errors are all in its elements.
pub const SEGMENT_HAS_ELEMENT_ERRORS: &str = "8";

/// AK502/IK502 when the set's errors are in its segments.
pub const SEGMENTS_IN_ERROR: &str = "5";

/// AK304 / IK304 (X12 720/620, segment syntax error) for a segment-level rule; `None` for the others.
pub fn segment_error(rule: Rule) -> Option<&'static str> {
    use Rule::*;
    Some(match rule {
        UnrecognizedSegment => "1",
        UnexpectedSegment => "2",
        MandatorySegmentMissing => "3",
        LoopOverMaximum => "4",
        SegmentOverMaximum => "5",
        SegmentOutOfOrder => "7",
        IsaLayout
        | EnvelopeValue
        | ControlNumberSyntax
        | ControlNumberMismatch
        | CountMismatch
        | MissingTrailer
        | EnvelopeStructure
        | DuplicateControlNumber
        | MissingTerminator
        | UnsupportedSyntax
        | UnsupportedSet
        | InvalidCharacter
        | MandatoryElementMissing
        | ConditionalElementMissing
        | TooManyElements
        | ElementTooShort
        | ElementTooLong
        | InvalidCharacterInElement
        | InvalidCode
        | InvalidDate
        | InvalidTime
        | ExclusionViolated
        | TooManyRepetitions
        | TooManyComponents
        | InvalidNumber
        | HierarchyParent
        | HierarchyOrder
        | HierarchyChildCode
        | CheckDigit
        | SummaryCount => return None,
    })
}

/// AK403 / IK403 (X12 723/621, data element syntax error) for an element-level rule; `None` for the others.
pub fn element_error(rule: Rule) -> Option<&'static str> {
    use Rule::*;
    Some(match rule {
        MandatoryElementMissing => "1",
        ConditionalElementMissing => "2",
        TooManyElements => "3",
        ElementTooShort => "4",
        ElementTooLong => "5",
        // A byte outside the character set, or a non-digit in a numeric element, is an invalid character.
        InvalidCharacterInElement | InvalidCharacter | InvalidNumber => "6",
        InvalidCode => "7",
        InvalidDate => "8",
        InvalidTime => "9",
        ExclusionViolated => "10",
        TooManyRepetitions => "12",
        TooManyComponents => "13",
        // X12 has no code for a value that breaks a business rule; 7 (invalid code value) is the
        // nearest: the element holds a value the guide does not allow there.
        HierarchyParent | HierarchyOrder | HierarchyChildCode | CheckDigit | SummaryCount => "7",
        IsaLayout
        | EnvelopeValue
        | ControlNumberSyntax
        | ControlNumberMismatch
        | CountMismatch
        | MissingTrailer
        | EnvelopeStructure
        | DuplicateControlNumber
        | MissingTerminator
        | UnsupportedSyntax
        | UnsupportedSet
        | UnrecognizedSegment
        | UnexpectedSegment
        | MandatorySegmentMissing
        | LoopOverMaximum
        | SegmentOverMaximum
        | SegmentOutOfOrder => return None,
    })
}

/// AK502 / IK502 (X12 718/618, transaction set syntax error) for a finding in a set.
pub fn set_error(rule: Rule) -> &'static str {
    use Rule::*;
    match rule {
        UnsupportedSet | UnsupportedSyntax => "1",
        // A set cut off by the end of the input lacks its trailer too.
        MissingTrailer | MissingTerminator => "2",
        ControlNumberMismatch => "3",
        CountMismatch => "4",
        EnvelopeValue => "6",
        ControlNumberSyntax => "7",
        DuplicateControlNumber => "23",
        IsaLayout
        | EnvelopeStructure
        | UnrecognizedSegment
        | UnexpectedSegment
        | MandatorySegmentMissing
        | LoopOverMaximum
        | SegmentOverMaximum
        | SegmentOutOfOrder
        | InvalidCharacter
        | MandatoryElementMissing
        | ConditionalElementMissing
        | TooManyElements
        | ElementTooShort
        | ElementTooLong
        | InvalidCharacterInElement
        | InvalidCode
        | InvalidDate
        | InvalidTime
        | ExclusionViolated
        | TooManyRepetitions
        | TooManyComponents
        | InvalidNumber
        | HierarchyParent
        | HierarchyOrder
        | HierarchyChildCode
        | CheckDigit
        | SummaryCount => SEGMENTS_IN_ERROR,
    }
}

/// AK905 (X12 716, functional group syntax error) for a finding about a group's GS/GE.
pub fn group_error(rule: Rule) -> &'static str {
    use Rule::*;
    match rule {
        // GS08 missing is the only value the envelope checks in GS.
        EnvelopeValue | UnsupportedSyntax => "2",
        MissingTrailer | MissingTerminator => "3",
        ControlNumberMismatch => "4",
        CountMismatch => "5",
        // 004010 has no code for a repeated group control number (005010's 19 means something
        // else in 004010); 6 is the nearest code both versions share.
        ControlNumberSyntax | DuplicateControlNumber => "6",
        // Anything else wrong with the group as a whole: it cannot be taken as a group.
        IsaLayout
        | EnvelopeStructure
        | UnsupportedSet
        | UnrecognizedSegment
        | UnexpectedSegment
        | MandatorySegmentMissing
        | LoopOverMaximum
        | SegmentOverMaximum
        | SegmentOutOfOrder
        | InvalidCharacter
        | MandatoryElementMissing
        | ConditionalElementMissing
        | TooManyElements
        | ElementTooShort
        | ElementTooLong
        | InvalidCharacterInElement
        | InvalidCode
        | InvalidDate
        | InvalidTime
        | ExclusionViolated
        | TooManyRepetitions
        | TooManyComponents
        | InvalidNumber
        | HierarchyParent
        | HierarchyOrder
        | HierarchyChildCode
        | CheckDigit
        | SummaryCount => "1",
    }
}

/// TA105 (X12 I18, interchange note code) for a finding about an ISA/IEA; `element` is the ISA
/// element the finding names, which picks the code for a bad envelope value.
pub fn interchange_note(rule: Rule, element: Option<usize>) -> &'static str {
    use Rule::*;
    match rule {
        ControlNumberMismatch => "001",
        UnsupportedSyntax => match element {
            Some(12) => "003",
            _ => "002",
        },
        EnvelopeValue => match element {
            Some(1) => "010",
            Some(2) => "011",
            Some(3) => "012",
            Some(4) => "013",
            Some(5) => "005",
            Some(6) => "006",
            Some(7) => "007",
            Some(8) => "008",
            Some(9) => "014",
            Some(10) => "015",
            Some(11) => "016",
            Some(12) => "017",
            Some(13) => "018",
            Some(14) => "019",
            Some(15) => "020",
            Some(16) => "027",
            _ => "022",
        },
        ControlNumberSyntax => "018",
        CountMismatch => "021",
        IsaLayout => "022",
        // Both mean the input ended before the interchange did.
        MissingTrailer | MissingTerminator => "023",
        DuplicateControlNumber => "025",
        EnvelopeStructure
        | UnsupportedSet
        | InvalidCharacter
        | UnrecognizedSegment
        | UnexpectedSegment
        | MandatorySegmentMissing
        | LoopOverMaximum
        | SegmentOverMaximum
        | SegmentOutOfOrder
        | MandatoryElementMissing
        | ConditionalElementMissing
        | TooManyElements
        | ElementTooShort
        | ElementTooLong
        | InvalidCharacterInElement
        | InvalidCode
        | InvalidDate
        | InvalidTime
        | ExclusionViolated
        | TooManyRepetitions
        | TooManyComponents
        | InvalidNumber
        | HierarchyParent
        | HierarchyOrder
        | HierarchyChildCode
        | CheckDigit
        | SummaryCount => "024",
    }
}

/// TA105 when the interchange has nothing to report.
pub const NO_ERROR: &str = "000";

/// EDIFACT 0085 (syntax error, coded) in UCI, UCF, UCM, UCS and UCD.
pub fn contrl_error(rule: Rule) -> &'static str {
    use Rule::*;
    match rule {
        UnsupportedSyntax => "2",
        EnvelopeValue | ControlNumberSyntax | InvalidCode | InvalidDate | InvalidTime | HierarchyParent | HierarchyOrder | HierarchyChildCode | CheckDigit
        | SummaryCount | IsaLayout => "12",
        MissingTrailer | MissingTerminator | MandatorySegmentMissing | MandatoryElementMissing | ConditionalElementMissing => "13",
        UnrecognizedSegment | UnexpectedSegment | SegmentOutOfOrder | ExclusionViolated => "15",
        TooManyElements | TooManyComponents => "16",
        // No guide for the message: nothing agreed allows receiving it.
        UnsupportedSet => "17",
        InvalidCharacter => "21",
        DuplicateControlNumber => "26",
        ControlNumberMismatch => "28",
        CountMismatch => "29",
        EnvelopeStructure => "33",
        TooManyRepetitions | SegmentOverMaximum => "35",
        LoopOverMaximum => "36",
        InvalidCharacterInElement | InvalidNumber => "37",
        ElementTooLong => "39",
        ElementTooShort => "40",
    }
}

/// X12 AK501/IK501, AK901 and TA104 for a verdict (a set is never partially accepted).
pub fn x12_status(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Accepted => "A",
        Verdict::AcceptedWithErrors => "E",
        Verdict::PartiallyAccepted => "P",
        Verdict::Rejected => "R",
    }
}

/// The verdict an X12 status code reports; `M`, `W` and `X` are security rejections.
pub fn x12_verdict(code: &str) -> Option<Verdict> {
    match code {
        "A" => Some(Verdict::Accepted),
        "E" => Some(Verdict::AcceptedWithErrors),
        "P" => Some(Verdict::PartiallyAccepted),
        "R" | "M" | "W" | "X" => Some(Verdict::Rejected),
        _ => None,
    }
}

/// EDIFACT 0083 (action, coded): 4 rejects the level and everything under it; 7 acknowledges it
/// and every lower level not explicitly rejected, so a partly accepted group is a 7 whose rejected
/// messages carry their own 4.
pub fn contrl_action(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Accepted | Verdict::AcceptedWithErrors | Verdict::PartiallyAccepted => "7",
        Verdict::Rejected => "4",
    }
}

/// The verdict a CONTRL action code reports; 8 (interchange received, not yet checked) reports none.
pub fn contrl_verdict(code: &str) -> Option<Verdict> {
    match code {
        "7" => Some(Verdict::Accepted),
        "4" => Some(Verdict::Rejected),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_and_element_tables_answer_exactly_for_their_level() {
        for &rule in Rule::ALL {
            assert_eq!(segment_error(rule).is_some(), level(rule) == Level::Segment, "{rule}");
            assert_eq!(element_error(rule).is_some(), level(rule) == Level::Element, "{rule}");
            // Segment and element rules surface in AK5 only as "segments in error".
            if level(rule) != Level::Envelope {
                assert_eq!(set_error(rule), SEGMENTS_IN_ERROR, "{rule}");
            }
        }
    }

    #[test]
    fn status_codes_read_back() {
        for v in [Verdict::Accepted, Verdict::AcceptedWithErrors, Verdict::PartiallyAccepted, Verdict::Rejected] {
            assert_eq!(x12_verdict(x12_status(v)), Some(v));
        }
        assert_eq!(contrl_verdict(contrl_action(Verdict::Rejected)), Some(Verdict::Rejected));
        assert_eq!(contrl_verdict("8"), None);
    }

    #[test]
    fn interchange_notes_follow_the_isa_element() {
        assert_eq!(interchange_note(Rule::EnvelopeValue, Some(14)), "019");
        assert_eq!(interchange_note(Rule::EnvelopeValue, Some(9)), "014");
        assert_eq!(interchange_note(Rule::CountMismatch, Some(1)), "021");
        assert_eq!(interchange_note(Rule::ControlNumberMismatch, Some(2)), "001");
    }
}
