//! Printable 4×6 inch GS1 logistic labels for cartons (SSCC labels): SVG for the browser and PDF for label
//! printers, drawn from one layout so both print the same label.
//!
//! The layout follows the GS1 logistic label conventions, top to bottom: ship-from and ship-to addresses,
//! the DC code large with carrier / BOL / shipment, the PO number(s) with "CARTON 3 OF 40" and the contents,
//! and at the bottom the GS1-128 symbol of (00)+SSCC with its human-readable text. Trade documents are in
//! English, so the captions are not translated.
//!
//! Printing: one SVG document cannot be paginated reliably (CSS fragmentation does not apply inside an
//! `<svg>`), so [`labels_html`] wraps one inline SVG per label with the print stylesheet [`LABELS_CSS`]
//! (`@page` 4in × 6in, no margin, a page break after each label). The application's CSP (`style-src
//! 'self'`) blocks inline `<style>`, so a route serving labels under it uses
//! [`labels_html_with_stylesheet`] and serves [`LABELS_CSS`] itself; the SVGs use presentation
//! attributes only, so they render the same with or without the stylesheet. [`labels_pdf`] is the
//! dependable path for label printers: one 288 × 432 pt page per label, vector bars, base-14 Helvetica.
//!
//! Barcode geometry: X = 0.02 in (0.508 mm, above GS1's 0.495 mm minimum for logistic labels), so the
//! 156-module symbol of an SSCC is 3.12 in wide and 3.52 in with its 10-module quiet zones; bars are
//! 1.3 in high (GS1 asks for at least 32 mm ≈ 1.26 in). Every bar edge falls on a whole 1/300 in, so a
//! 300 dpi printer (and the tests' 300 dpi rasters) draws each module as exactly 6 dots.

use std::fmt::Write as _;

use acorn_domain::gs1::{Sscc, gs1_128_modules};
use acorn_domain::master::Address;
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

/// A shipper or receiver as printed in the address block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelParty {
    pub name: String,
    pub address: Address,
}

/// Everything printed on one carton's label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CartonLabel {
    pub sscc: Sscc,
    pub ship_from: LabelParty,
    /// The DC's name and address.
    pub ship_to: LabelParty,
    /// The DC code, printed large (e.g. ABE2): what the dock sorts by.
    pub ship_to_code: String,
    pub po_numbers: Vec<String>,
    pub shipment_number: String,
    pub carrier_scac: Option<String>,
    pub bol_number: Option<String>,
    /// 1-based position in the shipment: "CARTON 3 OF 40".
    pub carton_seq: i64,
    pub carton_count: i64,
    /// (vendor SKU or GTIN, eaches); the label has room for [`CONTENT_LINES`] lines, the rest is summarised as "+N more".
    pub contents: Vec<(String, i64)>,
}

/// Label width in PostScript points (1/72 in): 4 in.
pub const LABEL_WIDTH_PT: f32 = 288.0;
/// Label height in points: 6 in.
pub const LABEL_HEIGHT_PT: f32 = 432.0;
/// The narrow bar width X: 0.02 in (see the module docs for why).
pub const MODULE_PT: f32 = 1.44;
/// Light margin each side of the symbol, in modules (GS1-128 requires at least 10).
pub const QUIET_ZONE_MODULES: f32 = 10.0;
/// Bar height: 1.3 in.
pub const BAR_HEIGHT_PT: f32 = 93.6;
/// Content lines the label has room for; longer contents print one line fewer and "+N more".
pub const CONTENT_LINES: usize = 4;

