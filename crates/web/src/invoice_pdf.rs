//! The invoice as a printable A4 PDF: header (vendor, invoice number and dates, PO, payment term, due
//! date and discount deadline), the lines, the charges, allowances and tax, and the totals. Trade
//! documents are in English. Written with `pdf-writer` as the carton labels are (see `labels.rs`):
//! base-14 Helvetica in WinAnsiEncoding, no embedded fonts. An invoice fits one page; a very long one
//! continues on further pages, its header repeated in short.

use acorn_domain::invoices::{AdjustmentKind, InvoiceType};
use acorn_domain::money;
use acorn_service::invoices::InvoiceDetail;
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

/// A4 in PostScript points.
pub const PAGE_WIDTH_PT: f32 = 595.28;
pub const PAGE_HEIGHT_PT: f32 = 841.89;
const MARGIN: f32 = 48.0;
const ROW: f32 = 14.0;
const BODY: f32 = 9.0;

/// A line of text on a page, y measured down from the top edge.
#[derive(Clone, Debug, PartialEq)]
struct Text {
    x: f32,
    y: f32,
    size: f32,
    bold: bool,
    /// `x` is the right edge of the text (numbers in columns).
    right: bool,
    text: String,
}

/// A horizontal rule, y from the top.
#[derive(Clone, Debug, PartialEq)]
struct Rule {
    x1: f32,
    x2: f32,
    y: f32,
}

#[derive(Default)]
struct Page {
    texts: Vec<Text>,
    rules: Vec<Rule>,
}

/// Columns of the lines table: left edge or right edge (numbers), and heading.
const COL_LINE: f32 = MARGIN + 24.0;
const COL_PO_LINE: f32 = MARGIN + 52.0;
const COL_SKU: f32 = MARGIN + 60.0;
const COL_TITLE: f32 = MARGIN + 160.0;
const COL_QTY: f32 = PAGE_WIDTH_PT - MARGIN - 170.0;
const COL_COST: f32 = PAGE_WIDTH_PT - MARGIN - 90.0;
const COL_AMOUNT: f32 = PAGE_WIDTH_PT - MARGIN;

struct Writer {
    pages: Vec<Page>,
    y: f32,
    title: String,
}

