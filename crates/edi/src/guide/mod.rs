//! Implementation guides as data: one interpreter, declarative TOML guide files.
//!
//! A guide file (`crates/edi/guides/*.toml`) describes one transaction set or message for one or
//! more versions: its segments and loops in order with mandatory flags and maximum use, each
//! segment's elements (reference number, type and length, code list, composite components,
//! repetitions), X12 syntax notes, the HL hierarchy's parent/child matrix, GTIN and SSCC check
//! digits, and summary counts. [`Guide::from_toml`] parses and compiles one; [`GuideSet`] holds
//! many, keyed by standard, set ID and version, and is the [`SetRules`] that
//! [`crate::validate`] runs, so envelope and guide are checked in one pass:
//!
//! ```
//! use acorn_edi::{GuideSet, validate};
//! let input = b"ISA*00*          *00*          *ZZ*AMAZON         *ZZ*VENDOR         *260301*1200*U*00401*000000001*0*P*>~GS*PO*AMAZON*VENDOR*20260301*1200*1*X*004010~ST*850*0001~BEG*00*NE*T8R4LM2Q**20260301~REF*CR*VND42~CSH*N~DTM*064*20260310~DTM*063*20260317~N1*ST**92*RNO4~PO1*1*12*EA*9.99*PE*UP*614141000012~CTT*1~SE*10*0001~GE*1*1~IEA*1*000000001~";
//! let v = validate(input, &GuideSet::builtin()).unwrap();
//! assert!(v.is_valid(), "{:#?}", v.findings);
//! ```
//!
//! Partner guides are added without code: [`GuideSet::with`] a guide parsed from text, or
//! [`GuideSet::load_dir`] a directory of guide files; a later guide for the same set and version
//! takes precedence, and a guide that names `partners` is preferred for those partners.

mod check;
mod compile;
mod hierarchy;
pub mod model;
mod rules;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use crate::envelope::{GroupInfo, InterchangeInfo, SetInfo};
use crate::report::{Finding, Location, Rule, Scope};
use crate::segment::Segment;
use crate::syntax::Standard;
use crate::validate::{SetCheck, SetRules};

use check::GuideCheck;
use compile::Compiled;

/// Why a guide could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum GuideError {
    /// The text is not TOML of the guide schema (a syntax error, a wrong type, an unknown key).
    #[error("{origin}: not a valid guide file: {message}")]
    Parse { origin: String, message: String },
    /// The file parses but says something impossible (an undefined segment, a bad type, a syntax
    /// note naming an element the segment lacks…).
    #[error("{origin}: {message}")]
    Invalid { origin: String, message: String },
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
}

impl GuideError {
    pub(crate) fn invalid(origin: &str, message: impl Into<String>) -> GuideError {
        GuideError::Invalid { origin: origin.to_string(), message: message.into() }
    }
}

/// A compiled implementation guide for one set (or message) and one or more versions.
#[derive(Clone)]
pub struct Guide {
    compiled: Arc<Compiled>,
}

impl fmt::Debug for Guide {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Guide").field("standard", &self.standard()).field("set", &self.set_id()).field("versions", &self.versions()).finish()
    }
}

impl Guide {
    /// Parses and compiles a guide from TOML text.
    pub fn from_toml(text: &str) -> Result<Guide, GuideError> {
        Guide::from_toml_named(text, "guide")
    }

    /// Like [`Guide::from_toml`]; `origin` (a file name) names the guide in errors.
    pub fn from_toml_named(text: &str, origin: &str) -> Result<Guide, GuideError> {
        let file: model::GuideFile = toml::from_str(text).map_err(|e| GuideError::Parse { origin: origin.to_string(), message: e.to_string() })?;
        Ok(Guide { compiled: Arc::new(compile::compile(&file, origin)?) })
    }

    /// Reads, parses and compiles a guide file.
    pub fn from_file(path: &Path) -> Result<Guide, GuideError> {
        let text = std::fs::read_to_string(path).map_err(|source| GuideError::Io { path: path.to_path_buf(), source })?;
        Guide::from_toml_named(&text, &path.display().to_string())
    }

    pub fn standard(&self) -> Standard {
        self.compiled.standard
    }

    /// ST01 (`850`) or the UNH message type (`ORDERS`).
    pub fn set_id(&self) -> &str {
        &self.compiled.set_id
    }

    pub fn versions(&self) -> &[String] {
        &self.compiled.versions
    }

    pub fn name(&self) -> &str {
        &self.compiled.name
    }

    /// The partner IDs the guide is restricted to (empty: any partner).
    pub fn partners(&self) -> &[String] {
        &self.compiled.partners
    }

    /// Whether the guide covers this standard, set and version.
    pub fn covers(&self, standard: Standard, set_id: &str, version: &str) -> bool {
        self.compiled.standard == standard && self.compiled.set_id == set_id && self.compiled.versions.iter().any(|v| v == version)
    }

    fn for_partner(&self, ic: &InterchangeInfo) -> bool {
        self.compiled.partners.iter().any(|p| *p == ic.sender.id || *p == ic.receiver.id)
    }
}