/// The print stylesheet of [`labels_html`]: on screen the labels stack with a gap on a grey desk, in print
/// each fills one 4×6 in page.
pub const LABELS_CSS: &str = "\
@page { size: 4in 6in; margin: 0; }
html, body { margin: 0; padding: 0; }
body { background: #d9d9d9; }
svg.label { display: block; width: 4in; height: 6in; margin: 0.25in auto; background: #fff; box-shadow: 0 1px 4px rgba(0, 0, 0, 0.35); }
@media print {
  body { background: none; }
  svg.label { margin: 0; box-shadow: none; break-after: page; page-break-after: always; break-inside: avoid; }
  svg.label:last-child { break-after: auto; page-break-after: auto; }
}
";

/// Page margin: 1/8 in keeps text clear of where thermal printers and die-cut labels lose the edge.
const MARGIN: f32 = 9.0;
const CAPTION_SIZE: f32 = 6.5;
const RULE_WIDTH: f32 = 0.75;
/// Where the address block ends and the DC / carrier block begins (y from the top, points).
const ADDRESS_BOTTOM: f32 = 88.0;
/// The DC column's right edge, where the carrier column starts.
const DC_RIGHT: f32 = 170.0;
const ROUTING_BOTTOM: f32 = 168.0;
const ORDER_BOTTOM: f32 = 296.0;
/// Top of the bars; 312 pt = 1300 dots at 300 dpi, a whole number like every other bar edge.
const BARS_TOP: f32 = 312.0;

/// One label as marks on a 288 × 432 pt page, y measured down from the top edge: the SVG uses these
/// coordinates as they are, the PDF flips y.
#[derive(Clone, Debug, PartialEq)]
enum Mark {
    /// Text with its baseline at `y`; `centred` puts `x` in the middle of the text instead of at its start.
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        centred: bool,
        text: String,
    },
    Rule {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
    },
    Bar {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
    },
}

/// One label as a standalone SVG document, exactly 4 in × 6 in, with an `@page` rule so that printing the
/// file on its own gives one 4×6 page.
pub fn label_svg(label: &CartonLabel) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    write_svg(&mut out, label, true);
    out
}

/// Every label in one HTML document: inline 4×6 in SVGs stacked for the screen, one per page when printed
/// (the stylesheet [`LABELS_CSS`] is inlined, fine for a downloaded file; see [`labels_html_with_stylesheet`]
/// for pages served under the application's CSP).
pub fn labels_html(labels: &[CartonLabel]) -> String {
    html(labels, &format!("<style>\n{LABELS_CSS}</style>"))
}

/// [`labels_html`] linking the stylesheet at `stylesheet_href` (where the caller serves [`LABELS_CSS`])
/// instead of inlining it, for pages under a CSP that forbids inline styles.
pub fn labels_html_with_stylesheet(labels: &[CartonLabel], stylesheet_href: &str) -> String {
    html(labels, &format!("<link rel=\"stylesheet\" href=\"{}\">", xml_escape(stylesheet_href)))
}

/// A PDF with one 4×6 in page (288 × 432 pt) per label, in order: vector bars, base-14 Helvetica text (no
/// embedded fonts, so it stays small and every reader and printer has the font). An empty slice gives a
/// document without pages, which readers refuse: callers print at least one label.
pub fn labels_pdf(labels: &[CartonLabel]) -> Vec<u8> {
    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    let info = Ref::new(5);
    let page_ref = |i: usize| Ref::new(6 + 2 * i as i32);
    let content_ref = |i: usize| Ref::new(7 + 2 * i as i32);

    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids((0..labels.len()).map(page_ref)).count(labels.len() as i32);
    for (i, label) in labels.iter().enumerate() {
        let mut page = pdf.page(page_ref(i));
        page.media_box(Rect::new(0.0, 0.0, LABEL_WIDTH_PT, LABEL_HEIGHT_PT));
        page.parent(tree);
        page.contents(content_ref(i));
        page.resources().fonts().pair(Name(b"F1"), regular).pair(Name(b"F2"), bold);
        page.finish();
        let content = pdf_content(&layout(label));
        pdf.stream(content_ref(i), &content);
    }
    // WinAnsiEncoding: the standard encoding has no accented letters, and vendor addresses do (Zürich, São Paulo).
    pdf.type1_font(regular).base_font(Name(b"Helvetica")).encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold).base_font(Name(b"Helvetica-Bold")).encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.document_info(info).title(TextStr(&document_title(labels))).producer(TextStr("ACORN"));
    pdf.finish()
}

