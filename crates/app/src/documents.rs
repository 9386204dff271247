//! The printed documents' words and formats in their recipient's language: an invoice, credit
//! note or quote reads in its client's language (else the company's, else English), with dates
//! and money the way that language writes them (`06.12.2026`, `1.234,50 €`). One catalogue per
//! language below; a language without one prints in English, in its own locale's formats.

use trainyard_core::Money;
use trainyard_core::locale::{LanguageTag, Locale};

/// The words of the printed documents in one language.
pub struct DocWords {
    pub invoice: &'static str,
    pub credit_note: &'static str,
    pub quote: &'static str,
    pub draft: &'static str,
    pub issued: &'static str,
    pub due: &'static str,
    pub session: &'static str,
    pub sent: &'static str,
    pub valid_until: &'static str,
    pub start_week: &'static str,
    pub offer: &'static str,
    pub net: &'static str,
    pub total: &'static str,
    /// "Tax {rate} on {net}".
    pub tax_on: &'static str,
    pub credit_footer: &'static str,
    /// "Please pay {amount} by {due}, quoting the reference {number}."
    pub pay_footer: &'static str,
    /// "This quote is valid until {until}. Accept or decline it in your portal: {link}"
    pub quote_footer: &'static str,
    /// "{n} session" / "{n} sessions"
    pub session_one: &'static str,
    pub sessions_many: &'static str,
    /// " × {n} seats"
    pub seats: &'static str,
    /// ", {discount} off"
    pub discount: &'static str,
    pub per_seat: &'static str,
    pub per_session: &'static str,
    // The table's headings.
    pub bill_to: &'static str,
    pub description: &'static str,
    pub quantity: &'static str,
    pub unit_price: &'static str,
    pub tax: &'static str,
    pub net_column: &'static str,
    pub continued: &'static str,
    // Certificates.
    pub certificate: &'static str,
    pub certifies: &'static str,
    pub completed: &'static str,
    pub verification_code: &'static str,
    pub check_at: &'static str,
    pub issued_on: &'static str,
    pub no_expiry: &'static str,
    pub instructor: &'static str,
    pub revoked: &'static str,
}

pub const ENGLISH: DocWords = DocWords {
    invoice: "Invoice",
    credit_note: "Credit note",
    quote: "Quote",
    draft: "DRAFT",
    issued: "Issued",
    due: "Due",
    session: "Session",
    sent: "Sent",
    valid_until: "Valid until",
    start_week: "Start (week of)",
    offer: "Offer",
    net: "Net",
    total: "Total",
    tax_on: "Tax {rate} on {net}",
    credit_footer: "This credit note reduces what is owed on the invoice it corrects.",
    pay_footer: "Please pay {amount} by {due}, quoting the reference {number}.",
    quote_footer: "This quote is valid until {until}. Accept or decline it in your portal: {link}",
    session_one: "{n} session",
    sessions_many: "{n} sessions",
    seats: " × {n} seats",
    discount: ", {discount} off",
    per_seat: "per seat",
    per_session: "per session",
    bill_to: "Bill to",
    description: "Description",
    quantity: "Quantity",
    unit_price: "Unit price",
    tax: "Tax",
    net_column: "Net",
    continued: "continued",
    certificate: "Certificate",
    certifies: "This certifies that",
    completed: "has successfully completed",
    verification_code: "Verification code",
    check_at: "Check it at",
    issued_on: "Issued on",
    no_expiry: "no expiry",
    instructor: "Instructor",
    revoked: "REVOKED",
};