/// The guide files built into the binary: (file name, TOML text). Copy one to start a partner guide.
pub const BUILTIN: &[(&str, &str)] = &[
    ("x12-810-004010.toml", include_str!("../../guides/x12-810-004010.toml")),
    ("x12-820-004010.toml", include_str!("../../guides/x12-820-004010.toml")),
    ("x12-846-004010.toml", include_str!("../../guides/x12-846-004010.toml")),
    ("x12-850-004010.toml", include_str!("../../guides/x12-850-004010.toml")),
    ("x12-852-004010.toml", include_str!("../../guides/x12-852-004010.toml")),
    ("x12-855-004010.toml", include_str!("../../guides/x12-855-004010.toml")),
    ("x12-856-004010.toml", include_str!("../../guides/x12-856-004010.toml")),
    ("x12-856-005010.toml", include_str!("../../guides/x12-856-005010.toml")),
    ("x12-860-004010.toml", include_str!("../../guides/x12-860-004010.toml")),
    ("x12-865-004010.toml", include_str!("../../guides/x12-865-004010.toml")),
    ("x12-997.toml", include_str!("../../guides/x12-997.toml")),
    ("x12-999-005010.toml", include_str!("../../guides/x12-999-005010.toml")),
    ("edifact-contrl.toml", include_str!("../../guides/edifact-contrl.toml")),
    ("edifact-desadv-d96a.toml", include_str!("../../guides/edifact-desadv-d96a.toml")),
    ("edifact-invoic-d96a.toml", include_str!("../../guides/edifact-invoic-d96a.toml")),
    ("edifact-ordchg-d96a.toml", include_str!("../../guides/edifact-ordchg-d96a.toml")),
    ("edifact-orders-d96a.toml", include_str!("../../guides/edifact-orders-d96a.toml")),
    ("edifact-ordrsp-d96a.toml", include_str!("../../guides/edifact-ordrsp-d96a.toml")),
];

/// The TOML text of a built-in guide file, by file name.
pub fn builtin_source(file_name: &str) -> Option<&'static str> {
    BUILTIN.iter().find(|(name, _)| *name == file_name).map(|(_, text)| *text)
}

/// Guides keyed by standard, set ID and version; the [`SetRules`] of guide validation.
#[derive(Clone, Debug, Default)]
pub struct GuideSet {
    /// In the order added; a later guide takes precedence over an earlier one for the same key.
    guides: Vec<Guide>,
}

impl GuideSet {
    /// A set without guides: every set is refused as unsupported.
    pub fn new() -> GuideSet {
        GuideSet::default()
    }

    /// The built-in guides (compiled once per process).
    pub fn builtin() -> GuideSet {
        static BUILT: OnceLock<GuideSet> = OnceLock::new();
        BUILT
            .get_or_init(|| {
                let guides = BUILTIN
                    .iter()
                    // The built-in guides are part of the program, and a test compiles every one of them.
                    .map(|(name, text)| Guide::from_toml_named(text, name).unwrap_or_else(|e| panic!("built-in guide {name} does not compile: {e}")))
                    .collect();
                GuideSet { guides }
            })
            .clone()
    }

    /// Adds a guide; it takes precedence over the guides already in the set for the sets and versions it covers.
    pub fn with(mut self, guide: Guide) -> GuideSet {
        self.guides.push(guide);
        self
    }

    /// Adds every `*.toml` guide in a directory (in file-name order), as [`GuideSet::with`] does.
    pub fn load_dir(mut self, dir: &Path) -> Result<GuideSet, GuideError> {
        let io = |source| GuideError::Io { path: dir.to_path_buf(), source };
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir).map_err(io)?.map(|entry| entry.map(|e| e.path())).collect::<Result<_, _>>().map_err(io)?;
        paths.retain(|p| p.extension().is_some_and(|e| e == "toml") && p.is_file());
        paths.sort();
        for path in paths {
            self.guides.push(Guide::from_file(&path)?);
        }
        Ok(self)
    }

    pub fn guides(&self) -> &[Guide] {
        &self.guides
    }

    /// The guide for a set: a partner guide for the interchange's sender or receiver first, else the
    /// latest general guide.
    pub fn find(&self, standard: Standard, set_id: &str, version: &str, ic: Option<&InterchangeInfo>) -> Option<&Guide> {
        let mut covering = self.guides.iter().rev().filter(|g| g.covers(standard, set_id, version));
        match ic {
            Some(ic) => {
                let mut general = None;
                for g in covering {
                    if g.for_partner(ic) {
                        return Some(g);
                    }
                    if g.partners().is_empty() {
                        general.get_or_insert(g);
                    }
                }
                general
            }
            None => covering.find(|g| g.partners().is_empty()),
        }
    }

    /// The versions some guide covers for a set, for the refusal message.
    fn versions_of(&self, standard: Standard, set_id: &str) -> Vec<&str> {
        let mut versions: Vec<&str> =
            self.guides.iter().filter(|g| g.standard() == standard && g.set_id() == set_id).flat_map(|g| g.versions().iter().map(String::as_str)).collect();
        versions.sort_unstable();
        versions.dedup();
        versions
    }
}

impl SetRules for GuideSet {
    fn start<'r>(
        &'r self,
        ic: &InterchangeInfo,
        _group: &GroupInfo,
        set: &SetInfo,
        _header: &Segment<'_>,
        at: &Location,
        findings: &mut Vec<Finding>,
    ) -> Option<Box<dyn SetCheck + 'r>> {
        if let Some(guide) = self.find(ic.standard, &set.id, &set.version, Some(ic)) {
            return Some(Box::new(GuideCheck::new(&guide.compiled)));
        }
        let known = self.versions_of(ic.standard, &set.id);
        let message = if known.is_empty() {
            format!("there is no implementation guide for {} set {} (version {})", ic.standard, set.id, set.version)
        } else {
            format!("there is no implementation guide for {} set {} version {}; guides exist for {}", ic.standard, set.id, set.version, known.join(", "))
        };
        let mut loc = at.clone();
        loc.element = Some(match ic.standard {
            Standard::X12 => 1,
            Standard::Edifact => 2,
        });
        findings.push(Finding::error(Scope::Set, Rule::UnsupportedSet, loc, message).with_value(set.id.clone()));
        None
    }
}

#[cfg(test)]
mod tests;
