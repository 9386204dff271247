//! Printable documents as PDF: a plain report (`report`, the compliance evidence summary), a certificate of completion with its QR code (`certificate`), and an A4 invoice or credit note with the company's and the client's
//! details, the lines, tax per rate, totals, the due date and the payment reference. The text is
//! real text in an embedded DejaVu Sans (subset), so it can be selected, searched and read back.
//! The caller passes plain strings, already formatted: this crate knows nothing of the domain.

mod certificate;
mod report;
pub use certificate::{CertificatePrint, CertificateWords, certificate, draw_qr, qr_matrix};
pub use report::{ReportPrint, report};

use krilla::Document;
use krilla::geom::{PathBuilder, Point};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, TextDirection};
use skrifa::MetadataProvider;
use skrifa::instance::{LocationRef, Size};

const REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// A4 in points.
const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 50.0;
/// Where a page's body ends: below it a new page starts.
const BOTTOM: f32 = PAGE_H - 70.0;

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the embedded font could not be read")]
    Font,
    #[error("the PDF could not be written: {0}")]
    Write(String),
}

/// One line of the document, formatted for print.
#[derive(Debug, Clone, Default)]
pub struct PrintLine {
    pub description: String,
    pub quantity: String,
    pub unit_price: String,
    pub tax_rate: String,
    pub net: String,
}

/// Everything printed on an invoice or credit note.
#[derive(Debug, Clone, Default)]
pub struct InvoicePrint {
    /// "Invoice" or "Credit note".
    pub title: String,
    pub number: String,
    pub company_name: String,
    pub company_lines: Vec<String>,
    pub client_name: String,
    pub client_lines: Vec<String>,
    /// Label and value pairs under the title: issued on, due on, session, credits…
    pub facts: Vec<(String, String)>,
    pub lines: Vec<PrintLine>,
    /// Label and amount pairs under the lines: net, tax per rate, total.
    pub totals: Vec<(String, String)>,
    /// Closing lines: payment terms and reference, notes.
    pub footer: Vec<String>,
    /// The address block's and the table's headings, in the recipient's language.
    pub headings: PrintHeadings,
}

/// The fixed words of the layout, given by the caller in the document's language.
#[derive(Debug, Clone)]
pub struct PrintHeadings {
    pub bill_to: String,
    pub description: String,
    pub quantity: String,
    pub unit_price: String,
    pub tax: String,
    pub net: String,
    /// After the title on the following pages: "continued".
    pub continued: String,
}

impl Default for PrintHeadings {
    fn default() -> Self {
        Self {
            bill_to: "Bill to".into(),
            description: "Description".into(),
            quantity: "Quantity".into(),
            unit_price: "Unit price".into(),
            tax: "Tax".into(),
            net: "Net".into(),
            continued: "continued".into(),
        }
    }
}

struct Fonts {
    regular: Font,
    bold: Font,
}

/// The width of `text` at `size` points in `font_data`.
fn width(font_data: &[u8], text: &str, size: f32) -> f32 {
    let Ok(font) = skrifa::FontRef::new(font_data) else {
        return 0.0;
    };
    let charmap = font.charmap();
    let metrics = font.glyph_metrics(Size::new(size), LocationRef::default());
    text.chars()
        .map(|c| {
            charmap
                .map(c)
                .and_then(|g| metrics.advance_width(g))
                .unwrap_or(size * 0.6)
        })
        .sum()
}

/// Cuts `text` into lines no wider than `max` points.
fn wrap(font_data: &[u8], text: &str, size: f32, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let candidate = if current.is_empty() {
            word.to_owned()
        } else {
            format!("{current} {word}")
        };
        if width(font_data, &candidate, size) > max && !current.is_empty() {
            lines.push(std::mem::take(&mut current));
            current = word.to_owned();
        } else {
            current = candidate;
        }
    }
    if !current.is_empty() || lines.is_empty() {
        lines.push(current);
    }
    lines
}

/// A page being written top to bottom.
struct Writer<'a> {
    surface: krilla::surface::Surface<'a>,
    fonts: &'a Fonts,
    y: f32,
}

