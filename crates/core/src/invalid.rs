//! Validation failures that name the field and say what is wrong in plain words.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// One or more fields that failed validation. Collected so that a form shows every problem at once.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{}", self.summary())]
pub struct Invalid {
    pub errors: Vec<FieldError>,
}

impl Invalid {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let mut e = Self::new();
        e.add(field, message);
        e
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// Returns `Ok(value)` when no error was collected.
    pub fn or_ok<T>(self, value: T) -> Result<T, Self> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }

    /// Runs a parser, records its error under `field`, and returns the value when it parsed.
    pub fn check<T, E: std::fmt::Display>(&mut self, field: &str, r: Result<T, E>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(field, e.to_string());
                None
            }
        }
    }

    pub fn message_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    pub fn summary(&self) -> String {
        self.errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Text helpers shared by the record validators.
pub mod text {
    /// Trimmed, non-empty, at most `max` characters.
    pub fn required(value: &str, max: usize) -> Result<String, String> {
        let v = value.trim();
        if v.is_empty() {
            return Err("is required".into());
        }
        if v.chars().count() > max {
            return Err(format!("must be at most {max} characters"));
        }
        if v.chars().any(|c| c.is_control()) {
            return Err("must not contain control characters".into());
        }
        Ok(v.to_owned())
    }

    /// Trimmed; empty becomes `None`.
    pub fn optional(value: &str, max: usize) -> Result<Option<String>, String> {
        let v = value.trim();
        if v.is_empty() {
            return Ok(None);
        }
        if v.chars().count() > max {
            return Err(format!("must be at most {max} characters"));
        }
        Ok(Some(v.to_owned()))
    }

    /// Long free text (notes, descriptions): newlines allowed.
    pub fn notes(value: &str, max: usize) -> Result<String, String> {
        let v = value.trim();
        if v.chars().count() > max {
            return Err(format!("must be at most {max} characters"));
        }
        Ok(v.to_owned())
    }

    /// A short code: letters, digits, '-' and '_', stored upper-case.
    pub fn code(value: &str, max: usize) -> Result<String, String> {
        let v = required(value, max)?;
        if !v
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err("may contain only letters, digits, '-' and '_'".into());
        }
        Ok(v.to_ascii_uppercase())
    }

    pub fn int_in(value: i64, min: i64, max: i64) -> Result<i64, String> {
        if value < min || value > max {
            return Err(format!("must be between {min} and {max}"));
        }
        Ok(value)
    }
}

/// Reads a field as text whatever JSON type it arrives as: a form sends `"12"`, an API client
/// `12`; both mean the same. `null` is empty. Objects and arrays are refused with a clear message.
pub fn lenient<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    struct Text;
    impl<'de> serde::de::Visitor<'de> for Text {
        type Value = String;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a string, number or boolean")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_owned())
        }
        fn visit_string<E: serde::de::Error>(self, v: String) -> Result<String, E> {
            Ok(v)
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<String, E> {
            Ok(String::new())
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<String, E> {
            Ok(String::new())
        }
        fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
            lenient(d)
        }
    }
    d.deserialize_any(Text)
}