impl Writer {
    fn page(&mut self) -> &mut Page {
        if self.pages.is_empty() {
            self.pages.push(Page::default());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn text(&mut self, x: f32, size: f32, bold: bool, right: bool, text: &str) {
        let y = self.y;
        self.page().texts.push(Text { x, y, size, bold, right, text: clean(text) });
    }

    fn rule(&mut self) {
        let y = self.y;
        self.page().rules.push(Rule { x1: MARGIN, x2: PAGE_WIDTH_PT - MARGIN, y });
    }

    /// Room for `rows` more rows, else a new page headed with the document's title.
    fn room(&mut self, rows: usize) {
        if self.y + rows as f32 * ROW > PAGE_HEIGHT_PT - MARGIN - ROW {
            self.pages.push(Page::default());
            self.y = MARGIN + 10.0;
            let title = format!("{} (continued)", self.title);
            self.text(MARGIN, 11.0, true, false, &title);
            self.y += ROW * 1.5;
        }
    }
}

/// The invoice PDF. `vendor_name` is printed above the vendor code (blank: the code alone);
/// `bill_to` is the retailer the invoice is addressed to (blank: left out).
pub fn invoice_pdf(d: &InvoiceDetail, vendor_name: &str, bill_to: &str) -> Vec<u8> {
    render(&layout(d, vendor_name, bill_to), &document_title(d))
}

fn document_title(d: &InvoiceDetail) -> String {
    let kind = if d.invoice.invoice_type == InvoiceType::CreditNote { "Credit note" } else { "Invoice" };
    clean(&format!("{kind} {} - PO {}", d.invoice.number, d.invoice.po_number))
}

fn layout(d: &InvoiceDetail, vendor_name: &str, bill_to: &str) -> Vec<Page> {
    let i = &d.invoice;
    let cur = i.currency.as_str();
    let m = |v: rust_decimal::Decimal| money::format_amount(v, cur);
    let mut w = Writer { pages: Vec::new(), y: MARGIN + 16.0, title: document_title(d) };
    let heading = if i.invoice_type == InvoiceType::CreditNote { "CREDIT NOTE" } else { "INVOICE" };
    w.text(MARGIN, 20.0, true, false, heading);
    w.text(COL_AMOUNT, 11.0, true, true, &format!("No. {}", i.number));
    w.y += ROW * 1.8;

    // Vendor on the left, the document's facts on the right.
    let top = w.y;
    w.text(MARGIN, 8.0, false, false, "FROM");
    w.y += ROW;
    if !vendor_name.trim().is_empty() {
        let name = fit(vendor_name, 230.0, 11.0);
        w.text(MARGIN, 11.0, true, false, &name);
        w.y += ROW;
    }
    w.text(MARGIN, BODY, false, false, &format!("Vendor code {}", i.vendor_code));
    w.y += ROW;
    if !bill_to.trim().is_empty() {
        w.y += ROW / 2.0;
        w.text(MARGIN, 8.0, false, false, "BILL TO");
        w.y += ROW;
        let name = fit(bill_to, 230.0, 11.0);
        w.text(MARGIN, 11.0, true, false, &name);
        w.y += ROW;
    }
    let left_end = w.y;
    w.y = top;
    let facts: Vec<(&str, String)> = vec![
        ("Invoice date", i.invoice_date.to_string()),
        ("Purchase order", i.po_number.clone()),
        ("Currency", i.currency.clone()),
        ("Payment terms", i.payment_term.clone()),
        ("Due date", i.due_date.map(|d| d.to_string()).unwrap_or_else(|| "on receipt of the goods".into())),
        ("Discount deadline", i.discount_deadline.map(|d| d.to_string()).unwrap_or_else(|| "-".into())),
    ];
    let facts = match &i.reference_number {
        Some(r) => [vec![("Credits invoice", r.clone())], facts].concat(),
        None => facts,
    };
    for (label, value) in facts {
        w.text(COL_COST - 40.0, BODY, false, true, label);
        w.text(COL_AMOUNT, BODY, true, true, &value);
        w.y += ROW;
    }
    w.y = w.y.max(left_end) + ROW;

    // The lines.
    let header = |w: &mut Writer| {
        w.text(COL_LINE, 8.0, true, true, "LINE");
        w.text(COL_PO_LINE, 8.0, true, true, "PO");
        w.text(COL_SKU, 8.0, true, false, "SKU");
        w.text(COL_TITLE, 8.0, true, false, "DESCRIPTION");
        w.text(COL_QTY, 8.0, true, true, "QTY");
        w.text(COL_COST, 8.0, true, true, &format!("UNIT COST {cur}"));
        w.text(COL_AMOUNT, 8.0, true, true, &format!("AMOUNT {cur}"));
        w.y += 4.0;
        w.rule();
        w.y += ROW - 2.0;
    };
    header(&mut w);
    for l in &d.lines {
        let before = w.pages.len();
        w.room(1);
        if w.pages.len() != before {
            header(&mut w);
        }
        w.text(COL_LINE, BODY, false, true, &l.line_no.to_string());
        w.text(COL_PO_LINE, BODY, false, true, &l.po_line_no.to_string());
        w.text(COL_SKU, BODY, false, false, &fit(&l.vendor_sku, COL_TITLE - COL_SKU - 6.0, BODY));
        w.text(COL_TITLE, BODY, false, false, &fit(&l.title, COL_QTY - COL_TITLE - 40.0, BODY));
        w.text(COL_QTY, BODY, false, true, &l.quantity.to_string());
        w.text(COL_COST, BODY, false, true, &l.unit_cost.normalize().to_string());
        w.text(COL_AMOUNT, BODY, false, true, &m(l.amount));
        w.y += ROW;
    }
    w.y -= ROW - 4.0;
    w.rule();
    w.y += ROW;

    // Charges, allowances and tax.
    if !d.adjustments.is_empty() {
        w.room(d.adjustments.len() + 2);
        w.text(MARGIN, 8.0, true, false, "CHARGES, ALLOWANCES AND TAX");
        w.y += ROW;
        for a in &d.adjustments {
            w.room(1);
            let kind = match a.kind {
                AdjustmentKind::Charge => "Charge",
                AdjustmentKind::Allowance => "Allowance",
                AdjustmentKind::Tax => "Tax",
            };
            let what = match &a.description {
                Some(text) => format!("{kind}: {} - {text}", a.code),
                None => format!("{kind}: {}", a.code),
            };
            w.text(MARGIN, BODY, false, false, &fit(&what, COL_COST - MARGIN - 20.0, BODY));
            let sign = if a.kind == AdjustmentKind::Allowance { "-" } else { "" };
            w.text(COL_AMOUNT, BODY, false, true, &format!("{sign}{}", m(a.amount)));
            w.y += ROW;
        }
        w.y += 4.0;
    }

    // Totals.
    w.room(6);
    let totals = [("Subtotal", m(i.subtotal)), ("Charges", m(i.charges)), ("Allowances", format!("-{}", m(i.allowances))), ("Tax", m(i.tax))];
    for (label, value) in totals {
        w.text(COL_COST, BODY, false, true, label);
        w.text(COL_AMOUNT, BODY, false, true, &value);
        w.y += ROW;
    }
    w.y -= ROW - 4.0;
    let y = w.y;
    w.page().rules.push(Rule { x1: COL_QTY, x2: COL_AMOUNT, y });
    w.y += ROW;
    w.text(COL_COST, 11.0, true, true, &format!("Total {cur}"));
    w.text(COL_AMOUNT, 11.0, true, true, &m(i.total));
    w.y += ROW * 2.0;
    w.room(1);
    w.text(
        MARGIN,
        7.5,
        false,
        false,
        &format!("Submitted {} by {}. Terms version {}.", i.submitted_at.format("%Y-%m-%d %H:%M UTC"), i.submitted_by, i.terms_version),
    );
    w.pages
}

fn render(pages: &[Page], title: &str) -> Vec<u8> {
    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    let info = Ref::new(5);
    let page_ref = |i: usize| Ref::new(6 + 2 * i as i32);
    let content_ref = |i: usize| Ref::new(7 + 2 * i as i32);
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids((0..pages.len()).map(page_ref)).count(pages.len() as i32);
    for (i, p) in pages.iter().enumerate() {
        let mut page = pdf.page(page_ref(i));
        page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH_PT, PAGE_HEIGHT_PT));
        page.parent(tree);
        page.contents(content_ref(i));
        page.resources().fonts().pair(Name(b"F1"), regular).pair(Name(b"F2"), bold);
        page.finish();
        pdf.stream(content_ref(i), &content(p));
    }
    pdf.type1_font(regular).base_font(Name(b"Helvetica")).encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold).base_font(Name(b"Helvetica-Bold")).encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.document_info(info).title(TextStr(title)).producer(TextStr("ACORN"));
    pdf.finish()
}