impl Writer<'_> {
    fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, text: &str) {
        let font = if bold {
            self.fonts.bold.clone()
        } else {
            self.fonts.regular.clone()
        };
        self.surface.draw_text(
            Point::from_xy(x, y),
            font,
            size,
            text,
            false,
            TextDirection::Auto,
        );
    }

    fn right(&mut self, right_edge: f32, y: f32, size: f32, bold: bool, text: &str) {
        let data = if bold { BOLD } else { REGULAR };
        let w = width(data, text, size);
        self.text(right_edge - w, y, size, bold, text);
    }

    fn rule(&mut self, y: f32) {
        let mut pb = PathBuilder::new();
        pb.move_to(MARGIN, y);
        pb.line_to(PAGE_W - MARGIN, y);
        if let Some(path) = pb.finish() {
            self.surface.set_fill(None);
            self.surface.set_stroke(Some(Stroke {
                width: 0.5,
                ..Default::default()
            }));
            self.surface.draw_path(&path);
            self.surface.set_stroke(None);
            self.surface.set_fill(Some(Fill::default()));
        }
    }
}

/// Column right edges of the lines table: quantity, unit price, tax, net.
const COLS: [f32; 4] = [330.0, 410.0, 460.0, PAGE_W - MARGIN];
const DESCRIPTION_WIDTH: f32 = 255.0;

