//! Carton labels scan: the rendered PDF, SVG and the HTML printed by Chromium are rasterised at
//! 300 dpi and read with zbar, so the bars are checked as a scanner sees them, not as the encoder
//! meant them. Without the tools the tests skip loudly (see `acorn_testkit::barcode`).

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
