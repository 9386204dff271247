//! The accounting export: every invoice and credit note issued in a period with its lines, as JSON
//! and as one CSV layout that accounting packages import (one row per line, the document repeated
//! on each row, amounts as plain decimals, tax per line summing exactly to the document's tax).

use crate::{App, AppError, Caller};
use chrono::NaiveDate;
use trainyard_core::invoice::{self, line_taxes};
use trainyard_core::money::Money;
use trainyard_core::status::InvoiceKind;
use trainyard_store::invoice_export::{self as repo, IssuedLine};

/// The CSV's columns, in order (documented in the README and on the invoices page).
pub const CSV_COLUMNS: [&str; 20] = [
    "document_type",
    "number",
    "issued_on",
    "due_on",
    "status",
    "client_code",
    "client_name",
    "credits_number",
    "currency",
    "line",
    "description",
    "quantity",
    "unit_price",
    "net",
    "tax_rate",
    "tax",
    "gross",
    "document_net",
    "document_tax",
    "document_gross",
];

/// A period's issued documents.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AccountingExport {
    #[schema(value_type = String, format = Date)]
    pub from: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub to: NaiveDate,
    pub documents: Vec<ExportDocument>,
}

/// One invoice or credit note as issued.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ExportDocument {
    /// `invoice` or `credit_note`.
    pub document_type: InvoiceKind,
    pub number: String,
    #[schema(format = Date)]
    pub issued_on: String,
    #[schema(format = Date)]
    pub due_on: String,
    /// Where it stands today (issued, partly paid, paid, credited).
    pub status: String,
    pub client_code: String,
    pub client_name: String,
    /// A credit note: the invoice it credits.
    pub credits_number: Option<String>,
    pub currency: String,
    /// Decimal strings in the currency's minor units ("1180.00"); negative on credit notes.
    pub net: String,
    pub tax: String,
    pub gross: String,
    pub lines: Vec<ExportLine>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ExportLine {
    pub line: i64,
    pub description: String,
    /// "1", "1.5".
    pub quantity: String,
    pub unit_price: String,
    pub net: String,
    /// Percent: "19", "7.7".
    pub tax_rate: String,
    /// This line's share of its rate's tax: a document's line taxes sum to its tax exactly.
    pub tax: String,
    pub gross: String,
}

/// Parses the period (`YYYY-MM-DD`, inclusive) and refuses one backwards or longer than 3 years.
pub fn period(from: &str, to: &str) -> Result<(NaiveDate, NaiveDate), AppError> {
    let day = |name: &'static str, raw: &str| {
        NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| AppError::BadParameter {
            name,
            message: format!(
                "'{}' is not a date (YYYY-MM-DD)",
                raw.trim().chars().take(20).collect::<String>()
            ),
        })
    };
    let (from, to) = (day("from", from)?, day("to", to)?);
    if to < from {
        return Err(AppError::BadParameter {
            name: "to",
            message: format!("{to} is before {from}"),
        });
    }
    if (to - from).num_days() > 3 * 366 {
        return Err(AppError::BadParameter {
            name: "to",
            message: "a period is at most three years: export it in parts".into(),
        });
    }
    Ok((from, to))
}

/// The documents issued from `from` to `to` (`YYYY-MM-DD`, inclusive): finance, managers and
/// admins only.
pub async fn export(
    app: &App,
    caller: &Caller,
    from: &str,
    to: &str,
) -> Result<AccountingExport, AppError> {
    caller.require(caller.sees_finance(), "export invoices")?;
    let (from, to) = period(from, to)?;
    let mut conn = app.store.read().await?;
    let rows = repo::issued_lines(&mut conn, &from.to_string(), &to.to_string()).await?;
    Ok(AccountingExport {
        from,
        to,
        documents: documents(rows),
    })
}

fn documents(rows: Vec<IssuedLine>) -> Vec<ExportDocument> {
    let mut groups: Vec<Vec<IssuedLine>> = Vec::new();
    for r in rows {
        match groups.last_mut() {
            Some(g) if g[0].invoice_id == r.invoice_id => g.push(r),
            _ => groups.push(vec![r]),
        }
    }
    groups
        .into_iter()
        .map(|g| {
            let d = &g[0];
            let money = |minor: i64| Money::new(minor, d.currency).amount_string();
            let lines: Vec<_> = g.iter().map(|r| r.line.clone()).collect();
            let taxes = line_taxes(&lines);
            ExportDocument {
                document_type: d.kind,
                number: d.number.clone(),
                issued_on: d.issued_on.clone(),
                due_on: d.due_on.clone(),
                status: d.status.as_str().to_owned(),
                client_code: d.client_code.clone(),
                client_name: d.client_name.clone(),
                credits_number: d.credits_number.clone(),
                currency: d.currency.as_str().to_owned(),
                net: money(d.net_minor),
                tax: money(d.tax_minor),
                gross: money(d.gross_minor),
                lines: g
                    .iter()
                    .zip(taxes)
                    .map(|(r, tax)| {
                        let net = r.line.net();
                        ExportLine {
                            line: r.position,
                            description: r.line.description.clone(),
                            quantity: invoice::quantity_string(r.line.quantity),
                            unit_price: money(r.line.unit_minor),
                            net: money(net),
                            tax_rate: invoice::rate_string(r.line.tax_rate)
                                .trim_end_matches(" %")
                                .to_owned(),
                            tax: money(tax),
                            gross: money(net + tax),
                        }
                    })
                    .collect(),
            }
        })
        .collect()
}

/// The CSV layout: [`CSV_COLUMNS`], one row per line.
pub fn csv(e: &AccountingExport) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(CSV_COLUMNS);
    for d in &e.documents {
        for l in &d.lines {
            let _ = w.write_record([
                d.document_type.as_str(),
                &d.number,
                &d.issued_on,
                &d.due_on,
                &d.status,
                &d.client_code,
                &d.client_name,
                d.credits_number.as_deref().unwrap_or(""),
                &d.currency,
                &l.line.to_string(),
                &l.description,
                &l.quantity,
                &l.unit_price,
                &l.net,
                &l.tax_rate,
                &l.tax,
                &l.gross,
                &d.net,
                &d.tax,
                &d.gross,
            ]);
        }
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_checked() {
        assert!(period("2027-01-01", "2027-01-31").is_ok());
        assert!(matches!(
            period("2027-02-01", "2027-01-31"),
            Err(AppError::BadParameter { name: "to", .. })
        ));
        assert!(matches!(
            period("01.01.2027", "2027-01-31"),
            Err(AppError::BadParameter { name: "from", .. })
        ));
        assert!(matches!(
            period("2020-01-01", "2027-01-31"),
            Err(AppError::BadParameter { name: "to", .. })
        ));
    }
}
