//! EDIFACT CONTRL (syntax version 3, `CONTRL:D:3:UN`) for an interchange whose UNB 0031 asks for one.
//!
//! One CONTRL per interchange: UCI for the interchange, UCF per explicit (UNG) group, and UCM per
//! message with UCS/UCD for its segment and element errors. Action 7 acknowledges a level and every
//! level under it that is not explicitly rejected, so an accepted interchange still lists a UCM per
//! message and a rejected message carries its own 4. Only errors are reported: CONTRL has no
//! "accepted with errors", and an accepted message listing errors would read as a rejection.

use crate::report::Finding;
use crate::syntax::{Delimiters, Standard};
use crate::validate::{Validation, Verdict};
use crate::writer::{InterchangeHeader, Value, WriteError, Writer, composite};

use super::{AckError, AckIds, SetErrors, codes, received_interchange};

/// UCS per message and UCD per UCS (CONTRL's repeat limits).
const MAX_SEGMENTS: usize = 999;
const MAX_ELEMENTS: usize = 99;

/// The CONTRL interchange for interchange `interchange` of `v`; `None` when UNB 0031 did not ask for
/// one, or when every message in it is itself a CONTRL (those are never acknowledged).
pub fn contrl(v: &Validation, interchange: usize, ids: &AckIds) -> Result<Option<Vec<u8>>, AckError> {
    let ic = received_interchange(v, interchange, Standard::Edifact, "CONTRL")?;
    let mut messages = ic.groups.iter().flat_map(|g| &g.sets).peekable();
    if !ic.ack_requested || (messages.peek().is_some() && messages.all(|s| s.id == "CONTRL")) {
        return Ok(None);
    }
    ids.check()?;
    let write = |source: WriteError| AckError::Write { control: ic.control.clone(), source };
    let header = InterchangeHeader {
        sender_qualifier: ids.sender.qualifier.clone(),
        sender: ids.sender.id.clone(),
        receiver_qualifier: ids.receiver.qualifier.clone(),
        receiver: ids.receiver.id.clone(),
        control: ids.interchange_control,
        date: ids.short_date().to_string(),
        time: ids.short_time().to_string(),
        // The CONTRL written here is the syntax-3 message, so its interchange is syntax 3 too.
        version: "3".into(),
        test: ids.test,
        ack_requested: false,
        // The partner's syntax identifier when it is one the envelope accepts; a CONTRL rejecting
        // an unsupported one is itself written in UNOA, so that it stays a valid interchange.
        charset: ic.charset.clone().filter(|c| matches!(c.as_str(), "UNOA" | "UNOB" | "UNOC" | "UNOD")).unwrap_or_else(|| "UNOA".into()),
    };
    let mut w = Writer::new(Standard::Edifact, ids.delimiters.unwrap_or_else(Delimiters::edifact_default), &header).map_err(write)?;
    w.begin_set("CONTRL", "1", "D:3:UN").map_err(write)?;
    body(&mut w, v, interchange).map_err(write)?;
    w.end_set().map_err(write)?;
    w.finish().map(Some).map_err(write)
}

fn body(w: &mut Writer, v: &Validation, i: usize) -> Result<(), WriteError> {
    let Some(ic) = v.interchanges.get(i) else { return Ok(()) };
    let verdict = v.interchange_verdict(i);
    let first_error = v.interchange_findings(i).find(|f| f.is_error());
    let mut uci = vec![
        Value::from(&ic.control),
        composite([ic.sender.id.as_str(), &ic.sender.qualifier]),
        composite([ic.receiver.id.as_str(), &ic.receiver.qualifier]),
        codes::contrl_action(verdict).into(),
    ];
    uci.extend(error_elements(first_error));
    w.segment("UCI", &uci)?;
    if verdict == Verdict::Rejected {
        // 4 rejects everything under the interchange; nothing lower is reported.
        return Ok(());
    }
    for (g, group) in ic.groups.iter().enumerate() {
        if group.explicit {
            let group_error = v.group_findings(i, g).find(|f| f.is_error());
            let action = if group_error.is_some() { Verdict::Rejected } else { Verdict::Accepted };
            let mut ucf = vec![Value::from(&group.control), Value::from(&group.sender), Value::from(&group.receiver), codes::contrl_action(action).into()];
            ucf.extend(error_elements(group_error));
            w.segment("UCF", &ucf)?;
            if group_error.is_some() {
                continue;
            }
        }
        for (s, set) in group.sets.iter().enumerate() {
            let verdict = v.set_verdict(i, g, s);
            let errors = SetErrors::collect(v.set_findings(i, g, s).filter(|f| f.is_error()));
            let mut identifier = vec![set.id.to_string()];
            identifier.extend(set.version.split(':').filter(|p| !p.is_empty()).map(str::to_string));
            let mut ucm = vec![Value::from(set.control.as_str()), Value::Composite(identifier), codes::contrl_action(verdict).into()];
            ucm.extend(error_elements(errors.envelope.first().copied()));
            w.segment("UCM", &ucm)?;
            for seg in errors.segments.iter().take(MAX_SEGMENTS) {
                let position = seg.position.to_string();
                let code = seg.segment.first().map_or("", |f| codes::contrl_error(f.rule));
                w.segment("UCS", &[position.as_str(), code].map(Value::from))?;
                for f in seg.elements.iter().take(MAX_ELEMENTS) {
                    w.segment("UCD", &[codes::contrl_error(f.rule).into(), data_element(f)])?;
                }
                // UCS holds one code: further segment-level errors repeat the segment.
                for f in seg.segment.iter().skip(1) {
                    w.segment("UCS", &[position.as_str(), codes::contrl_error(f.rule)].map(Value::from))?;
                }
            }
        }
    }
    Ok(())
}

/// 0085, 0013 and S011 of UCI, UCF or UCM for the error reported there: the service segment named
/// only when the error is in one (UNB, UNZ, UNH…).
fn error_elements(error: Option<&Finding>) -> Vec<Value> {
    let Some(f) = error else { return Vec::new() };
    let tag = f.location.segment_tag.as_deref().filter(|t| t.starts_with("UN")).unwrap_or("");
    let element = if tag.is_empty() { Value::from("") } else { data_element(f) };
    vec![codes::contrl_error(f.rule).into(), tag.into(), element]
}

/// S011: CONTRL counts the segment tag as position 1, so element n is position n + 1.
fn data_element(f: &Finding) -> Value {
    let at = &f.location;
    match at.element {
        Some(e) => composite([Some(e + 1), at.component].into_iter().flatten().map(|n| n.to_string())),
        None => Value::from(""),
    }
}
