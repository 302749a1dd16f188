//! Random documents: segments from a small grammar with random values, written by the canonical
//! writer with random delimiters (X12 and EDIFACT, one- and multi-byte terminators, repetition and
//! release characters) in a random layout. Each must read back as written, write back byte for
//! byte, and stream into exactly the segments the slice tokenizer finds, whatever the chunk sizes.

use std::io::Read;

use acorn_edi::{Delimiters, Document, GroupHeader, InterchangeHeader, Segment, Standard, StreamTokenizer, Tokenizer, Value, Writer};
use proptest::prelude::*;

use super::edit;

/// Characters that may be delimiters: never letters, digits, space or the decimal mark.
const POOL: &[u8] = b"*|^~!>:+'{}$#@%&;=`";

/// A body segment: its tag and its elements, each a list of components.
type Model = Vec<(String, Vec<Vec<String>>)>;

#[derive(Debug, Clone, Copy)]
enum Layout {
    /// As the writer writes it: one segment per line.
    Plain,
    Bom,
    Crlf,
    /// One stream cut into lines of this many bytes after the first segment (only with a
    /// one-byte terminator that is not itself a line break).
    Wrapped(usize),
}

fn delimiters() -> impl Strategy<Value = (Standard, Delimiters)> {
    (any::<bool>(), Just(POOL.to_vec()).prop_shuffle(), 0..6usize, any::<bool>()).prop_map(|(x12, p, terminator, repetition)| {
        if x12 {
            let terminator: &[u8] = match terminator {
                0 => b"\n",
                1 => b"\r\n",
                2 => "…".as_bytes(),
                _ => &p[2..3],
            };
            (Standard::X12, Delimiters::new(p[0], p[1], repetition.then_some(p[3]), None, terminator))
        } else {
            let terminator: &[u8] = if terminator == 0 { b"\n" } else { &p[2..3] };
            (Standard::Edifact, Delimiters::new(p[0], p[1], repetition.then_some(p[3]), Some(p[4]), terminator))
        }
    })
}

fn model() -> impl Strategy<Value = Model> {
    let tag = prop::sample::select(vec!["BEG", "REF", "N1", "PO1", "DTM", "FTX", "LIN", "QTY", "IMD", "ZZ"]);
    let value = "[A-Za-z0-9 .,/()&'+:?*|^~!>{}$#@%=;`é-]{0,10}";
    let element = prop::collection::vec(value, 1..4);
    prop::collection::vec((tag.prop_map(str::to_string), prop::collection::vec(element, 0..8)), 1..20)
}

fn layout() -> impl Strategy<Value = Layout> {
    prop_oneof![Just(Layout::Plain), Just(Layout::Bom), Just(Layout::Crlf), (8usize..100).prop_map(Layout::Wrapped)]
}

/// What the writer keeps of a model: X12 values without delimiters (it has no release character),
/// and no trailing empty components or elements (the writer drops them).
fn normalise(standard: Standard, d: &Delimiters, model: &Model) -> Model {
    let clean = |v: &String| -> String {
        match standard {
            Standard::X12 => v.chars().filter(|c| !c.to_string().bytes().any(|b| d.is_delimiter(b) || d.terminator().contains(&b))).collect(),
            Standard::Edifact => v.clone(),
        }
    };
    model
        .iter()
        .map(|(tag, elements)| {
            let mut elements: Vec<Vec<String>> = elements
                .iter()
                .map(|components| {
                    let mut components: Vec<String> = components.iter().map(clean).collect();
                    while components.last().is_some_and(String::is_empty) {
                        components.pop();
                    }
                    components
                })
                .collect();
            while elements.last().is_some_and(Vec::is_empty) {
                elements.pop();
            }
            (tag.clone(), elements)
        })
        .collect()
}

