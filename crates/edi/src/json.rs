//! A JSON view of an input: interchanges → groups → sets → segments → elements.
//!
//! The shape (what `acorn edi convert` prints):
//!
//! ```text
//! { "standard": "X12",
//!   "interchanges": [ { "standard", "control", "sender": {"qualifier","id"}, "receiver", "date", "time",
//!                       "version", "charset"?, "test", "ack_requested", "offset", "service_advice"?,
//!                       "header": SEGMENT,
//!                       "groups": [ { "functional_id", "control", "sender", "receiver", "version",
//!                                     "explicit", "offset", "header": SEGMENT | null,
//!                                     "sets": [ { "id", "control", "version", "offset",
//!                                                 "segments": [ SEGMENT, … ] } ],
//!                                     "trailer": SEGMENT | null } ],
//!                       "trailer": SEGMENT | null } ] }
//! SEGMENT = { "tag", "offset", "position"? (in a set, the header being 1), "elements": [ELEMENT, …] }
//! ELEMENT = "text" | ["component", …] | [["component", …], …] (repetitions)
//! ```
//!
//! Values are the data (release characters and wrapping line breaks removed). A segment where the
//! envelope allows none (a TA1, or stray data) appears as a SEGMENT in the array that is open
//! there. Where a trailer never came, `trailer` is `null`; an EDIFACT interchange without UNG has
//! one implicit group whose `header` and `trailer` are `null`.
//!
//! One builder drives two sinks: [`to_json`] builds a [`serde_json::Value`], [`write_json`] writes
//! text segment by segment, one segment per line, holding only the envelope summaries in memory.

use std::convert::Infallible;
use std::io::{self, BufWriter, Read, Write};

use serde_json::{Map, Value, json};

use crate::envelope::{Envelope, GroupInfo, InterchangeInfo, Place, SetInfo};
use crate::segment::{Element, Segment};
use crate::syntax::{DetectError, Standard};
use crate::tokenizer::{StreamError, StreamTokenizer, Tokenizer};

/// The JSON view of an input held in memory.
pub fn to_json(input: &[u8]) -> Result<Value, DetectError> {
    let tokens = Tokenizer::new(input)?;
    let standard = tokens.standard();
    let mut builder = Builder::new(TreeSink::default());
    for seg in tokens {
        let Ok(()) = builder.push(&seg);
    }
    let Ok(sink) = builder.finish(standard);
    Ok(sink.done.unwrap_or(Value::Null))
}

