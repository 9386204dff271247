//! A certificate of completion as an A4 landscape PDF: who, what, when, by whom, the
//! verification code in words and the verification link as a QR code, drawn as filled squares
//! (no image), so it prints sharp at any size.

use crate::{BOLD, Fonts, PdfError, REGULAR, width};
use krilla::Document;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use qrcode::{Color, EcLevel, QrCode};

/// A4 landscape in points.
const W: f32 = 842.0;
const H: f32 = 595.0;

/// Everything printed on a certificate, already formatted.
#[derive(Debug, Clone, Default)]
pub struct CertificatePrint {
    /// The training provider, at the top.
    pub company_name: String,
    /// The certificate's name ("Certified Excel Expert").
    pub certificate_name: String,
    pub learner_name: String,
    pub course_title: String,
    /// Label and value pairs: issued on, valid until, session, instructor…
    pub facts: Vec<(String, String)>,
    /// The code as printed ("7KQ2-M9XD-4TBA").
    pub code: String,
    /// The public verification address the QR code holds.
    pub verify_url: String,
    /// A line across the page when the certificate is not valid ("REVOKED").
    pub stamp: Option<String>,
    /// The layout's fixed words, in the learner's language.
    pub words: CertificateWords,
}

/// The fixed words of the certificate's layout, given by the caller in the learner's language.
#[derive(Debug, Clone)]
pub struct CertificateWords {
    pub title: String,
    pub certifies: String,
    pub completed: String,
    pub verification_code: String,
    /// Before the verification address: "Check it at".
    pub check_at: String,
}

impl Default for CertificateWords {
    fn default() -> Self {
        Self {
            title: "Certificate".into(),
            certifies: "This certifies that".into(),
            completed: "has successfully completed".into(),
            verification_code: "Verification code".into(),
            check_at: "Check it at".into(),
        }
    }
}

/// The QR code of `data` as rows of dark (true) and light modules, medium error correction.
pub fn qr_matrix(data: &str) -> Result<Vec<Vec<bool>>, PdfError> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)
        .map_err(|e| PdfError::Write(format!("QR code: {e}")))?;
    let n = code.width();
    let colors = code.to_colors();
    Ok(colors
        .chunks(n)
        .map(|row| row.iter().map(|c| *c == Color::Dark).collect())
        .collect())
}

/// Draws `matrix` with its top-left corner at (`x`, `y`), `size` points wide, with a quiet zone
/// of four modules inside that size (white paper around it is assumed).
pub fn draw_qr(surface: &mut Surface<'_>, matrix: &[Vec<bool>], x: f32, y: f32, size: f32) {
    let n = matrix.len();
    if n == 0 {
        return;
    }
    let module = size / (n as f32 + 8.0);
    let origin = (x + 4.0 * module, y + 4.0 * module);
    let mut pb = PathBuilder::new();
    for (row, cells) in matrix.iter().enumerate() {
        for (col, dark) in cells.iter().enumerate() {
            if *dark
                && let Some(r) = Rect::from_xywh(
                    origin.0 + col as f32 * module,
                    origin.1 + row as f32 * module,
                    // A hair wider, so neighbouring squares leave no seam in viewers.
                    module + 0.05,
                    module + 0.05,
                )
            {
                pb.push_rect(r);
            }
        }
    }
    if let Some(path) = pb.finish() {
        surface.set_stroke(None);
        surface.set_fill(Some(Fill::default()));
        surface.draw_path(&path);
    }
}

fn text(s: &mut Surface<'_>, fonts: &Fonts, x: f32, y: f32, size: f32, bold: bool, t: &str) {
    let font = if bold {
        fonts.bold.clone()
    } else {
        fonts.regular.clone()
    };
    s.draw_text(
        Point::from_xy(x, y),
        font,
        size,
        t,
        false,
        TextDirection::Auto,
    );
}

fn centred(s: &mut Surface<'_>, fonts: &Fonts, y: f32, size: f32, bold: bool, t: &str) {
    let data = if bold { BOLD } else { REGULAR };
    // Long names shrink to fit between the margins.
    let mut size = size;
    while size > 8.0 && width(data, t, size) > W - 160.0 {
        size -= 1.0;
    }
    let w = width(data, t, size);
    text(s, fonts, (W - w) / 2.0, y, size, bold, t);
}

