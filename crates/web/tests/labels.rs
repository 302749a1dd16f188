//! Carton labels as documents: every label at 4×6 in with the print rule, text escaped for SVG and
//! PDF, one PDF page per label. That the printed barcodes scan is proved by the decode tests in
//! `crates/testkit/tests/it/labels.rs` (rasterised and read with zbar).

use acorn_domain::gs1::Sscc;
use acorn_domain::master::Address;
use acorn_web::labels::{CartonLabel, LabelParty, label_svg, labels_html, labels_pdf};

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
