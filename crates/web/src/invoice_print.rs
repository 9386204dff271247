//! An invoice or credit note's PDF as an HTTP download (the layout is the app's
//! `invoice_print`). Shared by the page route and the API.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use trainyard_app::invoice_print;
use trainyard_app::invoicing::Printable;

/// The PDF as a download named after the document's number.
pub fn response(p: &Printable) -> Result<Response, invoice_print::PdfError> {
    let bytes = invoice_print::pdf(p)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{}\"", invoice_print::file_name(p)),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// A quote's PDF as a download named after its number.
pub fn quote_response(
    p: &trainyard_app::quotes::Printable,
) -> Result<Response, invoice_print::PdfError> {
    let bytes = trainyard_app::quotes::pdf(p)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "inline; filename=\"{}\"",
                    trainyard_app::quotes::file_name(p)
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}