fn content(p: &Page) -> Vec<u8> {
    let flip = |y: f32| PAGE_HEIGHT_PT - y;
    let mut c = Content::new();
    c.set_line_width(0.6);
    for r in &p.rules {
        c.move_to(r.x1, flip(r.y)).line_to(r.x2, flip(r.y));
    }
    c.stroke();
    for t in &p.texts {
        let x = if t.right { t.x - width(&t.text, t.size, t.bold) } else { t.x };
        c.begin_text();
        c.set_font(Name(if t.bold { b"F2" } else { b"F1" }), t.size);
        c.set_text_matrix([1.0, 0.0, 0.0, 1.0, x, flip(t.y)]);
        c.show(Str(&win_ansi(&t.text)));
        c.end_text();
    }
    c.finish().into_vec()
}

/// The width of `text` in Helvetica at `size`, from the font's advance widths for the characters an
/// invoice prints most (digits, punctuation, capitals); others by a close average.
fn width(text: &str, size: f32, bold: bool) -> f32 {
    let ems: f32 = text
        .chars()
        .map(|c| match c {
            '0'..='9' => 0.556,
            ' ' | '.' | ',' => 0.278,
            '-' => 0.333,
            ':' => {
                if bold {
                    0.333
                } else {
                    0.278
                }
            }
            'I' | 'i' | 'j' | 'l' | 'f' | 't' => 0.3,
            'M' | 'W' | 'm' | 'w' => 0.87,
            'A'..='Z' => {
                if bold {
                    0.72
                } else {
                    0.68
                }
            }
            _ => {
                if bold {
                    0.6
                } else {
                    0.556
                }
            }
        })
        .sum();
    ems * size
}

/// `text` shortened with "..." to fit `max` points at `size`.
fn fit(text: &str, max: f32, size: f32) -> String {
    let text = clean(text);
    if width(&text, size, false) <= max {
        return text;
    }
    let mut out = String::new();
    for c in text.chars() {
        if width(&format!("{out}{c}..."), size, false) > max {
            break;
        }
        out.push(c);
    }
    format!("{}...", out.trim_end())
}