/// Starts a page, lets `draw` write on it, and closes it.
fn on_page<R>(
    document: &mut Document,
    fonts: &Fonts,
    draw: impl FnOnce(&mut Writer<'_>) -> R,
) -> Result<R, PdfError> {
    let settings =
        PageSettings::from_wh(PAGE_W, PAGE_H).ok_or_else(|| PdfError::Write("page size".into()))?;
    let mut page = document.start_page_with(settings);
    let result = {
        let mut w = Writer {
            surface: page.surface(),
            fonts,
            y: MARGIN + 10.0,
        };
        let result = draw(&mut w);
        let Writer { surface, .. } = w;
        surface.finish();
        result
    };
    page.finish();
    Ok(result)
}

/// Renders an invoice or credit note; more pages follow when the lines do not fit on one.
pub fn invoice(doc: &InvoicePrint) -> Result<Vec<u8>, PdfError> {
    let fonts = Fonts {
        regular: Font::new(REGULAR.to_vec().into(), 0).ok_or(PdfError::Font)?,
        bold: Font::new(BOLD.to_vec().into(), 0).ok_or(PdfError::Font)?,
    };
    let mut document = Document::new();
    let mut line_index = 0;
    let mut first = true;
    loop {
        let start = line_index;
        let (next, finished) = on_page(&mut document, &fonts, |w| {
            if first {
                head(w, doc);
            } else {
                let continued =
                    format!("{} {} ({})", doc.title, doc.number, doc.headings.continued);
                w.text(MARGIN, w.y, 11.0, true, &continued);
                w.y += 24.0;
            }
            table_head(w, &doc.headings);
            let mut i = start;
            while let Some(l) = doc.lines.get(i) {
                let rows = wrap(REGULAR, &l.description, 9.5, DESCRIPTION_WIDTH);
                let height = rows.len() as f32 * 12.0 + 4.0;
                if w.y + height > BOTTOM && i > start {
                    break;
                }
                for (k, row) in rows.iter().enumerate() {
                    w.text(MARGIN, w.y + k as f32 * 12.0, 9.5, false, row);
                }
                w.right(COLS[0], w.y, 9.5, false, &l.quantity);
                w.right(COLS[1], w.y, 9.5, false, &l.unit_price);
                w.right(COLS[2], w.y, 9.5, false, &l.tax_rate);
                w.right(COLS[3], w.y, 9.5, false, &l.net);
                w.y += height;
                i += 1;
            }
            let tail = 16.0 * doc.totals.len() as f32 + 14.0 * doc.footer.len() as f32 + 40.0;
            let fits = i >= doc.lines.len() && w.y + tail <= PAGE_H - 30.0;
            if fits {
                totals_and_footer(w, doc);
            }
            (i, fits)
        })?;
        line_index = next;
        first = false;
        if finished {
            break;
        }
        if line_index >= doc.lines.len() {
            // The totals go on a page of their own.
            on_page(&mut document, &fonts, |w| totals_and_footer(w, doc))?;
            break;
        }
    }
    document
        .finish()
        .map_err(|e| PdfError::Write(format!("{e:?}")))
}

fn head(w: &mut Writer<'_>, doc: &InvoicePrint) {
    w.text(MARGIN, w.y, 16.0, true, &doc.company_name);
    let mut y = w.y + 16.0;
    for l in &doc.company_lines {
        w.text(MARGIN, y, 9.0, false, l);
        y += 12.0;
    }
    let title = format!("{} {}", doc.title, doc.number);
    w.right(PAGE_W - MARGIN, w.y, 16.0, true, &title);
    let mut fy = w.y + 18.0;
    for (label, value) in &doc.facts {
        w.right(
            PAGE_W - MARGIN,
            fy,
            9.5,
            false,
            &format!("{label}: {value}"),
        );
        fy += 13.0;
    }
    w.y = y.max(fy) + 24.0;
    w.text(MARGIN, w.y, 9.0, false, &doc.headings.bill_to);
    w.y += 14.0;
    w.text(MARGIN, w.y, 11.0, true, &doc.client_name);
    w.y += 14.0;
    for l in &doc.client_lines {
        w.text(MARGIN, w.y, 9.5, false, l);
        w.y += 12.0;
    }
    w.y += 22.0;
}

fn table_head(w: &mut Writer<'_>, h: &PrintHeadings) {
    w.text(MARGIN, w.y, 9.0, true, &h.description);
    w.right(COLS[0], w.y, 9.0, true, &h.quantity);
    w.right(COLS[1], w.y, 9.0, true, &h.unit_price);
    w.right(COLS[2], w.y, 9.0, true, &h.tax);
    w.right(COLS[3], w.y, 9.0, true, &h.net);
    w.rule(w.y + 5.0);
    w.y += 20.0;
}

fn totals_and_footer(w: &mut Writer<'_>, doc: &InvoicePrint) {
    w.rule(w.y - 6.0);
    w.y += 8.0;
    let last = doc.totals.len().saturating_sub(1);
    for (i, (label, amount)) in doc.totals.iter().enumerate() {
        let bold = i == last;
        w.right(COLS[2], w.y, 10.0, bold, label);
        w.right(COLS[3], w.y, 10.0, bold, amount);
        w.y += 16.0;
    }
    w.y += 20.0;
    for l in &doc.footer {
        for row in wrap(REGULAR, l, 9.5, PAGE_W - 2.0 * MARGIN) {
            w.text(MARGIN, w.y, 9.5, false, &row);
            w.y += 13.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(lines: usize) -> InvoicePrint {
        InvoicePrint {
            title: "Invoice".into(),
            number: "2027-000123".into(),
            company_name: "Northwind Training".into(),
            company_lines: vec!["Hauptstraße 1, 10115 Berlin".into()],
            client_name: "Acme Industries".into(),
            client_lines: vec!["Accounts payable".into(), "1 Main St".into()],
            facts: vec![("Issued".into(), "2027-01-05".into())],
            lines: (0..lines)
                .map(|i| PrintLine {
                    description: format!(
                        "Excel basics (S-{i:05}): a learner with a rather long name that wraps"
                    ),
                    quantity: "1".into(),
                    unit_price: "990.00 EUR".into(),
                    tax_rate: "19 %".into(),
                    net: "990.00 EUR".into(),
                })
                .collect(),
            totals: vec![("Total".into(), "1178.10 EUR".into())],
            footer: vec!["Please pay by 2027-02-04, reference 2027-000123.".into()],
            headings: PrintHeadings::default(),
        }
    }

    #[test]
    fn writes_a_pdf_with_an_embedded_font() {
        let bytes = invoice(&sample(3))
            .map_err(|e| e.to_string())
            .unwrap_or_default();
        assert!(bytes.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("FontFile2"), "the font is embedded");
        assert!(
            text.contains("ToUnicode"),
            "the text maps back to characters"
        );
    }

    #[test]
    fn long_invoices_flow_onto_more_pages() {
        let one = invoice(&sample(2))
            .map_err(|e| e.to_string())
            .unwrap_or_default();
        let many = invoice(&sample(120))
            .map_err(|e| e.to_string())
            .unwrap_or_default();
        // The page tree's `/Count`.
        let pages = |b: &[u8]| -> usize {
            let text = String::from_utf8_lossy(b).into_owned();
            text.split("/Count ")
                .nth(1)
                .and_then(|rest| {
                    rest.split(|c: char| !c.is_ascii_digit())
                        .next()
                        .map(str::to_owned)
                })
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)
        };
        assert!(
            pages(&many) > pages(&one),
            "{} vs {}",
            pages(&many),
            pages(&one)
        );
    }

    #[test]
    fn wraps_and_measures() {
        assert!(width(REGULAR, "1178.10 EUR", 10.0) > 40.0);
        assert_eq!(wrap(REGULAR, "a b c", 10.0, 1000.0), vec!["a b c"]);
        assert!(wrap(REGULAR, &"word ".repeat(100), 10.0, 200.0).len() > 5);
    }
}
