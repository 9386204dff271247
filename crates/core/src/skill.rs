//! Skills: the labels that connect a course's requirement to an instructor's skills and
//! qualifications. A skill is compared as written by nobody in particular — "LEAD", " Lead " and
//! "lead" are one skill — so every way in (course form, instructor form, qualification, import)
//! passes through `Skill::parse`, which is the only place that decides the canonical spelling.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The longest skill label accepted.
pub const MAX_CHARS: usize = 40;

/// A skill label in its canonical form: trimmed, inner whitespace collapsed to one space,
/// lower-cased (Unicode-aware).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Skill(String);

impl Skill {
    /// The canonical spelling of `raw` (possibly empty). Use `parse` where a skill is required.
    pub fn normalize(raw: &str) -> String {
        raw.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    }

    /// A skill from what a user typed; refuses an empty or over-long label.
    pub fn parse(raw: &str) -> Result<Skill, String> {
        let s = Self::normalize(raw);
        if s.is_empty() {
            return Err("is required".into());
        }
        if s.chars().count() > MAX_CHARS {
            return Err(format!("must be at most {MAX_CHARS} characters"));
        }
        Ok(Skill(s))
    }

    /// An optional skill: empty input is `None`.
    pub fn parse_optional(raw: &str) -> Result<Option<Skill>, String> {
        if raw.trim().is_empty() {
            Ok(None)
        } else {
            Self::parse(raw).map(Some)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    /// Whether two stored labels name the same skill, whatever spelling each was saved in.
    pub fn same(a: &str, b: &str) -> bool {
        Self::normalize(a) == Self::normalize(b)
    }
}

impl fmt::Display for Skill {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::ops::Deref for Skill {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Skill {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn one_spelling_per_skill() {
        for raw in ["LEAD", " lead ", "Lead", "lEaD\t"] {
            assert_eq!(Skill::parse(raw).unwrap().as_str(), "lead");
        }
        assert_eq!(
            Skill::parse("  Project   Management ").unwrap().as_str(),
            "project management"
        );
        assert_eq!(Skill::parse("ÜBERSICHT").unwrap().as_str(), "übersicht");
        assert!(Skill::same("LEAD", "lead"));
        assert!(!Skill::same("lead", "leadership"));
    }

    #[test]
    fn refuses_empty_and_long() {
        assert!(Skill::parse("  ").is_err());
        assert!(Skill::parse(&"x".repeat(41)).is_err());
        assert_eq!(Skill::parse_optional(" ").unwrap(), None);
    }
}
