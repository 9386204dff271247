//! A rule's "no", typed: the English sentence (what logs, the CLI and the API say) and the
//! catalogue key with the arguments the sentence needs, so that a page says it in the reader's
//! language (`refused-session-full = Session { $session } is full.` in `en.ftl`, its German in
//! `de.ftl`). Build one with [`refusal!`](crate::refusal!): the English wording is written once,
//! next to the rule, and a test of the web crate holds every `refusal!` of the sources to the same
//! wording in `en.ftl` and to a German sentence in `de.ftl`.
//!
//! A refusal without a key ([`Refusal::plain`]) is said in English everywhere.

/// Why a rule says no: see the module documentation. `Display` is the English sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{english}")]
pub struct Refusal {
    /// The catalogue key of the sentence (`refused-…`); empty for a refusal not in the catalogue.
    pub key: &'static str,
    /// The sentence's arguments by name, as the English sentence shows them.
    pub args: Vec<(&'static str, String)>,
    /// The sentence in English.
    pub english: String,
}

impl Refusal {
    /// A refusal in the catalogue: prefer [`refusal!`](crate::refusal!), which writes `english`
    /// and `args` from one format string.
    pub fn new(key: &'static str, english: String, args: Vec<(&'static str, String)>) -> Self {
        Self { key, args, english }
    }

    /// A refusal said in English only (not in the catalogue yet).
    pub fn plain(english: impl Into<String>) -> Self {
        Self {
            key: "",
            args: Vec::new(),
            english: english.into(),
        }
    }

    /// The argument `name`, if the sentence has it.
    pub fn arg(&self, name: &str) -> Option<&str> {
        self.args
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Compares the English sentence (as tests of the English wording do).
impl PartialEq<&str> for Refusal {
    fn eq(&self, other: &&str) -> bool {
        self.english == *other
    }
}

impl PartialEq<str> for Refusal {
    fn eq(&self, other: &str) -> bool {
        self.english == other
    }
}

impl From<String> for Refusal {
    fn from(english: String) -> Self {
        Self::plain(english)
    }
}

impl From<&str> for Refusal {
    fn from(english: &str) -> Self {
        Self::plain(english)
    }
}

/// `refusal!("refused-session-full", "Session {session} is full.", session = s.reference)`: a
/// [`Refusal`] with the catalogue key, the English sentence formatted from the literal, and each
/// named argument (formatted with `Display`) for the catalogue's `{ $session }`.
#[macro_export]
macro_rules! refusal {
    ($key:literal, $english:literal $(,)?) => {
        $crate::refusal::Refusal::new($key, String::from($english), Vec::new())
    };
    ($key:literal, $english:literal $(, $name:ident = $value:expr)+ $(,)?) => {{
        // Every value is evaluated before any name is bound, so a value may use a name that an
        // earlier argument also has (`week = week.week(), year = week.year()`).
        let ($($name,)*) = ($(&$value,)*);
        $crate::refusal::Refusal::new(
            $key,
            format!($english $(, $name = $name)*),
            vec![$((stringify!($name), $name.to_string())),*],
        )
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_macro_writes_the_english_sentence_and_its_arguments() {
        let reference = String::from("S-0042");
        let r = crate::refusal!(
            "refused-session-full",
            "Session {session} is full ({n} seats).",
            session = reference,
            n = 12,
        );
        assert_eq!(r.key, "refused-session-full");
        assert_eq!(r.to_string(), "Session S-0042 is full (12 seats).");
        assert_eq!(r.arg("session"), Some("S-0042"));
        assert_eq!(r.arg("n"), Some("12"));
        // The value was borrowed, not moved.
        assert_eq!(reference, "S-0042");
        let plain = Refusal::plain("No.");
        assert_eq!((plain.key, plain.to_string()), ("", "No.".to_owned()));
    }
}
