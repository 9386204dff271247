//! The accounting export's one query: every line of every invoice and credit note issued in a
//! period, with its document and client, in issue order.

use crate::courses::decode_err;
use crate::row::Col;
use crate::{Conn, StoreError};
use trainyard_core::invoice::Line;
use trainyard_core::money::Currency;
use trainyard_core::status::{InvoiceKind, InvoiceStatus};

/// One line with the document it is on.
#[derive(Debug, Clone)]
pub struct IssuedLine {
    pub invoice_id: i64,
    pub kind: InvoiceKind,
    pub number: String,
    pub issued_on: String,
    pub due_on: String,
    pub status: InvoiceStatus,
    pub currency: Currency,
    pub client_code: String,
    pub client_name: String,
    /// A credit note: the number of the invoice it credits.
    pub credits_number: Option<String>,
    pub net_minor: i64,
    pub tax_minor: i64,
    pub gross_minor: i64,
    pub position: i64,
    pub line: Line,
}

/// Lines of documents issued from `from` to `to` (inclusive days, `YYYY-MM-DD`).
pub async fn issued_lines(
    conn: &mut Conn,
    from: &str,
    to: &str,
) -> Result<Vec<IssuedLine>, StoreError> {
    let q = sqlx::query(
        "SELECT i.id, i.kind, i.number, i.issued_on, i.due_on, i.status, i.currency, \
                i.net_minor, i.tax_minor, i.gross_minor, c.code AS client_code, c.name AS client_name, \
                cr.number AS credits_number, l.position, l.description, l.quantity_milli, l.unit_minor, l.tax_rate_bp \
         FROM invoices i \
         JOIN clients c ON c.id = i.client_id \
         JOIN invoice_lines l ON l.invoice_id = i.id \
         LEFT JOIN invoices cr ON cr.id = i.credits_invoice_id \
         WHERE i.number IS NOT NULL AND i.issued_on >= $1 AND i.issued_on <= $2 \
         ORDER BY i.issued_on, i.number, l.position",
    )
    .bind(from.to_owned())
    .bind(to.to_owned());
    crate::row::fetch_all(conn, q, |r| {
        Ok(IssuedLine {
            invoice_id: r.i("id")?,
            kind: InvoiceKind::parse(&r.s("kind")?).map_err(decode_err)?,
            number: r.s("number")?,
            issued_on: r.os("issued_on")?.unwrap_or_default(),
            due_on: r.os("due_on")?.unwrap_or_default(),
            status: InvoiceStatus::parse(&r.s("status")?).map_err(decode_err)?,
            currency: Currency::parse(&r.s("currency")?).map_err(decode_err)?,
            client_code: r.s("client_code")?,
            client_name: r.s("client_name")?,
            credits_number: r.os("credits_number")?,
            net_minor: r.i("net_minor")?,
            tax_minor: r.i("tax_minor")?,
            gross_minor: r.i("gross_minor")?,
            position: r.i("position")?,
            line: Line {
                description: r.s("description")?,
                quantity: r.i("quantity_milli")?,
                unit_minor: r.i("unit_minor")?,
                tax_rate: r.i("tax_rate_bp")?,
            },
        })
    })
    .await
}