fn write(standard: Standard, d: Delimiters, model: &Model) -> Vec<u8> {
    let header = InterchangeHeader {
        sender_qualifier: "ZZ".into(),
        sender: "ACORN".into(),
        receiver_qualifier: "ZZ".into(),
        receiver: "PARTNER".into(),
        control: 7,
        date: "260302".into(),
        time: "0915".into(),
        version: if standard == Standard::Edifact {
            "3".into()
        } else if d.repetition.is_some() {
            "00501".into()
        } else {
            "00401".into()
        },
        test: false,
        ack_requested: false,
        charset: "UNOC".into(),
    };
    let mut w = Writer::new(standard, d, &header).expect("header");
    if standard == Standard::X12 {
        let group = GroupHeader {
            functional_id: "PO".into(),
            sender: "ACORN".into(),
            receiver: "PARTNER".into(),
            control: 7,
            date: "20260302".into(),
            time: "0915".into(),
            version: "004010".into(),
        };
        w.begin_group(&group).expect("group");
    }
    w.begin_set(if standard == Standard::X12 { "850" } else { "ORDERS" }, "1", if standard == Standard::X12 { "" } else { "D:96A:UN" }).expect("set");
    for (tag, elements) in model {
        let values: Vec<Value> = elements.iter().map(|c| if c.len() == 1 { Value::from(&c[0]) } else { Value::Composite(c.clone()) }).collect();
        w.segment(tag, &values).expect("normalised values are writable");
    }
    w.end_set().expect("trailer");
    w.finish().expect("interchange")
}

fn lay_out(bytes: Vec<u8>, layout: Layout, d: &Delimiters) -> Vec<u8> {
    let line_break_terminator = d.terminator()[0] == b'\n' || d.terminator()[0] == b'\r';
    match layout {
        Layout::Plain => bytes,
        Layout::Bom => edit::bom(bytes),
        Layout::Crlf if !line_break_terminator => edit::crlf(bytes),
        Layout::Wrapped(width) if d.terminator().len() == 1 && !line_break_terminator => {
            // The header line (ISA, or UNA) stays whole: its fixed layout declares the delimiters.
            let first = bytes.iter().position(|b| *b == b'\n').expect("one segment per line") + 1;
            [&bytes[..first], &edit::wrap(&bytes[first..], width)].concat()
        }
        _ => bytes,
    }
}

/// The body segments read back as a model.
fn read_back(input: &[u8]) -> Model {
    let envelope = ["ISA", "GS", "ST", "SE", "GE", "IEA", "UNA", "UNB", "UNH", "UNT", "UNZ"];
    Tokenizer::new(input)
        .expect("detects")
        .filter(|s| !envelope.iter().any(|t| s.is(t)))
        .map(|s| {
            let elements = s.elements().map(|e| e.components().map(|c| c.text().into_owned()).collect()).collect();
            (s.tag_str().into_owned(), elements)
        })
        .collect()
}

/// A reader handing out the input in chunks of the given sizes, in turn.
struct Chunked<'a> {
    data: &'a [u8],
    sizes: Vec<usize>,
    turn: usize,
}

impl Read for Chunked<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let size = self.sizes[self.turn % self.sizes.len()];
        self.turn += 1;
        let n = size.min(out.len()).min(self.data.len());
        out[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

type Seen = (usize, Vec<u8>, Vec<u8>, bool);

fn seen(s: &Segment<'_>) -> Seen {
    (s.offset(), s.raw().to_vec(), s.trailer().to_vec(), s.is_terminated())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_documents_round_trip_and_stream_alike(
        (standard, d) in delimiters(),
        model in model(),
        layout in layout(),
        sizes in prop::collection::vec(1usize..64, 1..8),
    ) {
        let model = normalise(standard, &d, &model);
        let input = lay_out(write(standard, d, &model), layout, &d);

        // What was written reads back.
        let normalised: Model = model
            .iter()
            .map(|(tag, elements)| (tag.clone(), elements.iter().map(|c| if c.is_empty() { vec![String::new()] } else { c.clone() }).collect()))
            .collect();
        prop_assert_eq!(read_back(&input), normalised);

        // The owned document writes back byte for byte.
        prop_assert!(Document::parse(&input).expect("parses").write() == input);

        // So do the tokens: prefix, each segment's bytes and trailer, suffix.
        let mut tokens = Tokenizer::new(&input).expect("detects");
        let mut rebuilt = tokens.prefix().to_vec();
        let slice: Vec<Seen> = tokens.by_ref().map(|s| {
            rebuilt.extend_from_slice(s.raw());
            rebuilt.extend_from_slice(s.trailer());
            seen(&s)
        }).collect();
        rebuilt.extend_from_slice(tokens.suffix());
        prop_assert!(rebuilt == input);

        // The streaming tokenizer agrees with the slice one, chunk sizes notwithstanding.
        let mut stream = StreamTokenizer::new(Chunked { data: &input, sizes, turn: 0 });
        let mut streamed = Vec::new();
        while let Some(s) = stream.next_segment().expect("reads") {
            streamed.push(seen(&s));
        }
        prop_assert_eq!(streamed, slice);
    }
}