fn html(labels: &[CartonLabel], stylesheet: &str) -> String {
    let mut out = String::new();
    let title = xml_escape(&document_title(labels));
    let _ = write!(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n{stylesheet}\n</head>\n<body>\n");
    for label in labels {
        write_svg(&mut out, label, false);
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// "Carton labels – shipment X" when every label belongs to one shipment (the usual print run).
fn document_title(labels: &[CartonLabel]) -> String {
    match labels.first().map(|l| clean(&l.shipment_number)) {
        Some(number) if !number.is_empty() && labels.iter().all(|l| clean(&l.shipment_number) == number) => {
            format!("Carton labels - shipment {number}")
        }
        _ => "Carton labels".to_string(),
    }
}

fn write_svg(out: &mut String, label: &CartonLabel, standalone: bool) {
    let title =
        format!("Carton label {} of {}, SSCC {}, ship to {}", label.carton_seq, label.carton_count, label.sscc.human_readable(), clean(&label.ship_to_code));
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"label\" width=\"4in\" height=\"6in\" viewBox=\"0 0 {} {}\" role=\"img\">",
        num(LABEL_WIDTH_PT),
        num(LABEL_HEIGHT_PT)
    );
    let _ = writeln!(out, "<title>{}</title>", xml_escape(&title));
    if standalone {
        out.push_str("<style>@page { size: 4in 6in; margin: 0; }</style>\n");
    }
    let _ = writeln!(out, "<rect width=\"{}\" height=\"{}\" fill=\"#fff\"/>", num(LABEL_WIDTH_PT), num(LABEL_HEIGHT_PT));

    let marks = layout(label);
    let mut rules = String::new();
    let mut bars = String::new();
    let mut texts = String::new();
    for mark in &marks {
        match mark {
            Mark::Rule { x1, y1, x2, y2 } => {
                let _ = write!(rules, "M{} {}L{} {}", num(*x1), num(*y1), num(*x2), num(*y2));
            }
            Mark::Bar { x, y, width, height } => {
                let _ = write!(bars, "M{} {}h{}v{}h-{}z", num(*x), num(*y), num(*width), num(*height), num(*width));
            }
            Mark::Text { x, y, size, bold, centred, text } => {
                let _ = writeln!(
                    texts,
                    "<text x=\"{}\" y=\"{}\" font-size=\"{}\"{}{}>{}</text>",
                    num(*x),
                    num(*y),
                    num(*size),
                    if *bold { " font-weight=\"bold\"" } else { "" },
                    if *centred { " text-anchor=\"middle\"" } else { "" },
                    xml_escape(text)
                );
            }
        }
    }
    let _ = writeln!(out, "<path d=\"{rules}\" fill=\"none\" stroke=\"#000\" stroke-width=\"{}\"/>", num(RULE_WIDTH));
    // crispEdges: anti-aliased bar edges would blur the widths a scanner measures.
    let _ = writeln!(out, "<path d=\"{bars}\" fill=\"#000\" shape-rendering=\"crispEdges\"/>");
    let _ = write!(out, "<g font-family=\"sans-serif\" fill=\"#000\">\n{texts}</g>\n</svg>\n");
}

fn pdf_content(marks: &[Mark]) -> Vec<u8> {
    let flip = |y: f32| LABEL_HEIGHT_PT - y;
    let mut content = Content::new();
    content.set_line_width(RULE_WIDTH);
    for mark in marks {
        if let Mark::Rule { x1, y1, x2, y2 } = mark {
            content.move_to(*x1, flip(*y1)).line_to(*x2, flip(*y2));
        }
    }
    content.stroke();
    for mark in marks {
        if let Mark::Bar { x, y, width, height } = mark {
            content.rect(*x, flip(*y + *height), *width, *height);
        }
    }
    content.fill_nonzero();
    for mark in marks {
        if let Mark::Text { x, y, size, bold, centred, text } = mark {
            let x = if *centred { x - helvetica_width(text, *size) / 2.0 } else { *x };
            content.begin_text();
            content.set_font(Name(if *bold { b"F2" } else { b"F1" }), *size);
            content.set_text_matrix([1.0, 0.0, 0.0, 1.0, x, flip(*y)]);
            // `Str` escapes parentheses and backslashes itself; the bytes are already WinAnsi.
            content.show(Str(&win_ansi(text)));
            content.end_text();
        }
    }
    content.finish().into_vec()
}

/// The label as marks. Text that would not fit its column shrinks (down to a floor that stays legible) and
/// then loses its end to "…", so a long name never runs into the next column.
fn layout(label: &CartonLabel) -> Vec<Mark> {
    let mut marks = Vec::new();
    let right = LABEL_WIDTH_PT - MARGIN;
    let full_width = right - MARGIN;
    let rule = |marks: &mut Vec<Mark>, x1: f32, y1: f32, x2: f32, y2: f32| marks.push(Mark::Rule { x1, y1, x2, y2 });

    // Ship from (narrower, left) and ship to (wider, right): the receiver's address is the one that matters at the dock.
    let from_column = (MARGIN, 126.0 - 7.0);
    let to_column = (126.0 + 7.0, right);
    party(&mut marks, "SHIP FROM", &label.ship_from, from_column, (8.5, 7.5));
    party(&mut marks, "SHIP TO", &label.ship_to, to_column, (10.0, 9.0));
    rule(&mut marks, 126.0, 0.0, 126.0, ADDRESS_BOTTOM);
    rule(&mut marks, 0.0, ADDRESS_BOTTOM, LABEL_WIDTH_PT, ADDRESS_BOTTOM);

    // DC code large on the left, what the dock sorts by; routing references on the right.
    caption(&mut marks, MARGIN, ADDRESS_BOTTOM + 11.0, "SHIP TO DC");
    fitted(&mut marks, MARGIN, ROUTING_BOTTOM - 16.0, DC_RIGHT - 8.0 - MARGIN, (46.0, 18.0), true, &label.ship_to_code);
    rule(&mut marks, DC_RIGHT, ADDRESS_BOTTOM, DC_RIGHT, ROUTING_BOTTOM);
    let routing = [
        ("CARRIER (SCAC)", label.carrier_scac.as_deref().unwrap_or("")),
        ("BOL", label.bol_number.as_deref().unwrap_or("")),
        ("SHIPMENT", label.shipment_number.as_str()),
    ];
    let mut y = ADDRESS_BOTTOM;
    for (title, value) in routing.into_iter().filter(|(_, value)| !clean(value).is_empty()) {
        caption(&mut marks, DC_RIGHT + 8.0, y + 11.0, title);
        fitted(&mut marks, DC_RIGHT + 8.0, y + 23.0, right - DC_RIGHT - 8.0, (10.0, 7.0), true, value);
        y += 24.0;
    }
    rule(&mut marks, 0.0, ROUTING_BOTTOM, LABEL_WIDTH_PT, ROUTING_BOTTOM);

    // Order block: PO number(s), carton position, contents.
    let pos: Vec<String> = label.po_numbers.iter().map(|po| clean(po)).filter(|po| !po.is_empty()).collect();
    caption(&mut marks, MARGIN, ROUTING_BOTTOM + 12.0, if pos.len() > 1 { "PO NUMBERS" } else { "PO NUMBER" });
    let (po_text, po_size) = po_line(&pos, full_width);
    marks.push(Mark::Text { x: MARGIN, y: ROUTING_BOTTOM + 29.0, size: po_size, bold: true, centred: false, text: po_text });
    let carton = format!("CARTON {} OF {}", label.carton_seq, label.carton_count);
    fitted(&mut marks, MARGIN, ROUTING_BOTTOM + 52.0, full_width, (16.0, 10.0), true, &carton);

    let qty_x = 216.0;
    caption(&mut marks, MARGIN, ROUTING_BOTTOM + 70.0, "CONTENTS (SKU / GTIN)");
    caption(&mut marks, qty_x, ROUTING_BOTTOM + 70.0, "QTY");
    let shown = if label.contents.len() > CONTENT_LINES { CONTENT_LINES - 1 } else { label.contents.len() };
    let mut lines: Vec<(String, i64)> = label.contents[..shown].iter().map(|(item, eaches)| (clean(item), *eaches)).collect();
    if shown < label.contents.len() {
        let rest = &label.contents[shown..];
        lines.push((format!("+{} more", rest.len()), rest.iter().map(|(_, eaches)| eaches).sum()));
    }
    for (i, (item, eaches)) in lines.iter().enumerate() {
        let y = ROUTING_BOTTOM + 82.0 + 11.0 * i as f32;
        fitted(&mut marks, MARGIN, y, qty_x - 6.0 - MARGIN, (8.5, 6.5), false, item);
        fitted(&mut marks, qty_x, y, right - qty_x, (8.5, 6.5), false, &format!("{eaches} EA"));
    }
    rule(&mut marks, 0.0, ORDER_BOTTOM, LABEL_WIDTH_PT, ORDER_BOTTOM);

    // The SSCC symbol, centred with its quiet zones, and its human-readable text under it.
    caption(&mut marks, MARGIN, ORDER_BOTTOM + 11.0, "SSCC");
    // An SSCC is 18 checked digits, so its element string is 20 digits, which the encoder always accepts.
    let modules = gs1_128_modules(&label.sscc.element_string()).expect("an SSCC element string is digits only");
    let symbol_width = modules.iter().map(|&m| f32::from(m)).sum::<f32>() * MODULE_PT;
    let left = (LABEL_WIDTH_PT - symbol_width) / 2.0;
    // Positions from whole-module offsets rather than a running sum, so no float error accumulates across the symbol.
    let mut offset = 0u32;
    for (i, &m) in modules.iter().enumerate() {
        if i % 2 == 0 {
            marks.push(Mark::Bar { x: left + offset as f32 * MODULE_PT, y: BARS_TOP, width: f32::from(m) * MODULE_PT, height: BAR_HEIGHT_PT });
        }
        offset += u32::from(m);
    }
    let text = label.sscc.human_readable();
    marks.push(Mark::Text { x: LABEL_WIDTH_PT / 2.0, y: BARS_TOP + BAR_HEIGHT_PT + 15.0, size: 12.0, bold: true, centred: true, text });
    marks
}

/// A caption above a field: small bold capitals.
fn caption(marks: &mut Vec<Mark>, x: f32, y: f32, text: &str) {
    marks.push(Mark::Text { x, y, size: CAPTION_SIZE, bold: true, centred: false, text: text.to_string() });
}

/// `text` at `x`, baseline `y`, at the largest size in `sizes` (largest, smallest) that fits `width`,
/// truncated with "…" if even the smallest does not.
fn fitted(marks: &mut Vec<Mark>, x: f32, y: f32, width: f32, sizes: (f32, f32), bold: bool, text: &str) {
    let (text, size) = fit(&clean(text), width, sizes);
    if !text.is_empty() {
        marks.push(Mark::Text { x, y, size, bold, centred: false, text });
    }
}

/// A party block: caption, name in bold, then the address lines, in the column `(left, right)`.
fn party(marks: &mut Vec<Mark>, title: &str, party: &LabelParty, (left, right): (f32, f32), (name_size, line_size): (f32, f32)) {
    let width = right - left;
    caption(marks, left, 11.0, title);
    fitted(marks, left, 13.0 + name_size, width, (name_size, 6.0), true, &party.name);
    let mut y = 13.0 + name_size;
    for line in address_lines(&party.address) {
        y += line_size + 2.5;
        fitted(marks, left, y, width, (line_size, 6.0), false, &line);
    }
}

/// Street lines, "City, Region Postal code", country; empty parts are left out rather than printed as gaps.
fn address_lines(address: &Address) -> Vec<String> {
    let region_postal = [clean(&address.region), clean(&address.postal_code)].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" ");
    let city = clean(&address.city);
    let city_line = match (city.is_empty(), region_postal.is_empty()) {
        (false, false) => format!("{city}, {region_postal}"),
        (false, true) => city,
        _ => region_postal,
    };
    [clean(&address.line1), clean(&address.line2), city_line, clean(&address.country)].into_iter().filter(|s| !s.is_empty()).collect()
}

/// The PO numbers on one line: all of them if they fit at 9 pt or more, else as many as fit and "+N more".
fn po_line(pos: &[String], width: f32) -> (String, f32) {
    let sizes = (14.0, 9.0);
    for shown in (1..=pos.len()).rev() {
        let mut text = pos[..shown].join(", ");
        if shown < pos.len() {
            let _ = write!(text, " +{} more", pos.len() - shown);
        }
        if estimate_width(&text, sizes.1) <= width {
            return fit(&text, width, sizes);
        }
    }
    // Not even one PO number fits at 9 pt: truncate it, keeping the count of the others.
    let first = pos.first().cloned().unwrap_or_default();
    let rest = if pos.len() > 1 { format!(" +{} more", pos.len() - 1) } else { String::new() };
    let (start, size) = fit(&first, width - estimate_width(&rest, sizes.1), sizes);
    (format!("{start}{rest}"), size)
}

/// `text` at the largest size from `max` down to `min` that fits `width`; at `min`, cut with "…" until it fits.
fn fit(text: &str, width: f32, (max, min): (f32, f32)) -> (String, f32) {
    let natural = estimate_width(text, max);
    if natural <= width {
        return (text.to_string(), max);
    }
    // Width is proportional to size; rounding down to a tenth of a point keeps the text inside despite float error.
    let size = ((max * width / natural) * 10.0).floor() / 10.0;
    if size >= min {
        return (text.to_string(), size);
    }
    if estimate_width(text, min) <= width {
        return (text.to_string(), min);
    }
    let mut chars: Vec<char> = text.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let cut: String = chars.iter().collect::<String>().trim_end().to_string() + "…";
        if estimate_width(&cut, min) <= width {
            return (cut, min);
        }
    }
    (String::new(), min)
}

