//! X12 acknowledgements: a TA1 for the interchange when ISA14 asks for one, and one 997 or 999 per
//! functional group, all in one outbound interchange.
//!
//! The layout is the common practice: the TA1 directly inside the ISA/IEA, then one `FA` group
//! holding one acknowledgement set per received group. Groups that are themselves acknowledgements
//! (`FA`) are not acknowledged, and neither are the groups of a rejected interchange: the partner
//! resends the whole interchange, and a 997 would claim its groups were taken.

use crate::envelope::InterchangeInfo;
use crate::report::{Finding, Rule};
use crate::syntax::{Delimiters, Standard};
use crate::validate::{Validation, Verdict};
use crate::writer::{GroupHeader, InterchangeHeader, Value, WriteError, Writer, composite};

use super::codes;
use super::{AckError, AckIds, AckKind, SetErrors, distinct, received_interchange};

/// AK5/IK5 and AK9 hold five codes each.
const MAX_CODES: usize = 5;
/// AK4/IK4 loops per AK3/IK3.
const MAX_ELEMENTS: usize = 99;
/// AK404/IK404 is at most 99 characters.
const MAX_BAD_DATA: usize = 99;
/// GS08 and ST03 of a 999.
const IMPLEMENTATION_ACK: &str = "005010X231";

/// The acknowledgement interchange for interchange `interchange` of `v`: a TA1 when ISA14 is 1,
/// then an `FA` group with one `kind` set per acknowledged group. `None` when there is nothing to
/// send (no TA1 asked for, and no group to acknowledge).
pub fn x12_acks(v: &Validation, interchange: usize, kind: AckKind, ids: &AckIds) -> Result<Option<Vec<u8>>, AckError> {
    let ic = received_interchange(v, interchange, Standard::X12, kind.set_id())?;
    let groups: Vec<usize> = if v.interchange_verdict(interchange) == Verdict::Rejected {
        Vec::new()
    } else {
        (0..ic.groups.len()).filter(|&g| ic.groups[g].functional_id != "FA").collect()
    };
    if !ic.ack_requested && groups.is_empty() {
        return Ok(None);
    }
    ids.check()?;
    let write = |source: WriteError| AckError::Write { control: ic.control.clone(), source };
    let version = if ic.version.len() == 5 && ic.version.bytes().all(|b| b.is_ascii_digit()) { ic.version.as_str() } else { "00401" };
    let delimiters = ids.delimiters.unwrap_or_else(|| Delimiters::x12_default((version >= "00501").then_some(b'^')));
    let header = InterchangeHeader {
        sender_qualifier: ids.sender.qualifier.clone(),
        sender: ids.sender.id.clone(),
        receiver_qualifier: ids.receiver.qualifier.clone(),
        receiver: ids.receiver.id.clone(),
        control: ids.interchange_control,
        date: ids.short_date().to_string(),
        time: ids.short_time().to_string(),
        version: version.to_string(),
        test: ids.test,
        // Acknowledgements are never acknowledged.
        ack_requested: false,
        charset: String::new(),
    };
    let mut w = Writer::new(Standard::X12, delimiters, &header).map_err(write)?;
    if ic.ack_requested {
        ta1(&mut w, v, interchange, ic).map_err(write)?;
    }
    if let Some(&first) = groups.first() {
        let g0 = &ic.groups[first];
        // GS02/GS03 answer the first group's application codes, swapped.
        let or = |code: &str, fallback: &str| if code.is_empty() { fallback.to_string() } else { code.to_string() };
        w.begin_group(&GroupHeader {
            functional_id: "FA".into(),
            sender: or(&g0.receiver, &ids.sender.id),
            receiver: or(&g0.sender, &ids.receiver.id),
            control: ids.group_control,
            date: ids.date.clone(),
            time: ids.time.clone(),
            version: group_version(kind, &g0.version),
        })
        .map_err(write)?;
        for (n, &g) in groups.iter().enumerate() {
            ack_set(&mut w, &delimiters, v, interchange, g, kind, &format!("{:04}", n + 1)).map_err(write)?;
        }
        w.end_group().map_err(write)?;
    }
    w.finish().map(Some).map_err(write)
}

