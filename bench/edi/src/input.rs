//! A generated Amazon retail 850 interchange: one ISA/GS, many ST/SE sets of BEG, REF, FOB, CSH, two
//! DTM, an N1 ship-to and PO1 lines (UPC or EAN with a valid check digit, vendor part number,
//! sometimes an ASIN) each with a CTP, closed by CTT. Valid against the built-in 850 guide.

/// A small deterministic generator (xorshift64*), so every run benchmarks the same bytes.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.next() as usize % from.len()]
    }

    fn alnum(&mut self, out: &mut String, n: usize) {
        const CHARS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";
        for _ in 0..n {
            out.push(CHARS[self.next() as usize % CHARS.len()] as char);
        }
    }
}

/// `digits` random digits followed by their GS1 check digit.
fn gtin(rng: &mut Rng, digits: usize) -> String {
    let mut s: String = (0..digits).map(|_| char::from(b'0' + (rng.next() % 10) as u8)).collect();
    // GS1: weights 3,1,3,… from the rightmost data digit.
    let sum: u32 = s.bytes().rev().enumerate().map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 }).sum();
    s.push(char::from(b'0' + ((10 - sum % 10) % 10) as u8));
    s
}

const FCS: &[&str] = &["RNO4", "ABE8", "PHX6", "ONT8", "BFI4", "MDW2", "JFK8", "SDF8", "TPA1", "DFW7", "LGB8", "CLT2"];
const UOMS: &[&str] = &["EA", "EA", "EA", "CA", "PK", "BX"];

/// Appends one 850 set with control number `control` and `lines` PO1 lines; returns its segment count.
pub fn set_850(out: &mut String, rng: &mut Rng, control: u64, lines: usize, term: &str) -> usize {
    let start = out.len();
    let mut segs = 0;
    let mut seg = |out: &mut String, text: &str| {
        out.push_str(text);
        out.push_str(term);
        segs += 1;
    };
    let ctl = format!("{control:04}");
    seg(out, &format!("ST*850*{ctl}"));
    let mut po = String::new();
    rng.alnum(&mut po, 8);
    let day = rng.range(1, 28);
    seg(out, &format!("BEG*00*{}*{po}**202603{day:02}", rng.pick(&["NE", "NE", "NE", "RO"])));
    seg(out, &format!("REF*CR*VND{}", rng.range(10, 99_999)));
    seg(out, &format!("FOB*{}", rng.pick(&["CC", "PP", "PB"])));
    seg(out, &format!("CSH*{}", rng.pick(&["N", "Y"])));
    seg(out, &format!("DTM*064*202604{:02}", day));
    seg(out, &format!("DTM*063*202604{:02}", day + 1));
    seg(out, &format!("N1*ST**92*{}", rng.pick(FCS)));
    for line in 1..=lines {
        let qty = rng.range(1, 500);
        let cents = rng.range(99, 49_999);
        let (qual, id) = if rng.next().is_multiple_of(4) { ("EN", gtin(rng, 12)) } else { ("UP", gtin(rng, 11)) };
        let mut sku = String::new();
        rng.alnum(&mut sku, 10);
        let mut po1 = format!("PO1*{line}*{qty}*{}*{}.{:02}*PE*{qual}*{id}*VN*{sku}", rng.pick(UOMS), cents / 100, cents % 100);
        if rng.next().is_multiple_of(3) {
            po1.push_str("*BP*B0");
            rng.alnum(&mut po1, 8);
        }
        seg(out, &po1);
        let list = cents + rng.range(100, 2_000);
        seg(out, &format!("CTP**SLP*{}.{:02}", list / 100, list % 100));
    }
    seg(out, &format!("CTT*{lines}"));
    let total = segs + 1;
    out.push_str(&format!("SE*{total}*{ctl}{term}"));
    debug_assert!(out.len() > start);
    total
}

/// An interchange of at least `target` bytes of 850 sets (1 to 60 lines each).
/// `term` is the segment terminator plus any line break (`"~"` or `"~\n"`).
pub fn interchange_850(target: usize, seed: u64, term: &str) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let mut out = String::with_capacity(target + 64 * 1024);
    out.push_str("ISA*00*          *00*          *ZZ*AMAZON         *ZZ*VENDOR42       *260301*1200*U*00401*000000001*0*P*>");
    out.push_str(term);
    out.push_str("GS*PO*AMAZON*VENDOR42*20260301*1200*1*X*004010");
    out.push_str(term);
    let mut sets = 0u64;
    while out.len() < target {
        sets += 1;
        let lines = rng.range(1, 60) as usize;
        set_850(&mut out, &mut rng, sets, lines, term);
    }
    out.push_str(&format!("GE*{sets}*1{term}IEA*1*000000001{term}"));
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_850_is_valid() {
        for term in ["~", "~\n"] {
            let input = interchange_850(200_000, 7, term);
            let v = acorn_edi::validate(&input, &acorn_edi::GuideSet::builtin()).unwrap();
            assert!(v.findings.is_empty(), "{:#?}", &v.findings[..v.findings.len().min(5)]);
            assert!(edi::parse(std::str::from_utf8(&input).unwrap()).is_ok());
        }
    }
}