/// A generous guess at the printed width of `text` in points: per-character widths as em fractions, at the
/// top of what common sans-serif fonts use (DejaVu Sans Bold, which a browser may pick for `sans-serif`,
/// is wider than Helvetica), so fitted text never overflows whichever font renders it.
fn estimate_width(text: &str, size: f32) -> f32 {
    let ems: f32 = text
        .chars()
        .map(|c| match c {
            ' ' => 0.35,
            '0'..='9' => 0.7,
            'M' | 'W' | 'm' | 'w' | '@' | '%' | '&' | '…' => 1.05,
            'I' | 'J' | 'i' | 'j' | 'l' | 'f' | 't' | 'r' | '.' | ',' | ':' | ';' | '\'' | '!' | '|' => 0.5,
            'A'..='Z' => 0.8,
            'a'..='z' => 0.7,
            c if c.is_ascii() => 0.7,
            c if u32::from(c) >= 0x2E80 => 1.05, // CJK and other full-width scripts
            _ => 0.85,
        })
        .sum();
    ems * size
}

/// Width of `text` in Helvetica(-Bold) at `size`, for centring the human-readable SSCC in the PDF: digits,
/// space and parentheses have the same advance in both weights (0.556, 0.278, 0.333 em); other characters
/// fall back to the estimate, which only shifts centring slightly.
fn helvetica_width(text: &str, size: f32) -> f32 {
    let ems: f32 = text
        .chars()
        .map(|c| match c {
            '0'..='9' => 0.556,
            ' ' => 0.278,
            '(' | ')' => 0.333,
            c => estimate_width(&c.to_string(), 1.0),
        })
        .sum();
    ems * size
}