pub const GERMAN: DocWords = DocWords {
    invoice: "Rechnung",
    credit_note: "Gutschrift",
    quote: "Angebot",
    draft: "ENTWURF",
    issued: "Rechnungsdatum",
    due: "Fällig am",
    session: "Termin",
    sent: "Versandt am",
    valid_until: "Gültig bis",
    start_week: "Beginn (Woche ab)",
    offer: "Leistung",
    net: "Netto",
    total: "Gesamtbetrag",
    tax_on: "USt. {rate} auf {net}",
    credit_footer: "Diese Gutschrift mindert den Betrag der Rechnung, die sie korrigiert.",
    pay_footer: "Bitte überweisen Sie {amount} bis zum {due} unter Angabe der Referenz {number}.",
    quote_footer: "Dieses Angebot gilt bis zum {until}. Nehmen Sie es in Ihrem Portal an oder lehnen Sie es ab: {link}",
    session_one: "{n} Termin",
    sessions_many: "{n} Termine",
    seats: " × {n} Plätze",
    discount: ", {discount} Rabatt",
    per_seat: "pro Platz",
    per_session: "pro Termin",
    bill_to: "Rechnungsempfänger",
    description: "Beschreibung",
    quantity: "Menge",
    unit_price: "Einzelpreis",
    tax: "USt.",
    net_column: "Netto",
    continued: "Fortsetzung",
    certificate: "Zertifikat",
    certifies: "Hiermit wird bestätigt, dass",
    completed: "erfolgreich teilgenommen hat an",
    verification_code: "Prüfcode",
    check_at: "Prüfen unter",
    issued_on: "Ausgestellt am",
    no_expiry: "unbefristet",
    instructor: "Trainer",
    revoked: "WIDERRUFEN",
};

/// A document's words and formats, for one recipient.
#[derive(Clone, Copy)]
pub struct Doc {
    pub words: &'static DocWords,
    pub locale: Locale,
}

impl Doc {
    /// The words and formats of `tag` (German for `de*`, English words otherwise).
    pub fn new(tag: &LanguageTag) -> Self {
        Self {
            words: match tag.language() {
                "de" => &GERMAN,
                _ => &ENGLISH,
            },
            locale: Locale::for_tag(tag),
        }
    }

    /// A stored ISO day (`2026-12-06`) the recipient's way; anything else as it is.
    pub fn date(&self, iso: &str) -> String {
        chrono::NaiveDate::parse_from_str(iso.trim(), "%Y-%m-%d")
            .map(|d| self.locale.date(d))
            .unwrap_or_else(|_| iso.to_owned())
    }

    pub fn money(&self, m: &Money) -> String {
        self.locale.money(m)
    }

    /// A stored decimal (`1.5`, `19 %`) with the recipient's decimal mark.
    pub fn number(&self, plain: &str) -> String {
        let mark = self.locale.decimal(1, 1).chars().nth(1).unwrap_or('.');
        if mark == '.' {
            plain.to_owned()
        } else {
            plain.replace('.', &mark.to_string())
        }
    }

    /// `pattern` with its `{name}`s replaced.
    pub fn fill(&self, pattern: &str, args: &[(&str, &str)]) -> String {
        let mut out = pattern.to_owned();
        for (k, v) in args {
            out = out.replace(&format!("{{{k}}}"), v);
        }
        out
    }

    /// The fixed words of a certificate.
    pub fn certificate_words(&self) -> trainyard_pdf::CertificateWords {
        let w = self.words;
        trainyard_pdf::CertificateWords {
            title: w.certificate.into(),
            certifies: w.certifies.into(),
            completed: w.completed.into(),
            verification_code: w.verification_code.into(),
            check_at: w.check_at.into(),
        }
    }

    /// The headings of the document's table and address block.
    pub fn headings(&self) -> trainyard_pdf::PrintHeadings {
        let w = self.words;
        trainyard_pdf::PrintHeadings {
            bill_to: w.bill_to.into(),
            description: w.description.into(),
            quantity: w.quantity.into(),
            unit_price: w.unit_price.into(),
            tax: w.tax.into(),
            net: w.net_column.into(),
            continued: w.continued.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use trainyard_core::money::Currency;

    #[test]
    fn a_german_document_writes_german_dates_and_money() {
        let de = Doc::new(&LanguageTag::parse("de").unwrap());
        assert_eq!(de.words.invoice, "Rechnung");
        assert_eq!(de.date("2026-12-06"), "06.12.2026");
        assert_eq!(
            de.money(&Money::new(123450, Currency::EUR)),
            "1.234,50\u{a0}€"
        );
        assert_eq!(de.number("7.5 %"), "7,5 %");
        let en = Doc::new(&LanguageTag::parse("es").unwrap());
        assert_eq!(en.words.invoice, "Invoice");
        assert_eq!(en.date("2026-12-06"), "06/12/2026");
        assert_eq!(
            en.fill(en.words.tax_on, &[("rate", "19 %"), ("net", "x")]),
            "Tax 19 % on x"
        );
    }
}
