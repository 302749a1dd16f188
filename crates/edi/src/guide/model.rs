//! The guide file schema: what a TOML implementation guide may say, exactly as written.
//!
//! These types only describe the file; [`super::compile`] checks them (unknown segment
//! definitions, bad formats, syntax notes naming absent elements…) and turns them into the
//! structure the checker runs on. Unknown keys are refused so a typo in a partner guide fails
//! loudly instead of silently dropping a rule.

use std::collections::BTreeMap;

use serde::Deserialize;

/// One guide file: one transaction set / message, one or more versions.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuideFile {
    /// `X12` or `EDIFACT`.
    pub standard: String,
    /// ST01 (`850`) or the UNH message type (`ORDERS`).
    pub set: String,
    /// Versions the guide accepts: GS08/ST03 (`004010`, `004010VICS`) or `D:96A:UN`.
    pub versions: Vec<String>,
    #[serde(default)]
    pub name: String,
    /// When not empty, the guide applies only to interchanges whose sender or receiver ID is one of these;
    /// such a partner guide is preferred over a general one for the same set and version.
    #[serde(default)]
    pub partners: Vec<String>,
    /// The segments and loops between the set header and trailer, in order.
    pub structure: Vec<NodeFile>,
    /// Segment definitions, keyed by tag or by the `def` name a structure entry gives.
    pub segments: BTreeMap<String, SegmentFile>,
    /// Named code lists that elements refer to with `codes = "name"`.
    #[serde(default)]
    pub codes: BTreeMap<String, CodeListFile>,
    /// Hierarchical-level rules (X12 HL, EDIFACT CPS).
    #[serde(default)]
    pub hierarchy: Option<HierarchyFile>,
    /// Summary counts (CTT01, CNT) checked against what was counted.
    #[serde(default)]
    pub counts: Vec<CountFile>,
}

/// A structure entry: a segment (`seg`) or a loop (`loop`, with a `body` whose first entry is the
/// loop's trigger segment).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeFile {
    pub seg: Option<String>,
    #[serde(rename = "loop")]
    pub loop_id: Option<String>,
    /// The segment definition to use (default: the tag), for a segment used differently at two positions.
    pub def: Option<String>,
    /// Mandatory (X12 `M`); optional when absent.
    #[serde(default)]
    pub req: bool,
    /// Maximum use (segments) or repeats (loops); 1 when absent; `">1"` for unbounded.
    #[serde(default)]
    pub max: Option<MaxFile>,
    #[serde(default)]
    pub body: Vec<NodeFile>,
}

/// A maximum: a number, or `">1"` for unbounded (the X12 notation).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum MaxFile {
    Count(i64),
    Text(String),
}

/// A segment definition.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentFile {
    #[serde(default)]
    pub name: String,
    /// Elements by position (the first is element 01).
    #[serde(default)]
    pub elements: Vec<ElementFile>,
    /// X12 syntax notes: `P0203`, `R020305`, `C0403`, `E0102`, `L010203`.
    #[serde(default)]
    pub syntax: Vec<String>,
}

/// A simple element, or a composite (with `composite` listing its components).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElementFile {
    /// Data element reference number (`324`, `C001`, `1004`).
    #[serde(rename = "ref")]
    pub reference: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub req: bool,
    /// Data type and length: X12 `AN 1/22`, `ID 2/2`, `N0 1/6`, `N2 1/10`, `R 1/15`, `DT 8/8`,
    /// `TM 4/8`; EDIFACT `an..35`, `an3`, `n..15`, `a3`. Not given for a composite.
    #[serde(rename = "type")]
    pub format: Option<String>,
    /// A code list, inline or by name.
    pub codes: Option<CodesFile>,
    /// Whether a value outside the code list is an error (default: the named list's setting, else false).
    pub enforce: Option<bool>,
    /// Maximum repetitions (X12 5010 repetition separator); 1 when absent.
    pub repeat: Option<u32>,
    /// The components of a composite element.
    pub composite: Option<Vec<ElementFile>>,
    /// Syntax notes among the components of a composite (numbered by component).
    #[serde(default)]
    pub syntax: Vec<String>,
    /// A check digit: `gtin` or `sscc`.
    pub check: Option<String>,
    /// Apply `check` only when another element (or component) holds one of some codes.
    pub when: Option<WhenFile>,
}

/// An inline list of codes, or the name of a list in the guide's `[codes]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum CodesFile {
    Inline(Vec<String>),
    Named(String),
}

/// A named code list.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeListFile {
    #[serde(default)]
    pub name: String,
    pub values: Vec<String>,
    #[serde(default)]
    pub enforce: bool,
}

/// A condition on a qualifier: element `element` (component `component`, default 1) is one of `is`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WhenFile {
    pub element: u32,
    pub component: Option<u32>,
    pub is: Vec<String>,
}

/// Hierarchical levels: which element holds the ID, the parent ID, the level code and the child
/// code, and which levels may sit under which.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HierarchyFile {
    #[serde(default = "default_hl_segment")]
    pub segment: String,
    #[serde(default = "one")]
    pub id: u32,
    #[serde(default = "two")]
    pub parent: u32,
    /// The level code element; 0 when the segment has none.
    #[serde(default = "three")]
    pub level: u32,
    /// The hierarchical child code element (`1` children follow, `0` none); 0 when the segment has none.
    #[serde(default = "four")]
    pub children: u32,
    /// Allowed levels and their allowed parents; empty means any level under any parent.
    #[serde(default)]
    pub levels: Vec<LevelFile>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelFile {
    pub code: String,
    #[serde(default)]
    pub name: String,
    /// Whether the level may be a root (no parent ID).
    #[serde(default)]
    pub root: bool,
    /// Level codes this level may be a child of.
    #[serde(default)]
    pub parents: Vec<String>,
}

/// A summary count: `segment` element `element` (component `component`) must equal the number of
/// `loops` with that ID, or of `segments` with that tag, seen before it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountFile {
    pub segment: String,
    pub element: u32,
    pub component: Option<u32>,
    pub when: Option<WhenFile>,
    pub loops: Option<String>,
    pub segments: Option<String>,
}

fn default_hl_segment() -> String {
    "HL".to_string()
}

fn one() -> u32 {
    1
}

fn two() -> u32 {
    2
}

fn three() -> u32 {
    3
}

fn four() -> u32 {
    4
}