/// Free text as one printable line: control characters (newlines, tabs, …) and Unicode noncharacters
/// become spaces, runs of whitespace collapse, the ends are trimmed.
fn clean(text: &str) -> String {
    let spaced: String = text.chars().map(|c| if c.is_control() || matches!(c, '\u{FFFE}' | '\u{FFFF}') { ' ' } else { c }).collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Escapes text for XML content and attribute values.
fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `text` in WinAnsiEncoding, the 8-bit encoding of the base-14 fonts' glyph set: Latin-1 plus the
/// typographic characters at 0x80-0x9F. Anything else has no glyph in Helvetica and prints as "?".
fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            ' '..='~' | '\u{A0}'..='\u{FF}' => c as u8,
            '€' => 0x80,
            '‚' => 0x82,
            'ƒ' => 0x83,
            '„' => 0x84,
            '…' => 0x85,
            '†' => 0x86,
            '‡' => 0x87,
            'ˆ' => 0x88,
            '‰' => 0x89,
            'Š' => 0x8A,
            '‹' => 0x8B,
            'Œ' => 0x8C,
            'Ž' => 0x8E,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            '˜' => 0x98,
            '™' => 0x99,
            'š' => 0x9A,
            '›' => 0x9B,
            'œ' => 0x9C,
            'ž' => 0x9E,
            'Ÿ' => 0x9F,
            _ => b'?',
        })
        .collect()
}

