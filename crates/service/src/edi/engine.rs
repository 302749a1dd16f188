//! The service's one handle on the EDI engine: validation with the built-in guides, and the small
//! facts about set identifiers the gateway needs.

use std::sync::LazyLock;

use acorn_edi::guide::GuideSet;
use acorn_edi::report::{Location, Rule, Scope};
use acorn_edi::{DetectError, Detected, Finding, Validation};

/// The built-in implementation guides, compiled once.
static GUIDES: LazyLock<GuideSet> = LazyLock::new(GuideSet::builtin);

/// Validates a whole input with the envelope checks and the built-in implementation guides.
pub fn validate(input: &[u8]) -> Result<(Validation, Detected), DetectError> {
    let detected = acorn_edi::detect(input)?;
    let validation = acorn_edi::validate(input, &*GUIDES)?;
    Ok((validation, detected))
}

/// Functional and interchange acknowledgements (what a partner sends about what we sent).
pub fn is_ack_set(set_id: &str) -> bool {
    matches!(set_id, "997" | "999" | "CONTRL")
}

/// A refusal of the whole interchange by the gateway (not the engine): misaddressed, reused control number.
pub fn refusal_finding(reason: &str) -> Finding {
    Finding::error(Scope::Interchange, Rule::EnvelopeValue, Location::default(), reason)
}
