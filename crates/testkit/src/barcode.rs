//! Reading printed barcodes back, as a scanner would: PDFs and SVGs are rasterised at 300 dpi
//! (Debian `pdftoppm`, `rsvg-convert`) and decoded with `zbarimg`. The tools come from
//! `scripts/install-test-deps.sh`; without them a decode says so loudly and the caller skips —
//! with a line in the file named by `ACORN_BROWSER_SKIP_LOG`, which CI fails on (the same contract
//! as the browser tests): a barcode nobody decoded must not pass for one that scans.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The external programs a decode needs, found on PATH.
pub struct Tools;

impl Tools {
    /// `Some` when every program in `names` is installed; otherwise reports the skip and returns `None`.
    pub fn find(names: &[&str]) -> Option<Tools> {
        let missing: Vec<&str> = names.iter().copied().filter(|name| which(name).is_none()).collect();
        if missing.is_empty() {
            return Some(Tools);
        }
        report_skip(&format!("{} not installed", missing.join(", ")));
        None
    }

    /// Runs `program`; an installed but failing tool is a failure, not a skip.
    pub fn run(&self, program: &str, args: &[&str]) -> String {
        let out = Command::new(program).args(args).output().unwrap_or_else(|e| panic!("{program} did not start: {e}"));
        assert!(out.status.success(), "{program} {args:?} failed ({}): {}", out.status, String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap_or_else(|e| panic!("{program} printed non-UTF-8: {e}"))
    }

    /// The symbols zbar reads in an image, GS1 markers removed (see [`normalise_gs1`]).
    pub fn decode(&self, image: &Path) -> Vec<String> {
        let out = self.run("zbarimg", &["--raw", "-q", image.to_str().expect("utf-8 path")]);
        out.lines().filter(|l| !l.is_empty()).map(normalise_gs1).collect()
    }

    /// Rasterises every page of a PDF at 300 dpi into `dir`; the PNGs in page order.
    pub fn pdf_pages(&self, pdf: &[u8], dir: &Path) -> Vec<PathBuf> {
        let file = dir.join("doc.pdf");
        std::fs::write(&file, pdf).expect("write PDF");
        self.run("pdftoppm", &["-r", "300", "-png", file.to_str().expect("utf-8 path"), dir.join("page").to_str().expect("utf-8 path")]);
        // pdftoppm numbers pages page-1.png, page-2.png (zero-padded for longer documents): sort by name.
        let mut pages: Vec<PathBuf> =
            std::fs::read_dir(dir).expect("read dir").map(|e| e.expect("entry").path()).filter(|p| p.extension().is_some_and(|e| e == "png")).collect();
        pages.sort();
        pages
    }
}

/// Decodes every page of a PDF: the symbols of each page, or `None` (skip reported) without the tools.
pub fn decode_pdf(pdf: &[u8]) -> Option<Vec<Vec<String>>> {
    let tools = Tools::find(&["pdftoppm", "zbarimg"])?;
    let dir = tempfile::tempdir().expect("temp dir");
    Some(tools.pdf_pages(pdf, dir.path()).iter().map(|p| tools.decode(p)).collect())
}

/// zbar's text for a GS1-128 symbol without what marks it as GS1: depending on version and
/// configuration, zbar prefixes the symbology identifier "]C1" (Code 128 with FNC1 in first position)
/// and/or renders an FNC1 as the GS control character (0x1D). The SSCC's AI (00) is fixed-length, so
/// no FNC1 separator belongs inside its element string either.
pub fn normalise_gs1(line: &str) -> String {
    let line = line.trim_end_matches(['\r', '\n']);
    let line = line.strip_prefix("]C1").unwrap_or(line);
    line.replace('\u{1d}', "")
}

/// Width and height of a PNG from its IHDR chunk.
pub fn png_dimensions(png: &Path) -> (u32, u32) {
    let bytes = std::fs::read(png).expect("read PNG");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let be = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
    (be(16), be(20))
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| std::env::split_paths(&paths).map(|dir| dir.join(program)).find(|p| p.is_file()))
}

/// Reports a skipped decode loudly (stderr banner and the CI skip log).
pub fn report_skip(reason: &str) {
    let test = std::thread::current().name().unwrap_or("<unnamed thread>").to_string();
    eprintln!(
        "\n\
         ************************************************************************\n\
         *** LABEL DECODE TEST SKIPPED: {reason}\n\
         *** test: {test}\n\
         *** Install with: scripts/install-test-deps.sh (Debian poppler-utils, librsvg2-bin, zbar-tools)\n\
         ************************************************************************\n"
    );
    if let Some(log) = std::env::var_os("ACORN_BROWSER_SKIP_LOG") {
        let line = format!("LABEL DECODE TEST SKIPPED: {reason} (test: {test})\n");
        let written = std::fs::OpenOptions::new().create(true).append(true).open(&log).and_then(|mut f| f.write_all(line.as_bytes()));
        if let Err(e) = written {
            eprintln!("*** could not append to ACORN_BROWSER_SKIP_LOG={}: {e}", Path::new(&log).display());
        }
    }
}
