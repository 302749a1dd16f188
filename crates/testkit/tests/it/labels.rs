//! Carton labels: every label at 4×6 in with the print rule, text escaped for SVG and PDF, one PDF
//! page per label — and they scan: the rendered PDF, SVG and the HTML printed by Chromium are
//! rasterised at 300 dpi and read with zbar, so the bars are checked as a scanner sees them, not as
//! the encoder meant them. Without the tools the decode tests skip loudly (see `acorn_testkit::barcode`).

use acorn_domain::gs1::Sscc;
use acorn_domain::master::Address;
use acorn_testkit::barcode::{Tools, png_dimensions, report_skip};
use acorn_web::labels::{CartonLabel, LabelParty, label_svg, labels_html, labels_pdf};
use std::path::{Path, PathBuf};

fn address(line1: &str, city: &str, region: &str, postal_code: &str) -> Address {
    Address { line1: line1.into(), line2: String::new(), city: city.into(), region: region.into(), postal_code: postal_code.into(), country: "US".into() }
}

/// Two cartons of one shipment; GS1's example SSCC and another with a leading-zero extension digit.
fn labels() -> Vec<CartonLabel> {
    let label = |sscc: &str, seq: i64, contents: Vec<(String, i64)>| CartonLabel {
        sscc: Sscc::parse(sscc).unwrap(),
        ship_from: LabelParty { name: "A&B <Co>".into(), address: address("12 Mill Road", "Dayton", "OH", "45402") },
        ship_to: LabelParty { name: "Allentown Fulfillment Center".into(), address: address("705 Boulder Dr", "Breinigsville", "PA", "18031") },
        ship_to_code: "ABE2".into(),
        po_numbers: vec!["4500012345".into(), "4500012346".into()],
        shipment_number: "SHP-2024-0042".into(),
        carrier_scac: Some("ODFL".into()),
        bol_number: Some("BOL778812".into()),
        carton_seq: seq,
        carton_count: 40,
        contents,
    };
    vec![
        label("106141411234567897", 3, vec![("WIDGET-RED".into(), 24), ("00614141000012".into(), 12)]),
        label("006141411234567890", 4, (1..=6).map(|i| (format!("SKU-{i}"), i * 6)).collect()),
    ]
}

#[test]
fn svg_and_html_have_every_label_escaped_at_4x6_with_the_print_rule() {
    let labels = labels();
    let html = labels_html(&labels);
    for label in &labels {
        assert!(html.contains(&label.sscc.human_readable()), "{}", label.sscc.human_readable());
        // The HTML embeds exactly the SVG that the decode test scans (less its XML declaration and @page style).
        let svg = label_svg(label);
        let body = svg.split_once("<rect ").map(|(_, rest)| rest).unwrap();
        assert!(html.contains(body), "the HTML carries the standalone SVG's drawing");
    }
    assert_eq!(html.matches("width=\"4in\" height=\"6in\"").count(), 2, "one 4×6 in SVG per label");
    assert_eq!(html.matches("<svg ").count(), 2);
    assert!(html.contains("@page { size: 4in 6in; margin: 0; }"));
    assert!(html.contains("page-break-after: always") && html.contains("break-after: page"));
    assert!(html.contains("A&amp;B &lt;Co&gt;"), "the ship-from name is escaped");
    assert!(!html.contains("<Co>"));
    assert!(html.contains("CARTON 3 OF 40") && html.contains("CARTON 4 OF 40"));
    assert!(html.contains(">ABE2<") && html.contains(">ODFL<") && html.contains(">BOL778812<") && html.contains(">SHP-2024-0042<"));
    assert!(html.contains("4500012345, 4500012346"));
    assert!(html.contains("+3 more") && html.contains(">SKU-3<") && !html.contains(">SKU-4<"), "6 content lines print as 3 and +3 more");
    assert!(html.contains("<title>Carton labels - shipment SHP-2024-0042</title>"));
    assert!(!html.contains(" style=\""), "no style attributes: the app's CSP would block them");

    let svg = label_svg(&labels[0]);
    assert!(svg.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.contains("width=\"4in\" height=\"6in\" viewBox=\"0 0 288 432\""));
    assert!(svg.contains("@page { size: 4in 6in; margin: 0; }"));
    assert!(svg.contains("font-family=\"sans-serif\""));

    let linked = acorn_web::labels::labels_html_with_stylesheet(&labels, "/assets/labels.css?v=1&x=2");
    assert!(linked.contains("<link rel=\"stylesheet\" href=\"/assets/labels.css?v=1&amp;x=2\">"));
    assert!(!linked.contains("<style>"), "no inline stylesheet for pages under the CSP");
}

