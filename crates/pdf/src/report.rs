//! A plain A4 report: a title, label/value facts, then sections of wrapped lines, flowing onto
//! more pages as needed. The compliance evidence pack's summary is one.

use crate::{BOLD, BOTTOM, Fonts, MARGIN, PAGE_W, PdfError, REGULAR, on_page, wrap};
use krilla::Document;
use krilla::text::Font;

/// Everything printed on a report.
#[derive(Debug, Clone, Default)]
pub struct ReportPrint {
    pub title: String,
    /// Label and value pairs under the title.
    pub facts: Vec<(String, String)>,
    /// Headed sections, each a list of lines (wrapped to the page's width).
    pub sections: Vec<(String, Vec<String>)>,
}

enum Row<'a> {
    Heading(&'a str),
    Line(String),
    Gap,
}

/// Renders a report; more pages follow when it does not fit on one.
pub fn report(doc: &ReportPrint) -> Result<Vec<u8>, PdfError> {
    let fonts = Fonts {
        regular: Font::new(REGULAR.to_vec().into(), 0).ok_or(PdfError::Font)?,
        bold: Font::new(BOLD.to_vec().into(), 0).ok_or(PdfError::Font)?,
    };
    let full = PAGE_W - 2.0 * MARGIN;
    let mut rows = Vec::new();
    for (label, value) in &doc.facts {
        for r in wrap(REGULAR, &format!("{label}: {value}"), 10.0, full) {
            rows.push(Row::Line(r));
        }
    }
    for (heading, lines) in &doc.sections {
        rows.push(Row::Gap);
        rows.push(Row::Heading(heading));
        for l in lines {
            for (k, r) in wrap(REGULAR, l, 9.5, full - 12.0).into_iter().enumerate() {
                rows.push(Row::Line(if k == 0 {
                    format!("• {r}")
                } else {
                    format!("  {r}")
                }));
            }
        }
    }
    let mut document = Document::new();
    let mut next = 0;
    let mut first = true;
    while first || next < rows.len() {
        next = on_page(&mut document, &fonts, |w| {
            let title = if first {
                doc.title.clone()
            } else {
                format!("{} (continued)", doc.title)
            };
            w.text(MARGIN, w.y, 15.0, true, &title);
            w.rule(w.y + 6.0);
            w.y += 26.0;
            let mut i = next;
            while let Some(r) = rows.get(i) {
                if w.y + 14.0 > BOTTOM && i > next {
                    break;
                }
                match r {
                    Row::Heading(h) => {
                        w.text(MARGIN, w.y, 11.0, true, h);
                        w.y += 16.0;
                    }
                    Row::Line(l) => {
                        w.text(MARGIN, w.y, 9.5, false, l);
                        w.y += 13.0;
                    }
                    Row::Gap => w.y += 8.0,
                }
                i += 1;
            }
            i
        })?;
        first = false;
    }
    document
        .finish()
        .map_err(|e| PdfError::Write(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_reports_flow_onto_more_pages() {
        let doc = ReportPrint {
            title: "Evidence pack".into(),
            facts: vec![("Session".into(), "S-00001".into())],
            sections: vec![(
                "Items".into(),
                (0..200).map(|i| format!("Item {i}")).collect(),
            )],
        };
        let bytes = report(&doc).map_err(|e| e.to_string()).unwrap_or_default();
        assert!(bytes.starts_with(b"%PDF-"));
        assert!(String::from_utf8_lossy(&bytes).contains("/Count 4"));
    }
}