/// GS08 of the `FA` group: a 999 is always 005010X231; a 997 takes the acknowledged group's
/// version without its implementation reference (`005010X222A1` → `005010`).
fn group_version(kind: AckKind, acknowledged: &str) -> String {
    match kind {
        AckKind::Ia999 => IMPLEMENTATION_ACK.into(),
        AckKind::Fa997 => match acknowledged.get(..6) {
            Some(base) if base.bytes().all(|b| b.is_ascii_digit()) => base.into(),
            _ => "004010".into(),
        },
    }
}

/// TA1: the received ISA13, ISA09, ISA10, the interchange's status and a note code.
fn ta1(w: &mut Writer, v: &Validation, i: usize, ic: &InterchangeInfo) -> Result<(), WriteError> {
    let verdict = v.interchange_verdict(i);
    let note = match verdict {
        Verdict::Accepted => codes::NO_ERROR,
        // One code fits in TA105: the first error's, or the first warning's when accepted with errors.
        _ => v
            .interchange_findings(i)
            .find(|f| f.is_error())
            .or_else(|| v.interchange_findings(i).next())
            .map_or(codes::NO_ERROR, |f| codes::interchange_note(f.rule, f.location.element)),
    };
    let status = codes::x12_status(verdict);
    w.segment("TA1", &[ic.control.as_str(), &ic.date, &ic.time, status, note].map(Value::from))
}

/// One 997/999 set for group `g`: AK1, per set AK2 … AK5/IK5, AK9.
fn ack_set(w: &mut Writer, d: &Delimiters, v: &Validation, i: usize, g: usize, kind: AckKind, control: &str) -> Result<(), WriteError> {
    let Some(group) = v.interchanges.get(i).and_then(|ic| ic.groups.get(g)) else { return Ok(()) };
    let five = kind == AckKind::Ia999 || group.version.as_str() >= "005";
    let ik = kind == AckKind::Ia999;
    w.begin_set(kind.set_id(), control, if ik { IMPLEMENTATION_ACK } else { "" })?;
    let mut ak1 = vec![Value::from(&group.functional_id), Value::from(&group.control)];
    if five {
        ak1.push(Value::from(&group.version));
    }
    w.segment("AK1", &ak1)?;
    let group_rejected = v.group_findings(i, g).any(Finding::is_error);
    let mut accepted = 0usize;
    for (s, set) in group.sets.iter().enumerate() {
        let mut ak2 = vec![Value::from(set.id.as_str()), Value::from(set.control.as_str())];
        // AK203 names the implementation convention: the 999's point, and a 5010 997's when ST03 was given.
        if (ik || (five && set.version != group.version)) && !set.version.is_empty() {
            ak2.push(Value::from(set.version.as_str()));
        }
        w.segment("AK2", &ak2)?;
        let errors = SetErrors::collect(v.set_findings(i, g, s));
        segment_errors(w, d, &errors, ik)?;
        let verdict = v.set_verdict(i, g, s);
        let mut ak5 = vec![Value::from(codes::x12_status(verdict))];
        if verdict != Verdict::Rejected {
            accepted += 1;
        }
        if verdict != Verdict::Accepted {
            let from_segments = (!errors.segments.is_empty()).then_some(codes::SEGMENTS_IN_ERROR);
            let all = errors.envelope.iter().map(|f| codes::set_error(f.rule)).chain(from_segments);
            ak5.extend(distinct(all, MAX_CODES).into_iter().map(Value::from));
        }
        w.segment(if ik { "IK5" } else { "AK5" }, &ak5)?;
    }
    let verdict = v.group_verdict(i, g);
    // A group rejected as a group takes none of its sets, whatever their own AK5 says.
    let accepted = if group_rejected { 0 } else { accepted };
    // GE01 as received is not kept by the envelope; the count of sets read stands in for AK902.
    let count = group.sets.len().to_string();
    let mut ak9 = vec![codes::x12_status(verdict).into(), Value::from(&count), Value::from(&count), Value::from(accepted.to_string())];
    if verdict != Verdict::Accepted {
        let group_codes = v.group_findings(i, g).map(|f| codes::group_error(f.rule));
        ak9.extend(distinct(group_codes, MAX_CODES).into_iter().map(Value::from));
    }
    w.segment("AK9", &ak9)?;
    w.end_set()
}

