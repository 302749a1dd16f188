//! EDI engine benchmark: a generated ~100 MB Amazon 850 interchange, measured side by side in one
//! run against a memchr scan for segment terminators (the ceiling) and two other X12 crates.
//!
//! Targets, each run once per round, the order rotating from round to round:
//! - `memchr`: count the segment terminators (`memchr::memchr_iter`): the ceiling for any tokenizer.
//! - `acorn-envelope`: `acorn_edi::validate(input, &EnvelopeOnly)`: tokenizer + envelope checks.
//! - `x12-stream-parser`: its `Parser` over the same bytes, counting segments.
//! - `acorn-full`: `acorn_edi::validate(input, &GuideSet::builtin())`: tokenizer, envelope and the 850 guide.
//! - `edi`: `edi::parse` (the `edi` crate: tokenises and builds its document tree, checking counts).
//! - `acorn-stream`: a child process runs `validate_stream` (full validation) from the file and
//!   reports its peak resident memory (VmHWM).
//!
//! `acorn-edi-bench` runs the benchmark; `acorn-edi-bench gen FILE [MB]` writes the input;
//! `acorn-edi-bench seeds DIR` writes the fuzz seed corpus; `acorn-edi-bench once TARGET FILE`
//! runs one target once (for `valgrind --tool=callgrind`).
//!
//! Environment: `BENCH_MB` (100), `BENCH_ROUNDS` (5), `BENCH_NEWLINES` (0: `~`; 1: `~\n`),
//! `BENCH_FILE` (where the input is written; default in the temp dir), `BENCH_SKIP` (comma-separated
//! targets to leave out).

mod input;
mod seeds;

use std::fs::File;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use acorn_edi::{EnvelopeOnly, GuideSet};

const TARGETS: &[&str] = &["memchr", "acorn-envelope", "x12-stream-parser", "acorn-full", "edi", "acorn-stream"];

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn terminator() -> &'static str {
    if env_num("BENCH_NEWLINES", 0) == 1 { "~\n" } else { "~" }
}

/// Runs one in-memory target once; returns a number derived from its result (kept alive with `black_box`).
fn run(target: &str, input: &[u8], text: &str, guides: &GuideSet) -> u64 {
    match target {
        "memchr" => memchr::memchr_iter(b'~', input).count() as u64,
        "acorn-envelope" => {
            let v = acorn_edi::validate(input, &EnvelopeOnly).expect("an interchange");
            v.segments + v.findings.len() as u64
        }
        "x12-stream-parser" => {
            let delimiters = x12_stream_parser::Delimiters::new(b'~', b'*', b'>');
            let mut n = 0u64;
            for seg in x12_stream_parser::Parser::new(input, delimiters) {
                let seg = seg.expect("a segment");
                n += u64::from(seg.id()[0]);
            }
            n
        }
        "acorn-full" => {
            let v = acorn_edi::validate(input, guides).expect("an interchange");
            v.segments + v.findings.len() as u64
        }
        "edi" => {
            let doc = edi::parse(text).expect("the edi crate parses the input");
            doc.interchanges.iter().map(|i| i.functional_groups.iter().map(|g| g.transactions.len() as u64).sum::<u64>()).sum()
        }
        other => panic!("unknown target {other}"),
    }
}

/// What the streaming child reports.
struct Streamed {
    secs: f64,
    hwm_kb: u64,
    segments: u64,
    findings: usize,
}

/// The child: validates `file` as a stream and prints seconds, peak RSS, segments and findings.
fn stream_child(file: &Path, full: bool) {
    let guides = GuideSet::builtin();
    let start = Instant::now();
    let reader = File::open(file).expect("open the input");
    let v = if full {
        acorn_edi::validate_stream(reader, &guides, |_| {}).expect("a stream")
    } else {
        acorn_edi::validate_stream(reader, &EnvelopeOnly, |_| {}).expect("a stream")
    };
    let secs = start.elapsed().as_secs_f64();
    println!("{secs} {} {} {}", vm_hwm_kb(), v.segments, v.findings.len());
}

