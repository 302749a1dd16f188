//! ACORN's EDI engine: X12 and EDIFACT tokenizer, envelope checks, writers, implementation guides
//! as data, acknowledgements and the mapping to ACORN's domain.
//!
//! The engine is a product on its own: it depends on nothing of ACORN but `domain` types, and only
//! at its mapping edge. Reading is zero-copy ([`Segment`] borrows the input) and can stream
//! ([`StreamTokenizer`]) so a 100 MB interchange is checked in bounded memory.

pub mod ack;
pub mod document;
pub mod envelope;
pub mod guide;
pub mod json;
pub mod map;
pub mod report;
pub mod segment;
mod simd;
pub mod syntax;
pub mod tokenizer;
pub mod validate;
pub mod writer;

pub use ack::{AckError, AckIds, AckKind, ReceivedAck, contrl, read_acks, x12_acks};
pub use document::{Document, EditError, OwnedSegment};
pub use envelope::{Envelope, EnvelopeReport, GroupInfo, InterchangeInfo, Party, Place, SetInfo};
pub use guide::{Guide, GuideError, GuideSet};
pub use json::{JsonError, to_json, write_json};
pub use report::{Finding, Location, Rule, Scope, Severity};
pub use segment::{Element, Elements, Segment};
pub use syntax::{Delimiters, DetectError, Detected, Standard, detect};
pub use tokenizer::{StreamError, StreamTokenizer, Tokenizer};
pub use validate::{EnvelopeOnly, Pass, SetCheck, SetRules, Validation, Verdict, validate, validate_stream};
pub use writer::{GroupHeader, InterchangeHeader, Value, WriteError, Writer, composite};