/// AK3/AK4 (IK3/IK4 and CTX for a 999) for each segment in error.
fn segment_errors(w: &mut Writer, d: &Delimiters, errors: &SetErrors<'_>, ik: bool) -> Result<(), WriteError> {
    let (seg_tag, el_tag) = if ik { ("IK3", "IK4") } else { ("AK3", "AK4") };
    for seg in &errors.segments {
        // AK301 is mandatory: a tag our delimiters cannot carry leaves the error to AK5 alone.
        let Some(tag) = clean(seg.tag, d) else { continue };
        let position = seg.position.to_string();
        let loop_id = seg.loop_id.and_then(|l| clean(l, d)).unwrap_or("");
        let code = |f: Option<&&Finding>| f.and_then(|f| codes::segment_error(f.rule)).unwrap_or(codes::SEGMENT_HAS_ELEMENT_ERRORS);
        w.segment(seg_tag, &[tag, &position, loop_id, code(seg.segment.first())].map(Value::from))?;
        if ik && seg.segment.first().is_some_and(|f| situational(f)) {
            context(w, tag, &position, loop_id)?;
        }
        for f in seg.elements.iter().take(MAX_ELEMENTS) {
            let at = &f.location;
            // `elements` holds element-level findings that name their element, so both are there.
            let (Some(element), Some(code)) = (at.element, codes::element_error(f.rule)) else { continue };
            let mut place = vec![element.to_string()];
            place.extend(at.component.map(|c| c.to_string()));
            let reference = at.element_ref.as_deref().and_then(|r| clean(r, d)).unwrap_or("");
            // A copy of the bad data is optional: one holding our delimiters is left out, not altered.
            let bad = f.value.as_deref().and_then(|b| clean(b, d)).map_or("", |b| truncate(b, MAX_BAD_DATA));
            w.segment(el_tag, &[composite(place), reference.into(), code.into(), bad.into()])?;
            if ik && situational(f) {
                context(w, tag, &position, loop_id)?;
            }
        }
        // A segment with several segment-level errors gets one AK3 per error (AK304 holds one code).
        for f in seg.segment.iter().skip(1) {
            w.segment(seg_tag, &[tag, &position, loop_id, code(Some(f))].map(Value::from))?;
            if ik && situational(f) {
                context(w, tag, &position, loop_id)?;
            }
        }
    }
    Ok(())
}

/// Whether the finding is about a condition triggered by another element of the same segment
/// (X12's paired, conditional and exclusion rules are all within one segment).
fn situational(f: &Finding) -> bool {
    matches!(f.rule, Rule::ConditionalElementMissing | Rule::ExclusionViolated)
}

/// 999 CTX naming the segment that triggered a situational requirement: for a syntax rule within
/// one segment, the segment in error itself. Which of its elements triggered it is not known.
fn context(w: &mut Writer, tag: &str, position: &str, loop_id: &str) -> Result<(), WriteError> {
    w.segment("CTX", &["SITUATIONAL TRIGGER", tag, position, loop_id].map(Value::from))
}

/// `value`, unless it holds one of the delimiters (X12 cannot escape them).
fn clean<'a>(value: &'a str, d: &Delimiters) -> Option<&'a str> {
    (!value.bytes().any(|b| d.is_delimiter(b))).then_some(value)
}

fn truncate(value: &str, chars: usize) -> &str {
    value.char_indices().nth(chars).map_or(value, |(at, _)| &value[..at])
}