/// One printable line: control characters become spaces and runs of whitespace collapse.
fn clean(text: &str) -> String {
    let spaced: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` in WinAnsiEncoding (Latin-1 and the common typographic characters); anything else has no
/// glyph in the base-14 fonts and prints as "?".
fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            ' '..='~' | '\u{A0}'..='\u{FF}' => c as u8,
            '€' => 0x80,
            '…' => 0x85,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            _ => b'?',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use acorn_domain::ids::TenantId;
    use acorn_domain::invoices::{Adjustment, Invoice, InvoiceLine, InvoiceState};
    use acorn_domain::orders::Channel;
    use chrono::{NaiveDate, Utc};
    use rust_decimal::Decimal;

    fn detail(lines: usize) -> InvoiceDetail {
        let t = Utc::now();
        let invoice = Invoice {
            id: uuid::Uuid::now_v7(),
            tenant: TenantId::new_v7(),
            vendor_code: "ACME1".into(),
            number: "INV-(1)".into(),
            invoice_type: InvoiceType::Invoice,
            po_id: uuid::Uuid::now_v7(),
            po_number: "PO123456".into(),
            reference_invoice_id: None,
            reference_number: None,
            invoice_date: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            currency: "USD".into(),
            subtotal: Decimal::new(12500, 2),
            charges: Decimal::new(500, 2),
            allowances: Decimal::new(250, 2),
            tax: Decimal::ZERO,
            total: Decimal::new(12750, 2),
            state: InvoiceState::Approved,
            open_disputes: 0,
            payment_term: "2/10 NET30".into(),
            terms_version: 1,
            due_date: NaiveDate::from_ymd_opt(2026, 3, 31),
            discount_deadline: NaiveDate::from_ymd_opt(2026, 3, 11),
            channel: Channel::Ui,
            submitted_by: "user:a@b.test".into(),
            submitted_at: t,
            matched_at: None,
            approved_at: None,
            paid_at: None,
            updated_at: t,
        };
        let line = |n: usize| InvoiceLine {
            invoice_id: invoice.id,
            line_no: n as i64,
            po_line_no: 1,
            item_id: uuid::Uuid::now_v7(),
            vendor_sku: "SKU-1".into(),
            gtin: "00012345678905".into(),
            title: "Stainless steel water bottle, 750 ml, Zürich edition with a very long name that cannot fit".into(),
            quantity: 10,
            unit_cost: Decimal::new(125, 1),
            amount: Decimal::new(12500, 2),
            matched: None,
        };
        InvoiceDetail {
            shown_state: InvoiceState::Approved,
            lines: (1..=lines).map(line).collect(),
            adjustments: vec![Adjustment {
                kind: AdjustmentKind::Charge,
                code: "Freight".into(),
                description: Some("Truck".into()),
                amount: Decimal::new(500, 2),
            }],
            timeline: Vec::new(),
            deductions: Vec::new(),
            invoice,
        }
    }

    fn texts(pages: &[Page]) -> Vec<String> {
        pages.iter().flat_map(|p| p.texts.iter().map(|t| t.text.clone())).collect()
    }

    #[test]
    fn one_page_with_header_lines_adjustments_and_totals() {
        let d = detail(3);
        let pages = layout(&d, "Acme Works", "ACORN Retail Inc.");
        assert_eq!(pages.len(), 1);
        let all = texts(&pages);
        for want in [
            "INVOICE",
            "No. INV-(1)",
            "Acme Works",
            "BILL TO",
            "ACORN Retail Inc.",
            "PO123456",
            "2/10 NET30",
            "2026-03-31",
            "2026-03-11",
            "125.00",
            "127.50",
            "-2.50",
            "Total USD",
        ] {
            assert!(all.iter().any(|t| t == want), "{want} missing from {all:?}");
        }
        assert!(all.iter().any(|t| t.starts_with("Charge: Freight - Truck")));
        assert!(all.iter().any(|t| t.starts_with("Stainless steel") && t.ends_with("...")), "long titles are shortened");
        // Everything stays on the page.
        for t in &pages[0].texts {
            assert!(t.y > 0.0 && t.y < PAGE_HEIGHT_PT - MARGIN / 2.0, "{t:?}");
            let left = if t.right { t.x - width(&t.text, t.size, t.bold) } else { t.x };
            assert!(left >= MARGIN - 0.1 && left + width(&t.text, t.size, t.bold) <= PAGE_WIDTH_PT - MARGIN + 0.1, "{t:?}");
        }
        let bytes = invoice_pdf(&d, "Acme Works", "");
        assert!(bytes.starts_with(b"%PDF-"));
        assert!(bytes.windows(9).any(|w| w == b"Helvetica"));
    }

    #[test]
    fn a_long_invoice_continues_on_more_pages() {
        let pages = layout(&detail(120), "", "");
        assert!(pages.len() >= 3, "{}", pages.len());
        assert!(texts(&pages).iter().any(|t| t.ends_with("(continued)")));
    }

    #[test]
    fn text_is_encoded_for_helvetica() {
        assert_eq!(win_ansi("Zürich 5×2 – 中"), b"Z\xfcrich 5\xd72 \x96 ?".to_vec());
        assert_eq!(clean(" a\n\tb  c "), "a b c");
    }
}