#[test]
fn pdf_has_one_4x6_page_per_label() {
    let pdf = labels_pdf(&labels());
    assert!(pdf.starts_with(b"%PDF-"));
    let text = String::from_utf8_lossy(&pdf);
    let pages = text.match_indices("/Type /Page").filter(|(i, _)| !text[i + "/Type /Page".len()..].starts_with('s')).count();
    assert_eq!(pages, 2);
    assert!(text.contains("/Count 2"));
    assert_eq!(text.matches("/MediaBox [0 0 288 432]").count(), 2, "4 × 6 in in points");
    assert!(text.contains("/BaseFont /Helvetica") && text.contains("/BaseFont /Helvetica-Bold") && !text.contains("/FontFile"));
    assert!(text.contains("(A&B <Co>) Tj"), "PDF strings need no XML escaping");
    assert!(text.contains("(\\(00\\) 106141411234567897) Tj") || text.contains("((00) 106141411234567897) Tj"));
    assert!(text.contains("(CARTON 3 OF 40) Tj"));
    assert!(text.trim_end().ends_with("%%EOF"));
}

#[test]
fn pdf_text_escapes_delimiters_and_encodes_latin_letters() {
    let mut label = labels().remove(0);
    label.ship_from.name = "Smith (Intl) \\ Müller)".into();
    let pdf = labels_pdf(&[label]);
    let text = String::from_utf8_lossy(&pdf);
    // Non-ASCII text goes out as a hex string of WinAnsi bytes: ü is 0xFC.
    let hex: String = b"Smith (Intl) \\ M\xFCller)".iter().map(|b| format!("{b:02X}")).collect();
    assert!(text.contains(&format!("<{hex}> Tj")), "{hex}");
    let mut ascii = labels().remove(0);
    ascii.ship_from.name = "Smith (Intl) \\ Co)".into();
    let text = String::from_utf8_lossy(&labels_pdf(&[ascii])).into_owned();
    assert!(text.contains("(Smith \\(Intl\\) \\\\ Co\\)) Tj"), "unbalanced parentheses and backslashes are escaped");
}

#[test]
fn pdf_barcode_decodes_to_the_sscc_element_string() {
    let Some(tools) = Tools::find(&["pdftoppm", "zbarimg"]) else { return };
    let labels = labels();
    let dir = tempfile::tempdir().unwrap();
    let pages = tools.pdf_pages(&labels_pdf(&labels), dir.path());
    assert_eq!(pages.len(), labels.len(), "one raster per page");
    for (page, label) in pages.iter().zip(&labels) {
        assert_raster_decodes(&tools, page, &label.sscc);
    }
}

#[test]
fn svg_barcode_decodes_to_the_sscc_element_string() {
    let Some(tools) = Tools::find(&["rsvg-convert", "zbarimg"]) else { return };
    let dir = tempfile::tempdir().unwrap();
    for (i, label) in labels().iter().enumerate() {
        let svg = dir.path().join(format!("label-{i}.svg"));
        let png = dir.path().join(format!("label-{i}.png"));
        std::fs::write(&svg, label_svg(label)).unwrap();
        // --background-color: a PNG with a transparent background reads as black to zbar once flattened.
        tools.run("rsvg-convert", &["--dpi-x", "300", "--dpi-y", "300", "--background-color", "white", "-o", png.to_str().unwrap(), svg.to_str().unwrap()]);
        let png_size = png_dimensions(&png);
        assert_eq!(png_size, (1200, 1800), "4 × 6 in at 300 dpi");
        assert_raster_decodes(&tools, &png, &label.sscc);
    }
}

#[test]
fn html_prints_one_scannable_label_per_4x6_page() {
    // Printing through a real browser is what proves the print stylesheet: page size, no margins, one label a page.
    let chromium = std::env::var_os("ACORN_CHROMIUM").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if !chromium.is_file() {
        report_skip(&format!("chromium not found at {}", chromium.display()));
        return;
    }
    let Some(tools) = Tools::find(&["pdftoppm", "zbarimg"]) else { return };
    let labels = labels();
    let dir = tempfile::tempdir().unwrap();
    let (html, pdf, profile) = (dir.path().join("labels.html"), dir.path().join("printed.pdf"), dir.path().join("profile"));
    std::fs::create_dir(dir.path().join("raster")).unwrap();
    std::fs::write(&html, labels_html(&labels)).unwrap();
    let print_to = format!("--print-to-pdf={}", pdf.display());
    let profile_arg = format!("--user-data-dir={}", profile.display());
    let url = format!("file://{}", html.display());
    let args =
        ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--no-pdf-header-footer", &profile_arg, &print_to, &url];
    tools.run(chromium.to_str().unwrap(), &args);
    let pages = tools.pdf_pages(&std::fs::read(&pdf).unwrap(), &dir.path().join("raster"));
    assert_eq!(pages.len(), labels.len(), "one printed page per label, no blank page after the last");
    for (page, label) in pages.iter().zip(&labels) {
        assert_eq!(png_dimensions(page), (1200, 1800), "each printed page is 4 × 6 in");
        assert_raster_decodes(&tools, page, &label.sscc);
    }
}

/// Decodes `image` and asserts it holds exactly one symbol, the GS1-128 of (00)+`sscc`.
fn assert_raster_decodes(tools: &Tools, image: &Path, sscc: &Sscc) {
    assert_eq!(tools.decode(image), vec![sscc.element_string()], "decoded from {}", image.display());
}
