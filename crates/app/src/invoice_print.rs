//! An invoice or credit note as the PDF the client receives: the document's facts put into the
//! printed layout's words. The page, the API and the e-mail that sends it all print through here.

use crate::invoicing::Printable;
use trainyard_core::status::InvoiceKind;
use trainyard_pdf::{InvoicePrint, PrintLine};

pub use trainyard_pdf::PdfError;

pub fn print(p: &Printable) -> InvoicePrint {
    let inv = &p.detail.invoice;
    let credit = inv.kind == InvoiceKind::CreditNote;
    let number = inv
        .number
        .clone()
        .unwrap_or_else(|| format!("DRAFT #{}", inv.id));
    let mut facts = Vec::new();
    if let Some(d) = &inv.issued_on {
        facts.push(("Issued".to_owned(), d.clone()));
    }
    if !credit && let Some(d) = &inv.due_on {
        facts.push(("Due".to_owned(), d.clone()));
    }
    if let Some(r) = &inv.session_reference {
        facts.push(("Session".to_owned(), r.clone()));
    }
    let mut totals = vec![("Net".to_owned(), inv.net.to_string())];
    for b in &p.detail.tax_bands {
        totals.push((format!("Tax {} on {}", b.rate, b.net), b.tax.to_string()));
    }
    totals.push(("Total".to_owned(), inv.gross.to_string()));
    let mut footer = Vec::new();
    if credit {
        footer.push("This credit note reduces what is owed on the invoice it corrects.".to_owned());
    } else if let Some(due) = &inv.due_on {
        footer.push(format!(
            "Please pay {} by {due}, quoting the reference {number}.",
            inv.gross
        ));
    }
    if !inv.notes.is_empty() {
        footer.push(inv.notes.clone());
    }
    InvoicePrint {
        title: inv.kind.label().to_owned(),
        number,
        company_name: p.company_name.clone(),
        company_lines: [p.company_email.clone()]
            .into_iter()
            .filter(|l| !l.is_empty())
            .collect(),
        client_name: inv.client_name.clone(),
        client_lines: p
            .billing_address
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .chain(std::iter::once(p.billing_email.clone()))
            .collect(),
        facts,
        lines: p
            .detail
            .lines
            .iter()
            .map(|l| PrintLine {
                description: l.description.clone(),
                quantity: l.quantity.clone(),
                unit_price: l.unit_price.to_string(),
                tax_rate: l.tax_rate.clone(),
                net: l.net.to_string(),
            })
            .collect(),
        totals,
        footer,
    }
}

/// The PDF's bytes.
pub fn pdf(p: &Printable) -> Result<Vec<u8>, PdfError> {
    trainyard_pdf::invoice(&print(p))
}

/// The file name the PDF travels under: its number, or the draft's id.
pub fn file_name(p: &Printable) -> String {
    let inv = &p.detail.invoice;
    format!(
        "{}.pdf",
        inv.number
            .clone()
            .unwrap_or_else(|| format!("draft-{}", inv.id))
    )
}