fn frame(s: &mut Surface<'_>, inset: f32, line: f32) {
    let mut pb = PathBuilder::new();
    if let Some(r) = Rect::from_xywh(inset, inset, W - 2.0 * inset, H - 2.0 * inset) {
        pb.push_rect(r);
    }
    if let Some(path) = pb.finish() {
        s.set_fill(None);
        s.set_stroke(Some(Stroke {
            width: line,
            ..Default::default()
        }));
        s.draw_path(&path);
        s.set_stroke(None);
        s.set_fill(Some(Fill::default()));
    }
}

/// Renders the certificate: one landscape page.
pub fn certificate(doc: &CertificatePrint) -> Result<Vec<u8>, PdfError> {
    let fonts = Fonts {
        regular: Font::new(REGULAR.to_vec().into(), 0).ok_or(PdfError::Font)?,
        bold: Font::new(BOLD.to_vec().into(), 0).ok_or(PdfError::Font)?,
    };
    let matrix = qr_matrix(&doc.verify_url)?;
    let mut document = Document::new();
    let settings =
        PageSettings::from_wh(W, H).ok_or_else(|| PdfError::Write("page size".into()))?;
    let mut page = document.start_page_with(settings);
    {
        let mut s = page.surface();
        frame(&mut s, 24.0, 2.0);
        frame(&mut s, 30.0, 0.5);
        let f = &fonts;
        if !doc.company_name.is_empty() {
            centred(&mut s, f, 80.0, 13.0, false, &doc.company_name);
        }
        centred(&mut s, f, 130.0, 30.0, true, &doc.words.title);
        centred(&mut s, f, 160.0, 15.0, false, &doc.certificate_name);
        centred(&mut s, f, 205.0, 11.0, false, &doc.words.certifies);
        centred(&mut s, f, 243.0, 26.0, true, &doc.learner_name);
        centred(&mut s, f, 278.0, 11.0, false, &doc.words.completed);
        centred(&mut s, f, 306.0, 17.0, true, &doc.course_title);
        let mut y = 360.0;
        for (label, value) in &doc.facts {
            let l = format!("{label}:");
            let lw = width(REGULAR, &l, 10.5);
            text(&mut s, f, W / 2.0 - 6.0 - lw, y, 10.5, false, &l);
            text(&mut s, f, W / 2.0 + 6.0, y, 10.5, true, value);
            y += 17.0;
        }
        if let Some(stamp) = &doc.stamp {
            centred(&mut s, f, 345.0, 34.0, true, stamp);
        }
        // Verification: the code and link in words bottom left, the QR code bottom right.
        let qr = 118.0;
        let qx = W - 60.0 - qr;
        let qy = H - 52.0 - qr;
        draw_qr(&mut s, &matrix, qx, qy, qr);
        text(
            &mut s,
            f,
            60.0,
            H - 92.0,
            9.5,
            false,
            &doc.words.verification_code,
        );
        text(&mut s, f, 60.0, H - 74.0, 14.0, true, &doc.code);
        text(
            &mut s,
            f,
            60.0,
            H - 58.0,
            9.0,
            false,
            &format!("{} {}", doc.words.check_at, doc.verify_url),
        );
        s.finish();
    }
    page.finish();
    document
        .finish()
        .map_err(|e| PdfError::Write(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_qr_code_is_square_with_finder_patterns() {
        let m = qr_matrix("https://trainyard.example.com/verify/7KQ2M9XD4TBA")
            .map_err(|e| e.to_string())
            .unwrap_or_default();
        assert!(m.len() >= 21);
        assert!(m.iter().all(|r| r.len() == m.len()));
        // The top-left finder: a dark 7×7 ring.
        assert!(m[0][..7].iter().all(|d| *d));
        assert!(!m[1][1] && m[2][2]);
    }

    #[test]
    fn writes_a_one_page_pdf() {
        let bytes = certificate(&CertificatePrint {
            company_name: "Northwind Training".into(),
            certificate_name: "Certified Excel Expert".into(),
            learner_name: "Maria Lopez".into(),
            course_title: "Excel Advanced".into(),
            facts: vec![("Issued on".into(), "2027-05-05".into())],
            code: "7KQ2-M9XD-4TBA".into(),
            verify_url: "https://trainyard.example.com/verify/7KQ2M9XD4TBA".into(),
            stamp: None,
            words: CertificateWords::default(),
        })
        .map_err(|e| e.to_string())
        .unwrap_or_default();
        assert!(bytes.starts_with(b"%PDF-"));
        assert!(String::from_utf8_lossy(&bytes).contains("FontFile2"));
    }
}