fn vm_hwm_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok()).unwrap_or(0)
}

fn spawn_stream(file: &Path, full: bool) -> Streamed {
    let exe = std::env::current_exe().expect("own path");
    let out = Command::new(exe).arg(if full { "stream" } else { "stream-envelope" }).arg(file).output().expect("run the streaming child");
    assert!(out.status.success(), "streaming child failed: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let parts: Vec<&str> = text.split_whitespace().collect();
    Streamed {
        secs: parts[0].parse().expect("seconds"),
        hwm_kb: parts[1].parse().expect("kB"),
        segments: parts[2].parse().expect("segments"),
        findings: parts[3].parse().expect("findings"),
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 }
}

fn input_file() -> PathBuf {
    std::env::var_os("BENCH_FILE").map(PathBuf::from).unwrap_or_else(|| std::env::temp_dir().join("acorn-edi-bench-850.edi"))
}

fn generate(mb: usize) -> Vec<u8> {
    input::interchange_850(mb * 1_000_000, 850, terminator())
}

fn bench() {
    let mb = env_num("BENCH_MB", 100);
    let rounds = env_num("BENCH_ROUNDS", 5).max(1);
    let skip: Vec<String> = std::env::var("BENCH_SKIP").unwrap_or_default().split(',').filter(|s| !s.is_empty()).map(str::to_string).collect();
    let targets: Vec<&str> = TARGETS.iter().copied().filter(|t| !skip.iter().any(|s| s == t)).collect();

    let t = Instant::now();
    let input = generate(mb);
    let text = std::str::from_utf8(&input).expect("ASCII");
    let file = input_file();
    std::fs::write(&file, &input).expect("write the input file");
    let guides = GuideSet::builtin();
    let v = acorn_edi::validate(&input, &guides).expect("an interchange");
    let sets: usize = v.interchanges.iter().flat_map(|i| &i.groups).map(|g| g.sets.len()).sum();
    let terms = memchr::memchr_iter(b'~', &input).count();
    println!(
        "input: {} bytes ({:.1} MB), {} segments, {} sets, terminator {:?}, generated and checked in {:.1} s",
        input.len(),
        input.len() as f64 / 1e6,
        v.segments,
        sets,
        terminator(),
        t.elapsed().as_secs_f64()
    );
    println!("file: {}", file.display());
    assert_eq!(v.segments as usize, terms, "every segment ends with ~");
    assert!(v.findings.is_empty(), "the generated 850 must be valid: {:#?}", &v.findings[..v.findings.len().min(5)]);

    // Warm-up: each in-memory target once (page cache, allocator, the compiled guides).
    for target in targets.iter().filter(|t| **t != "acorn-stream") {
        black_box(run(target, &input, text, &guides));
    }

    let mut secs: Vec<Vec<f64>> = vec![Vec::new(); targets.len()];
    let mut hwm: Vec<u64> = Vec::new();
    println!();
    print!("| round |");
    for t in &targets {
        print!(" {t} MB/s |");
    }
    println!(" stream peak RSS MB |");
    print!("|---|");
    for _ in &targets {
        print!("---:|");
    }
    println!("---:|");
    for round in 0..rounds {
        let mut row = vec![0.0; targets.len()];
        let mut peak = 0;
        for k in 0..targets.len() {
            let i = (k + round) % targets.len();
            let target = targets[i];
            let s = if target == "acorn-stream" {
                let r = spawn_stream(&file, true);
                assert_eq!(r.segments, v.segments);
                assert_eq!(r.findings, 0);
                peak = r.hwm_kb;
                r.secs
            } else {
                let start = Instant::now();
                black_box(run(target, black_box(&input), text, &guides));
                start.elapsed().as_secs_f64()
            };
            row[i] = s;
        }
        print!("| {} |", round + 1);
        for (i, s) in row.iter().enumerate() {
            secs[i].push(*s);
            print!(" {:.0} |", input.len() as f64 / 1e6 / s);
        }
        if targets.contains(&"acorn-stream") {
            hwm.push(peak);
            println!(" {:.1} |", peak as f64 / 1024.0);
        } else {
            println!(" |");
        }
    }

    let mbps: Vec<f64> = secs.iter().map(|s| input.len() as f64 / 1e6 / median(&mut s.clone())).collect();
    let per_round = |a: &str, b: &str| -> Option<f64> {
        let (ia, ib) = (targets.iter().position(|t| *t == a)?, targets.iter().position(|t| *t == b)?);
        let mut r: Vec<f64> = secs[ib].iter().zip(&secs[ia]).map(|(sb, sa)| sb / sa).collect();
        Some(median(&mut r))
    };
    let of_medians = |a: &str, b: &str| -> Option<f64> {
        let (ia, ib) = (targets.iter().position(|t| *t == a)?, targets.iter().position(|t| *t == b)?);
        Some(mbps[ia] / mbps[ib])
    };
    println!();
    println!("| target | median MB/s | ms per pass (median) |");
    println!("|---|---:|---:|");
    for (i, t) in targets.iter().enumerate() {
        println!("| {t} | {:.0} | {:.0} |", mbps[i], median(&mut secs[i].clone()) * 1e3);
    }
    println!();
    println!("| ratio | of medians | median of per-round ratios | target |");
    println!("|---|---:|---:|---|");
    let ratios: [(&str, &str, &str); 5] = [
        ("acorn-envelope", "x12-stream-parser", ">= 3"),
        ("acorn-envelope", "memchr", ">= 0.15 (stretch)"),
        ("acorn-full", "edi", ">= 6"),
        ("acorn-full", "memchr", ""),
        ("acorn-stream", "acorn-full", ""),
    ];
    for (a, b, goal) in ratios {
        if let (Some(m), Some(r)) = (of_medians(a, b), per_round(a, b)) {
            println!("| {a} / {b} | {m:.2} | {r:.2} | {goal} |");
        }
    }
    if !hwm.is_empty() {
        let max = hwm.iter().max().copied().unwrap_or(0);
        println!();
        println!("streaming full validation, peak RSS (VmHWM of the child): max {:.1} MB over {} rounds (target <= 64 MB)", max as f64 / 1024.0, hwm.len());
    }
    let env = spawn_stream(&file, false);
    println!("streaming envelope-only validation, peak RSS: {:.1} MB ({:.0} MB/s)", env.hwm_kb as f64 / 1024.0, input.len() as f64 / 1e6 / env.secs);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None | Some("bench") => bench(),
        Some("stream") => stream_child(Path::new(&args[1]), true),
        Some("stream-envelope") => stream_child(Path::new(&args[1]), false),
        Some("gen") => {
            let mb = args.get(2).and_then(|m| m.parse().ok()).unwrap_or(100);
            std::fs::write(&args[1], generate(mb)).expect("write");
        }
        Some("seeds") => seeds::write(Path::new(&args[1])),
        Some("once") => {
            // One pass of one target over a file, for callgrind: `once TARGET FILE [N]`.
            let input = std::fs::read(&args[2]).expect("read");
            let text = std::str::from_utf8(&input).unwrap_or("");
            let guides = GuideSet::builtin();
            let n: usize = args.get(3).and_then(|n| n.parse().ok()).unwrap_or(1);
            for _ in 0..n {
                black_box(run(&args[1], &input, text, &guides));
            }
        }
        Some(other) => {
            eprintln!("usage: acorn-edi-bench [bench | gen FILE [MB] | seeds DIR | once TARGET FILE [N] | stream FILE]; not {other:?}");
            std::process::exit(2);
        }
    }
}
