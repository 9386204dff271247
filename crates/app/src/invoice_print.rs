//! An invoice or credit note as the PDF the client receives: the document's facts put into the
//! printed layout's words, in the client's language (else the company's) with its dates and
//! money (`crate::documents`). The page, the API and the e-mail that sends it all print here.

use crate::documents::Doc;
use crate::invoicing::Printable;
use trainyard_core::status::InvoiceKind;
use trainyard_pdf::{InvoicePrint, PrintLine};

pub use trainyard_pdf::PdfError;

pub fn print(p: &Printable) -> InvoicePrint {
    let inv = &p.detail.invoice;
    let doc = Doc::new(&p.language);
    let w = doc.words;
    let credit = inv.kind == InvoiceKind::CreditNote;
    let number = inv
        .number
        .clone()
        .unwrap_or_else(|| format!("{} #{}", w.draft, inv.id));
    let mut facts = Vec::new();
    if let Some(d) = &inv.issued_on {
        facts.push((w.issued.to_owned(), doc.date(d)));
    }
    if !credit && let Some(d) = &inv.due_on {
        facts.push((w.due.to_owned(), doc.date(d)));
    }
    if let Some(r) = &inv.session_reference {
        facts.push((w.session.to_owned(), r.clone()));
    }
    let mut totals = vec![(w.net.to_owned(), doc.money(&inv.net))];
    for b in &p.detail.tax_bands {
        totals.push((
            doc.fill(
                w.tax_on,
                &[("rate", &doc.number(&b.rate)), ("net", &doc.money(&b.net))],
            ),
            doc.money(&b.tax),
        ));
    }
    totals.push((w.total.to_owned(), doc.money(&inv.gross)));
    let mut footer = Vec::new();
    if credit {
        footer.push(w.credit_footer.to_owned());
    } else if let Some(due) = &inv.due_on {
        footer.push(doc.fill(
            w.pay_footer,
            &[
                ("amount", &doc.money(&inv.gross)),
                ("due", &doc.date(due)),
                ("number", &number),
            ],
        ));
    }
    if !inv.notes.is_empty() {
        footer.push(inv.notes.clone());
    }
    InvoicePrint {
        title: if credit { w.credit_note } else { w.invoice }.to_owned(),
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
                quantity: doc.number(&l.quantity),
                unit_price: doc.money(&l.unit_price),
                tax_rate: doc.number(&l.tax_rate),
                net: doc.money(&l.net),
            })
            .collect(),
        totals,
        footer,
        headings: doc.headings(),
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
