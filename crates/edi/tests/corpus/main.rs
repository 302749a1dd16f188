//! The labelled corpus ACORN generates for its EDI engine, and the verdicts on the public samples.
//!
//! `generate` writes one valid document for every set with a built-in guide; `edit` describes
//! mutations as data; `cases` declares one mutation per edge case with the exact verdict the engine
//! must reach, written by hand; `verdict` holds a validation to it. `roundtrip` checks that every
//! valid document writes back byte for byte and that an edit changes exactly the element edited;
//! `prop` checks random documents with random delimiters read back, write back and stream exactly
//! as the slice tokenizer reads them; `samples` declares a verdict for every public sample file in
//! `../shared/edi-samples`.

mod cases;
mod edit;
mod generate;
mod prop;
mod roundtrip;
mod samples;
mod verdict;

#[test]
fn every_case_reproduces_its_declared_verdict() {
    let cases = cases::cases();
    let mut names: Vec<&str> = cases.iter().map(|c| c.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), cases.len(), "case names are unique");
    let failures: Vec<String> = cases.iter().filter_map(|c| verdict::check(c, &c.bytes()).err()).collect();
    println!("{}/{} cases reproduced", cases.len() - failures.len(), cases.len());
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
