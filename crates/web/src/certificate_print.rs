//! A certificate as the PDF its learner receives: its facts in the printed layout's words, and
//! the verification link for the QR code. Shared by the page route and the API.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use trainyard_app::certificates::Printable;
use trainyard_core::certificate::{Standing, grouped};
use trainyard_pdf::CertificatePrint;

pub fn print(p: &Printable) -> CertificatePrint {
    let c = &p.certificate;
    // In the learner's language, dates their way.
    let doc = trainyard_app::documents::Doc::new(&p.language);
    let w = doc.words;
    let mut facts = vec![(w.issued_on.to_owned(), doc.date(&c.issued_on))];
    facts.push((
        w.valid_until.to_owned(),
        c.expires_on
            .as_deref()
            .map_or_else(|| w.no_expiry.to_owned(), |d| doc.date(d)),
    ));
    if let Some(r) = &c.session_reference {
        facts.push((w.session.to_owned(), r.clone()));
    }
    if !c.instructor_name.is_empty() {
        facts.push((w.instructor.to_owned(), c.instructor_name.clone()));
    }
    CertificatePrint {
        company_name: p.company_name.clone(),
        certificate_name: c.certificate_name.clone(),
        learner_name: c.learner_name.clone(),
        course_title: c.course_title.clone(),
        facts,
        code: grouped(&c.code),
        verify_url: p.verify_url.clone(),
        stamp: (c.status == Standing::Revoked).then(|| w.revoked.to_owned()),
        words: doc.certificate_words(),
    }
}

/// The PDF as a download named after the code.
pub fn response(p: &Printable) -> Result<Response, trainyard_pdf::PdfError> {
    let bytes = trainyard_pdf::certificate(&print(p))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "inline; filename=\"certificate-{}.pdf\"",
                    p.certificate.code
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}