/// Why [`write_json`] stopped.
#[derive(Debug, thiserror::Error)]
pub enum JsonError {
    #[error("reading the input: {0}")]
    Read(#[from] StreamError),
    #[error("writing the JSON: {0}")]
    Write(#[source] io::Error),
}

/// Writes the JSON view of a stream, segment by segment, in bounded memory.
pub fn write_json(reader: impl Read, out: impl Write) -> Result<(), JsonError> {
    let mut tokens = StreamTokenizer::new(reader);
    let mut builder = Builder::new(TextSink { out: BufWriter::new(out), first: Vec::new() });
    let mut any = false;
    while let Some(seg) = tokens.next_segment()? {
        any = true;
        builder.push(&seg).map_err(JsonError::Write)?;
    }
    if !any {
        // The slice view refuses an empty input; so does the stream.
        return Err(StreamError::Detect(DetectError::Empty).into());
    }
    let standard = tokens.detected().map_or(Standard::X12, |d| d.standard);
    let mut sink = builder.finish(standard).map_err(JsonError::Write)?;
    sink.out.write_all(b"\n").and_then(|()| sink.out.flush()).map_err(JsonError::Write)
}

/// Receives the view as nested objects, each holding one array of children.
trait Sink {
    type Error;
    /// Opens an object with `fields`, then its array `children`.
    fn open(&mut self, fields: Map<String, Value>, children: &'static str) -> Result<(), Self::Error>;
    /// Adds an item to the open array.
    fn item(&mut self, item: Value) -> Result<(), Self::Error>;
    /// Closes the open array, adds `fields` after it and closes the object.
    fn close(&mut self, fields: Map<String, Value>) -> Result<(), Self::Error>;
}

/// How deep the open objects go: the root, then an interchange, a group, a set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Depth {
    Root,
    Interchange,
    Group,
    Set,
}

/// Follows the envelope (the same state machine the validator uses) to nest segments.
struct Builder<S> {
    sink: S,
    env: Envelope,
    depth: Depth,
    started: bool,
    /// A UNA waiting for the UNB it advises.
    una: Option<String>,
}

impl<S: Sink> Builder<S> {
    fn new(sink: S) -> Builder<S> {
        Builder { sink, env: Envelope::new(), depth: Depth::Root, started: false, una: None }
    }

    fn push(&mut self, seg: &Segment<'_>) -> Result<(), S::Error> {
        if !self.started {
            self.started = true;
            self.sink.open(Map::new(), "interchanges")?;
        }
        match self.env.push(seg) {
            Place::ServiceAdvice => {
                self.close_to(Depth::Root)?;
                self.una = Some(String::from_utf8_lossy(seg.raw()).into_owned());
            }
            Place::InterchangeHeader => {
                self.close_to(Depth::Root)?;
                let mut fields = self.env.interchanges().last().map(interchange_fields).unwrap_or_default();
                if let Some(una) = self.una.take() {
                    fields.insert("service_advice".into(), una.into());
                }
                fields.insert("header".into(), segment(seg, None));
                self.open(Depth::Interchange, fields, "groups")?;
            }
            Place::GroupHeader => {
                self.close_to(Depth::Interchange)?;
                let mut fields = self.last_group().map(|g| group_fields(g, seg.offset())).unwrap_or_default();
                fields.insert("header".into(), segment(seg, None));
                self.open(Depth::Group, fields, "sets")?;
            }
            Place::SetHeader => {
                self.close_to(Depth::Group)?;
                if self.depth == Depth::Interchange {
                    // EDIFACT without UNG: the envelope opened an implicit group for this message.
                    let mut fields = self.last_group().map(|g| group_fields(g, seg.offset())).unwrap_or_default();
                    fields.insert("header".into(), Value::Null);
                    self.open(Depth::Group, fields, "sets")?;
                }
                let fields = self.last_group().and_then(|g| g.sets.last()).map(set_fields).unwrap_or_default();
                self.open(Depth::Set, fields, "segments")?;
                self.sink.item(segment(seg, Some(1)))?;
            }
            Place::SetBody { position } => self.sink.item(segment(seg, Some(position)))?,
            Place::SetTrailer { position } => {
                self.sink.item(segment(seg, Some(position)))?;
                self.close_to(Depth::Group)?;
            }
            Place::GroupTrailer => {
                self.close_to(Depth::Group)?;
                self.close_with(segment(seg, None))?;
            }
            Place::InterchangeTrailer => {
                self.close_to(Depth::Interchange)?;
                self.close_with(segment(seg, None))?;
            }
            Place::InterchangeService | Place::Outside => self.sink.item(segment(seg, None))?,
        }
        Ok(())
    }

    fn finish(mut self, standard: Standard) -> Result<S, S::Error> {
        if !self.started {
            self.sink.open(Map::new(), "interchanges")?;
        }
        self.close_to(Depth::Root)?;
        let mut root = Map::new();
        root.insert("standard".into(), standard.to_string().into());
        self.sink.close(root)?;
        Ok(self.sink)
    }

    fn last_group(&self) -> Option<&GroupInfo> {
        self.env.interchanges().last()?.groups.last()
    }

    fn open(&mut self, depth: Depth, fields: Map<String, Value>, children: &'static str) -> Result<(), S::Error> {
        self.sink.open(fields, children)?;
        self.depth = depth;
        Ok(())
    }

    /// Closes the innermost object with its trailer.
    fn close_with(&mut self, trailer: Value) -> Result<(), S::Error> {
        let mut fields = Map::new();
        if self.depth != Depth::Set {
            fields.insert("trailer".into(), trailer);
        }
        self.sink.close(fields)?;
        self.depth = match self.depth {
            Depth::Set => Depth::Group,
            Depth::Group => Depth::Interchange,
            Depth::Interchange | Depth::Root => Depth::Root,
        };
        Ok(())
    }

    /// Closes objects whose trailer never came until `depth` is the innermost open one.
    fn close_to(&mut self, depth: Depth) -> Result<(), S::Error> {
        while self.depth > depth {
            self.close_with(Value::Null)?;
        }
        Ok(())
    }
}

fn interchange_fields(ic: &InterchangeInfo) -> Map<String, Value> {
    let mut fields = object(json!({
        "standard": ic.standard.to_string(),
        "control": ic.control,
        "sender": { "qualifier": ic.sender.qualifier, "id": ic.sender.id },
        "receiver": { "qualifier": ic.receiver.qualifier, "id": ic.receiver.id },
        "date": ic.date,
        "time": ic.time,
        "version": ic.version,
        "test": ic.test,
        "ack_requested": ic.ack_requested,
        "offset": ic.offset,
    }));
    if let Some(charset) = &ic.charset {
        fields.insert("charset".into(), charset.as_str().into());
    }
    fields
}

/// `offset` is the group header's, or the first message's for an implicit group.
fn group_fields(g: &GroupInfo, offset: usize) -> Map<String, Value> {
    object(json!({
        "functional_id": g.functional_id,
        "control": g.control,
        "sender": g.sender,
        "receiver": g.receiver,
        "version": g.version,
        "explicit": g.explicit,
        "offset": offset,
    }))
}

fn set_fields(s: &SetInfo) -> Map<String, Value> {
    object(json!({ "id": s.id, "control": s.control, "version": s.version, "offset": s.offset }))
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn segment(seg: &Segment<'_>, position: Option<usize>) -> Value {
    // The ISA's fixed fields hold the delimiters themselves (ISA11, ISA16): never split them.
    let fixed = seg.is("ISA");
    let elements: Vec<Value> = seg.elements().map(|e| if fixed { e.text().into_owned().into() } else { element(&e) }).collect();
    let mut fields = Map::new();
    fields.insert("tag".into(), seg.tag_str().into_owned().into());
    fields.insert("offset".into(), seg.offset().into());
    if let Some(p) = position {
        fields.insert("position".into(), p.into());
    }
    fields.insert("elements".into(), elements.into());
    Value::Object(fields)
}

fn element(e: &Element<'_>) -> Value {
    let components = |e: &Element<'_>| -> Vec<Value> { e.components().map(|c| c.text().into_owned().into()).collect() };
    if e.repetitions().nth(1).is_some() {
        return e.repetitions().map(|r| Value::Array(components(&r))).collect::<Vec<_>>().into();
    }
    let parts = components(e);
    if parts.len() > 1 { parts.into() } else { e.text().into_owned().into() }
}

/// Builds the view as a [`Value`].
#[derive(Default)]
struct TreeSink {
    stack: Vec<(Map<String, Value>, &'static str, Vec<Value>)>,
    done: Option<Value>,
}

impl Sink for TreeSink {
    type Error = Infallible;

    fn open(&mut self, fields: Map<String, Value>, children: &'static str) -> Result<(), Infallible> {
        self.stack.push((fields, children, Vec::new()));
        Ok(())
    }

    fn item(&mut self, item: Value) -> Result<(), Infallible> {
        if let Some((_, _, items)) = self.stack.last_mut() {
            items.push(item);
        }
        Ok(())
    }

    fn close(&mut self, extra: Map<String, Value>) -> Result<(), Infallible> {
        let Some((mut fields, children, items)) = self.stack.pop() else { return Ok(()) };
        fields.insert(children.into(), Value::Array(items));
        fields.extend(extra);
        let object = Value::Object(fields);
        match self.stack.last_mut() {
            Some((_, _, parent)) => parent.push(object),
            None => self.done = Some(object),
        }
        Ok(())
    }
}

/// Writes the view as text as it goes: one flag per open array says whether it is still empty.
struct TextSink<W: Write> {
    out: W,
    first: Vec<bool>,
}

impl<W: Write> TextSink<W> {
    /// A comma between items, and each item on its own line.
    fn separate(&mut self) -> io::Result<()> {
        if let Some(first) = self.first.last_mut() {
            if !*first {
                self.out.write_all(b",")?;
            }
            *first = false;
            self.out.write_all(b"\n")?;
        }
        Ok(())
    }

    fn field(&mut self, key: &str, value: &Value) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, key)?;
        self.out.write_all(b":")?;
        serde_json::to_writer(&mut self.out, value)?;
        Ok(())
    }
}

impl<W: Write> Sink for TextSink<W> {
    type Error = io::Error;

    fn open(&mut self, fields: Map<String, Value>, children: &'static str) -> io::Result<()> {
        self.separate()?;
        self.out.write_all(b"{")?;
        for (key, value) in &fields {
            self.field(key, value)?;
            self.out.write_all(b",")?;
        }
        serde_json::to_writer(&mut self.out, children)?;
        self.out.write_all(b":[")?;
        self.first.push(true);
        Ok(())
    }

    fn item(&mut self, item: Value) -> io::Result<()> {
        self.separate()?;
        serde_json::to_writer(&mut self.out, &item)?;
        Ok(())
    }

    fn close(&mut self, extra: Map<String, Value>) -> io::Result<()> {
        self.first.pop();
        self.out.write_all(b"]")?;
        for (key, value) in &extra {
            self.out.write_all(b",")?;
            self.field(key, value)?;
        }
        self.out.write_all(b"}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const X12: &str = "ISA*00*          *00*          *ZZ*VENDOR1        *ZZ*ACORN          *260101*1200*^*00501*000000001*0*T*>~\n\
GS*SH*VEND*ACORN*20260101*1200*5*X*005010~\nST*856*0001~\nBSN*00*SHIP1*20260101*1200~\nREF*BM*BOL1>X^BOL2~\nSE*4*0001~\nGE*1*5~\nIEA*1*000000001~\n";

    const EDIFACT: &str = "UNA:+.? 'UNB+UNOC:3+VENDOR1:14+ACORN:14+260101:1200+REF1'UNH+1+DESADV:D:96A:UN'FTX+AAI+++IT?'S:OK'UNT+3+1'UNZ+1+REF1'";

    fn streamed(input: &str) -> Value {
        let mut out = Vec::new();
        write_json(input.as_bytes(), &mut out).unwrap();
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn x12_nests_with_named_envelope_values_and_offsets() {
        let v = to_json(X12.as_bytes()).unwrap();
        assert_eq!(v["standard"], "X12");
        let ic = &v["interchanges"][0];
        assert_eq!((&ic["control"], &ic["sender"]["id"], &ic["version"], &ic["test"]), (&json!("000000001"), &json!("VENDOR1"), &json!("00501"), &json!(true)));
        assert_eq!(ic["header"]["elements"][10], "^", "ISA11 is not split");
        assert_eq!(ic["header"]["elements"][15], ">");
        assert_eq!(ic["trailer"]["elements"], json!(["1", "000000001"]));
        let group = &ic["groups"][0];
        assert_eq!((&group["functional_id"], &group["control"], &group["version"]), (&json!("SH"), &json!("5"), &json!("005010")));
        assert_eq!(group["trailer"]["tag"], "GE");
        let set = &group["sets"][0];
        assert_eq!((&set["id"], &set["control"], &set["offset"]), (&json!("856"), &json!("0001"), &json!(X12.find("ST*").unwrap())));
        let segs = set["segments"].as_array().unwrap();
        assert_eq!(segs.iter().map(|s| s["tag"].as_str().unwrap()).collect::<Vec<_>>(), ["ST", "BSN", "REF", "SE"]);
        assert_eq!(segs[3]["position"], 4);
        assert_eq!(segs[2]["offset"], X12.find("REF").unwrap());
        assert_eq!(segs[2]["elements"], json!(["BM", [["BOL1", "X"], ["BOL2"]]]));
    }

    #[test]
    fn edifact_gets_an_implicit_group_and_unescaped_components() {
        let v = to_json(EDIFACT.as_bytes()).unwrap();
        assert_eq!(v["standard"], "EDIFACT");
        let ic = &v["interchanges"][0];
        assert_eq!((&ic["service_advice"], &ic["charset"], &ic["sender"]["qualifier"]), (&json!("UNA:+.? "), &json!("UNOC"), &json!("14")));
        assert_eq!(ic["header"]["elements"][0], json!(["UNOC", "3"]));
        let group = &ic["groups"][0];
        assert_eq!((&group["explicit"], &group["header"], &group["trailer"]), (&json!(false), &Value::Null, &Value::Null));
        let set = &group["sets"][0];
        assert_eq!(set["version"], "D:96A:UN");
        assert_eq!(set["segments"][1]["elements"], json!(["AAI", "", "", ["IT'S", "OK"]]));
        assert_eq!(ic["trailer"]["tag"], "UNZ");
    }

    #[test]
    fn the_stream_writes_the_same_view_one_segment_per_line() {
        for input in [X12, EDIFACT] {
            assert_eq!(streamed(input), to_json(input.as_bytes()).unwrap());
        }
        let mut out = Vec::new();
        write_json(X12.as_bytes(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.lines().any(|l| l.starts_with("{\"elements\":[\"BM\"")), "{text}");
    }

    #[test]
    fn broken_envelopes_still_nest_and_stray_segments_stay_visible() {
        let broken = "ISA*00*          *00*          *ZZ*A              *ZZ*B              *260101*1200*U*00401*000000001*1*P*>~\
TA1*000000009*260101*1200*A*000~GS*IN*A*B*20260101*1200*1*X*004010~ST*810*0001~BIG*20260101*INV1~GS*IN*A*B*20260101*1200*2*X*004010~";
        for v in [to_json(broken.as_bytes()).unwrap(), streamed(broken)] {
            let ic = &v["interchanges"][0];
            assert_eq!(ic["groups"][0]["tag"], "TA1");
            let first = &ic["groups"][1];
            assert_eq!((&first["control"], &first["trailer"]), (&json!("1"), &Value::Null));
            assert_eq!(first["sets"][0]["segments"].as_array().unwrap().len(), 2);
            assert_eq!(ic["groups"][2]["control"], "2");
            assert_eq!(ic["trailer"], Value::Null);
        }
        assert!(matches!(to_json(b""), Err(DetectError::Empty)));
        assert!(matches!(write_json(&b""[..], Vec::new()), Err(JsonError::Read(StreamError::Detect(DetectError::Empty)))));
    }
}