/// A coordinate or size for SVG: at most two decimals, no trailing zeros (coordinates are multiples of
/// 0.01 pt anyway, and shorter numbers keep a 40-label document small).
fn num(value: f32) -> String {
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" { "0".to_string() } else { text.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(contents: usize) -> CartonLabel {
        let address = Address {
            line1: "1 Main St".into(),
            line2: String::new(),
            city: "Springfield".into(),
            region: "IL".into(),
            postal_code: "62701".into(),
            country: "US".into(),
        };
        CartonLabel {
            sscc: Sscc::parse("106141411234567897").unwrap(),
            ship_from: LabelParty { name: "Vendor".into(), address: address.clone() },
            ship_to: LabelParty { name: "DC".into(), address },
            ship_to_code: "ABE2".into(),
            po_numbers: vec!["PO1".into()],
            shipment_number: "S1".into(),
            carrier_scac: None,
            bol_number: None,
            carton_seq: 1,
            carton_count: 1,
            contents: (0..contents).map(|i| (format!("SKU-{i}"), 10)).collect(),
        }
    }

    fn texts(marks: &[Mark]) -> Vec<&str> {
        marks.iter().filter_map(|m| if let Mark::Text { text, .. } = m { Some(text.as_str()) } else { None }).collect()
    }

    #[test]
    fn the_symbol_has_its_quiet_zones_height_and_width() {
        let marks = layout(&label(2));
        let bars: Vec<(f32, f32, f32, f32)> =
            marks.iter().filter_map(|m| if let Mark::Bar { x, y, width, height } = m { Some((*x, *y, *width, *height)) } else { None }).collect();
        let left = bars.iter().map(|b| b.0).fold(f32::MAX, f32::min);
        let right = bars.iter().map(|b| b.0 + b.2).fold(f32::MIN, f32::max);
        assert!((right - left - 156.0 * MODULE_PT).abs() < 0.01, "156 modules: start, FNC1, 10 pairs, check, stop");
        assert!(right - left <= 3.6 * 72.0);
        assert!(bars.iter().all(|b| b.3 >= 1.25 * 72.0 && b.1 == BARS_TOP));
        let quiet = QUIET_ZONE_MODULES * MODULE_PT;
        assert!(left - quiet >= 0.0 && right + quiet <= LABEL_WIDTH_PT);
        // Nothing else may be drawn in the quiet zones beside the bars.
        let (top, bottom) = (BARS_TOP, BARS_TOP + BAR_HEIGHT_PT);
        for mark in &marks {
            match mark {
                Mark::Rule { y1, y2, .. } => assert!(y1.max(*y2) < top || y1.min(*y2) > bottom, "{mark:?}"),
                Mark::Text { y, size, .. } => assert!(*y < top || y - size > bottom, "{mark:?}"),
                Mark::Bar { .. } => {}
            }
        }
        // Every bar edge on a whole dot at 300 dpi.
        for (x, _, width, _) in bars {
            for edge in [x, x + width] {
                let dots = edge / 72.0 * 300.0;
                assert!((dots - dots.round()).abs() < 0.01, "{edge}");
            }
        }
    }

    #[test]
    fn long_contents_end_in_more() {
        let four = layout(&label(4));
        assert!(texts(&four).contains(&"SKU-3") && !texts(&four).iter().any(|t| t.contains("more")));
        let nine = layout(&label(9));
        let t = texts(&nine);
        assert!(t.contains(&"SKU-2") && !t.contains(&"SKU-3"));
        assert!(t.contains(&"+6 more") && t.contains(&"60 EA"));
    }

    #[test]
    fn text_fits_by_shrinking_then_truncating() {
        assert_eq!(fit("ABE2", 200.0, (46.0, 18.0)), ("ABE2".to_string(), 46.0));
        let (text, size) = fit("ABCDEFGH", 100.0, (20.0, 6.0));
        assert_eq!(text, "ABCDEFGH");
        assert!(size < 20.0 && estimate_width(&text, size) <= 100.0);
        let exact = "Smith (Intl) \\ Müller)";
        assert_eq!(fit(exact, estimate_width(exact, 7.83), (8.5, 6.0)), (exact.to_string(), 7.8), "a text that fits is never cut");
        let long = "Very Long Vendor Name Incorporated International Holdings Limited";
        let (text, size) = fit(long, 100.0, (10.0, 6.0));
        assert!(text.ends_with('…') && size == 6.0 && estimate_width(&text, size) <= 100.0, "{text}");
        let (po, _) = po_line(&(0..40).map(|i| format!("45000000{i:02}")).collect::<Vec<_>>(), 270.0);
        assert!(po.starts_with("4500000000, ") && po.ends_with(" more"), "{po}");
    }

    #[test]
    fn text_is_cleaned_and_encoded() {
        assert_eq!(clean("  A\n\tB\u{0}  C "), "A B C");
        assert_eq!(xml_escape(r#"A&B <Co> "x" 'y'"#), "A&amp;B &lt;Co&gt; &quot;x&quot; &#39;y&#39;");
        assert_eq!(win_ansi("Zürich – 5€ 東"), b"Z\xFCrich \x96 5\x80 ?");
        assert_eq!(
            address_lines(&Address { city: "Springfield".into(), country: "US".into(), ..Address::default() }),
            vec!["Springfield".to_string(), "US".to_string()]
        );
        assert_eq!(num(31.68), "31.68");
        assert_eq!(num(288.0), "288");
        assert_eq!(num(1.5), "1.5");
    }
}
