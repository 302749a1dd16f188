//! `acorn edi parse|validate|ack|convert FILE`: the EDI engine at the command line, without a
//! database. Large files stream through in bounded memory with a progress bar on stderr.
//!
//! `validate` exits 0 only for a valid interchange (warnings allowed) and prints every finding,
//! one per line, with its rule and where it is; `ack` prints the acknowledgement(s) the gateway
//! would send; `convert` prints the JSON view.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use acorn_edi::ack::{self, AckIds};
use acorn_edi::guide::GuideSet;
use acorn_edi::{Standard, Validation};
use anyhow::Context;
use clap::{Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Subcommand, Debug)]
pub enum EdiCmd {
    /// Tokenize and check the envelopes; print the interchanges, groups and sets found.
    Parse { file: PathBuf },
    /// Validate against the envelope rules and the implementation guides; print each finding.
    /// Exits 0 only when the interchange is valid.
    Validate {
        file: PathBuf,
        /// A directory of extra guide files (TOML) to load beside the built-in ones.
        #[arg(long, value_name = "DIR")]
        guides: Option<PathBuf>,
    },
    /// Print the acknowledgement(s) of the file: 997 or 999 per group (and TA1 when ISA14 = 1), or
    /// CONTRL for EDIFACT when requested.
    Ack {
        file: PathBuf,
        /// X12 acknowledgement kind.
        #[arg(long, value_enum, default_value = "997")]
        kind: AckChoice,
        /// Interchange control number of the acknowledgement.
        #[arg(long, default_value_t = 1)]
        control: u64,
    },
    /// Print a JSON view of the file (interchanges → groups → sets → segments → elements).
    Convert { file: PathBuf },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum AckChoice {
    #[value(name = "997")]
    Fa997,
    #[value(name = "999")]
    Ia999,
}

/// Files above this size show a progress bar (smaller ones finish before it would draw).
const PROGRESS_FROM: u64 = 8 * 1024 * 1024;

fn open(path: &Path) -> anyhow::Result<(impl Read, ProgressBar)> {
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = if len >= PROGRESS_FROM { ProgressBar::new(len) } else { ProgressBar::hidden() };
    bar.set_style(ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}").unwrap_or_else(|_| ProgressStyle::default_bar()));
    Ok((bar.wrap_read(std::io::BufReader::with_capacity(1 << 20, file)), bar))
}

fn guides(extra: Option<&Path>) -> anyhow::Result<GuideSet> {
    let set = GuideSet::builtin();
    match extra {
        Some(dir) => set.load_dir(dir).with_context(|| format!("loading guides from {}", dir.display())),
        None => Ok(set),
    }
}

fn print_summary(v: &Validation, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(out, "{} bytes, {} segments, {}", v.bytes, v.segments, v.standard)?;
    for ic in &v.interchanges {
        writeln!(
            out,
            "interchange {} from {}/{} to {}/{} ({}{})",
            ic.control,
            ic.sender.qualifier,
            ic.sender.id,
            ic.receiver.qualifier,
            ic.receiver.id,
            if ic.test { "test" } else { "production" },
            if ic.ack_requested { ", acknowledgement requested" } else { "" }
        )?;
        for g in &ic.groups {
            let sets: std::collections::BTreeMap<&str, usize> = g.sets.iter().fold(Default::default(), |mut m, s| {
                *m.entry(s.id.as_str()).or_default() += 1;
                m
            });
            let sets: Vec<String> = sets.iter().map(|(id, n)| format!("{n} × {id}")).collect();
            let name = if g.explicit { format!("group {} {} {}", g.functional_id, g.control, g.version) } else { "messages".to_string() };
            writeln!(out, "  {name}: {}", sets.join(", "))?;
        }
    }
    Ok(())
}

/// Runs one `acorn edi` command; the exit code is the process's.
pub fn run(cmd: EdiCmd) -> anyhow::Result<i32> {
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    match cmd {
        EdiCmd::Parse { file } => {
            let (reader, bar) = open(&file)?;
            let v = acorn_edi::validate_stream(reader, &acorn_edi::EnvelopeOnly, |_| {}).with_context(|| format!("reading {}", file.display()))?;
            bar.finish_and_clear();
            print_summary(&v, &mut out)?;
            for f in v.findings.iter() {
                writeln!(out, "{f}")?;
            }
            Ok(if v.is_valid() { 0 } else { 1 })
        }
        EdiCmd::Validate { file, guides: extra } => {
            let rules = guides(extra.as_deref())?;
            let (reader, bar) = open(&file)?;
            let v = acorn_edi::validate_stream(reader, &rules, |_| {}).with_context(|| format!("reading {}", file.display()))?;
            bar.finish_and_clear();
            for f in &v.findings {
                writeln!(out, "{f}")?;
            }
            let errors = v.errors().count();
            let warnings = v.findings.len() - errors;
            let sets: usize = v.interchanges.iter().flat_map(|i| &i.groups).map(|g| g.sets.len()).sum();
            let verdict = if v.is_valid() { "valid" } else { "INVALID" };
            writeln!(out, "{verdict}: {} interchange(s), {sets} set(s), {errors} error(s), {warnings} warning(s)", v.interchanges.len())?;
            Ok(if v.is_valid() { 0 } else { 1 })
        }
        EdiCmd::Ack { file, kind, control } => {
            let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let v = acorn_edi::validate(&bytes, &GuideSet::builtin()).with_context(|| format!("reading {}", file.display()))?;
            let now = chrono::Utc::now();
            let (date, time) = (now.format("%Y%m%d").to_string(), now.format("%H%M").to_string());
            let mut wrote = false;
            for (i, ic) in v.interchanges.iter().enumerate() {
                let ids = AckIds::reply_to(ic, control + i as u64, control + i as u64, &date, &time);
                let acked = match v.standard {
                    Standard::X12 => ack::x12_acks(&v, i, if matches!(kind, AckChoice::Ia999) { ack::AckKind::Ia999 } else { ack::AckKind::Fa997 }, &ids),
                    Standard::Edifact => ack::contrl(&v, i, &ids),
                }
                .with_context(|| format!("acknowledging interchange {}", ic.control))?;
                if let Some(bytes) = acked {
                    out.write_all(&bytes)?;
                    wrote = true;
                }
            }
            if !wrote {
                eprintln!("nothing to acknowledge (an acknowledgement, or an EDIFACT interchange that asks for no CONTRL)");
            }
            Ok(0)
        }
        EdiCmd::Convert { file } => {
            let (reader, bar) = open(&file)?;
            acorn_edi::json::write_json(reader, &mut out).with_context(|| format!("converting {}", file.display()))?;
            bar.finish_and_clear();
            Ok(0)
        }
    }
}
