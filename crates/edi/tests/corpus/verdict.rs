//! Declared verdicts, and how an actual validation is held to one.
//!
//! A verdict is exact: a valid case has no error and exactly the declared warning rules; an
//! invalid case has exactly the declared errors — each matched one to one by rule code, set
//! control number, segment position, segment tag, element and component — and no other; a refused
//! case is not recognised as an interchange at all.

use std::fmt;

use acorn_edi::{DetectError, Finding, GuideSet, validate};

use super::edit::{Edit, build};
use super::generate::Style;

/// One corpus case: a document, how it is written and changed, and what the engine must say.
pub struct Case {
    pub name: &'static str,
    /// The corpus document it starts from (a `SetSpec` name).
    pub doc: &'static str,
    pub style: Style,
    pub edits: Vec<Edit>,
    pub expect: Expect,
}

impl Case {
    pub fn bytes(&self) -> Vec<u8> {
        build(self.doc, &self.style, &self.edits)
    }
}

#[derive(Debug)]
pub enum Expect {
    /// No error; exactly these warning rules (by code).
    Valid { warnings: Vec<&'static str> },
    /// Exactly these errors.
    Invalid(Vec<At>),
    /// Not an interchange: detection fails with this error (by name, see [`detect_name`]).
    Refused(&'static str),
}

/// An expected error: its rule code and where it is. `None` means the location must not have it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct At {
    pub rule: &'static str,
    pub set: Option<&'static str>,
    pub position: Option<usize>,
    pub tag: Option<&'static str>,
    pub element: Option<usize>,
    pub component: Option<usize>,
}

/// An expected error of rule `rule`; the builder methods below say where.
pub fn at(rule: &'static str) -> At {
    At { rule, set: None, position: None, tag: None, element: None, component: None }
}

impl At {
    /// Inside the set with this control number (ST02 / UNH 0062).
    pub fn set(mut self, control: &'static str) -> At {
        self.set = Some(control);
        self
    }

    /// At this segment position in the set (the header is 1).
    pub fn pos(mut self, position: usize) -> At {
        self.position = Some(position);
        self
    }

    pub fn tag(mut self, tag: &'static str) -> At {
        self.tag = Some(tag);
        self
    }

    pub fn el(mut self, element: usize) -> At {
        self.element = Some(element);
        self
    }

    pub fn comp(mut self, component: usize) -> At {
        self.component = Some(component);
        self
    }

    pub fn matches(&self, f: &Finding) -> bool {
        let l = &f.location;
        f.rule.code() == self.rule
            && l.set.as_deref() == self.set
            && l.segment_position == self.position
            && l.segment_tag.as_deref() == self.tag
            && l.element == self.element
            && l.component == self.component
    }
}

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at set {:?}, position {:?}, tag {:?}, element {:?}, component {:?}",
            self.rule, self.set, self.position, self.tag, self.element, self.component
        )
    }
}

/// A short stable name for a detection error, as cases declare it.
pub fn detect_name(e: &DetectError) -> &'static str {
    match e {
        DetectError::Empty => "empty",
        DetectError::UnknownStart(_) => "unknown_start",
        DetectError::IsaTruncated(_) => "isa_truncated",
        DetectError::UnaTruncated => "una_truncated",
        DetectError::Ambiguous(_) => "ambiguous",
    }
}

fn listing(findings: &[&Finding]) -> String {
    if findings.is_empty() {
        return "    (none)".into();
    }
    findings.iter().map(|f| format!("    {f}")).collect::<Vec<_>>().join("\n")
}

/// Checks `input` against the case's declared verdict; the error names the case and shows what
/// was expected and what the engine found.
pub fn check(case: &Case, input: &[u8]) -> Result<(), String> {
    let fail = |why: String, actual: String| Err(format!("case {}: {why}\n  expected: {:?}\n  actual:\n{actual}", case.name, case.expect));
    let v = match (validate(input, &GuideSet::builtin()), &case.expect) {
        (Err(e), Expect::Refused(name)) if detect_name(&e) == *name => return Ok(()),
        (Err(e), _) => return fail("refused at detection".into(), format!("    {e}")),
        (Ok(v), _) => v,
    };
    let errors: Vec<&Finding> = v.errors().collect();
    let all: Vec<&Finding> = v.findings.iter().collect();
    match &case.expect {
        Expect::Refused(_) => fail("detected as an interchange".into(), listing(&all)),
        Expect::Valid { warnings } => {
            let mut got: Vec<&str> = v.findings.iter().filter(|f| !f.is_error()).map(|f| f.rule.code()).collect();
            got.sort_unstable();
            got.dedup();
            let mut want = warnings.clone();
            want.sort_unstable();
            if !errors.is_empty() || got != want { fail("not the declared valid verdict".into(), listing(&all)) } else { Ok(()) }
        }
        Expect::Invalid(expected) => {
            let mut unmatched: Vec<&Finding> = errors.clone();
            let mut missing = Vec::new();
            for want in expected {
                match unmatched.iter().position(|f| want.matches(f)) {
                    Some(i) => {
                        unmatched.remove(i);
                    }
                    None => missing.push(want.to_string()),
                }
            }
            if missing.is_empty() && unmatched.is_empty() {
                return Ok(());
            }
            let why = format!("expected errors not found: [{}]; unexpected errors: {}", missing.join("; "), unmatched.len());
            fail(why, listing(&errors))
        }
    }
}
