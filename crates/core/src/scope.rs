//! What an API token may do: its scopes, and the one table that says which scope each API
//! operation needs.
//!
//! A token holds `read` (every read, in any area) and/or areas (`scheduling`, `enrollment`,
//! `finance`, `reports`, `admin`; an area scope reads and writes that area). Scopes only ever
//! narrow a token: its user's role still decides what the request may do.

use crate::Invalid;
use std::fmt;

/// A part of the product an API operation belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Area {
    Scheduling,
    Enrollment,
    Finance,
    Reports,
    Admin,
}

impl Area {
    pub const ALL: [Area; 5] = [
        Area::Scheduling,
        Area::Enrollment,
        Area::Finance,
        Area::Reports,
        Area::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Area::Scheduling => "scheduling",
            Area::Enrollment => "enrollment",
            Area::Finance => "finance",
            Area::Reports => "reports",
            Area::Admin => "admin",
        }
    }
}

/// One scope a token may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// Every read operation, in every area.
    Read,
    /// Reads and writes in one area.
    Area(Area),
}

impl Scope {
    pub const ALL: [Scope; 6] = [
        Scope::Read,
        Scope::Area(Area::Scheduling),
        Scope::Area(Area::Enrollment),
        Scope::Area(Area::Finance),
        Scope::Area(Area::Reports),
        Scope::Area(Area::Admin),
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Area(a) => a.as_str(),
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Self::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The scopes of one token, kept sorted and without repeats.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scopes(Vec<Scope>);

impl Scopes {
    /// Every scope: what tokens made before scopes existed, and the command line's default.
    pub fn all() -> Self {
        Self(Scope::ALL.to_vec())
    }

    pub fn new(list: impl IntoIterator<Item = Scope>) -> Self {
        let mut v: Vec<Scope> = list.into_iter().collect();
        v.sort();
        v.dedup();
        Self(v)
    }

    /// Names separated by spaces or commas (the stored form, the CLI's and the forms'). Unknown
    /// names and an empty list are refused, naming the field.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let mut list = Vec::new();
        for name in text
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
        {
            match Scope::parse(name) {
                Some(s) => list.push(s),
                None => {
                    return Err(Invalid::field(
                        "scopes",
                        format!(
                            "'{}' is not a scope (read, scheduling, enrollment, finance, reports, admin)",
                            name.chars().take(40).collect::<String>()
                        ),
                    ));
                }
            }
        }
        if list.is_empty() {
            return Err(Invalid::field("scopes", "choose at least one scope"));
        }
        Ok(Self::new(list))
    }

    pub fn iter(&self) -> impl Iterator<Item = Scope> + '_ {
        self.0.iter().copied()
    }

    pub fn contains(&self, s: Scope) -> bool {
        self.0.contains(&s)
    }

    /// Whether every scope of `other` is one of these: a token never mints a wider one.
    pub fn covers(&self, other: &Scopes) -> bool {
        other.iter().all(|s| self.contains(s))
    }

    pub fn is_all(&self) -> bool {
        Scope::ALL.iter().all(|s| self.contains(*s))
    }

    /// Whether these scopes allow an operation; `Err` names the scope it lacks.
    pub fn allow(&self, need: Need) -> Result<(), MissingScope> {
        match need {
            Need::AnyToken => Ok(()),
            Need::Read(a) if self.contains(Scope::Read) || self.contains(Scope::Area(a)) => Ok(()),
            Need::Write(a) if self.contains(Scope::Area(a)) => Ok(()),
            Need::Read(a) | Need::Write(a) => Err(MissingScope(need, a)),
        }
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.iter().map(Scope::as_str).collect();
        f.write_str(&names.join(" "))
    }
}

/// What an operation needs of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Any live token (who am I).
    AnyToken,
    /// `read`, or the area's scope.
    Read(Area),
    /// The area's scope.
    Write(Area),
}

impl Need {
    /// The scope named in the OpenAPI document (`x-required-scope`) and in a refusal.
    pub fn scope(self) -> Option<Scope> {
        match self {
            Need::AnyToken => None,
            Need::Read(a) | Need::Write(a) => Some(Scope::Area(a)),
        }
    }

    /// Every scope that would do, the first the area's own.
    pub fn accepted(self) -> Vec<Scope> {
        match self {
            Need::AnyToken => Vec::new(),
            Need::Read(a) => vec![Scope::Area(a), Scope::Read],
            Need::Write(a) => vec![Scope::Area(a)],
        }
    }
}

/// The refusal of an operation for want of a scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MissingScope(pub Need, pub Area);

impl fmt::Display for MissingScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Need::Read(_) => write!(
                f,
                "this API token lacks the scope '{}' (or 'read') that this operation needs",
                self.1.as_str()
            ),
            _ => write!(
                f,
                "this API token lacks the scope '{}' that this operation needs",
                self.1.as_str()
            ),
        }
    }
}

impl std::error::Error for MissingScope {}

/// THE table: the area of every API operation, by the OpenAPI tag it is filed under (each
/// operation has exactly one). `None`: any live token may call it. An operation whose tag has
/// no row here is refused to every token, and the API's tests fail naming the tag.
pub const AREA_OF_TAG: &[(&str, Option<Area>)] = &[
    ("account", None),
    ("api tokens", Some(Area::Admin)),
    ("users", Some(Area::Admin)),
    ("webhooks", Some(Area::Admin)),
    ("messages", Some(Area::Admin)),
    ("single sign-on", Some(Area::Admin)),
    // Onboarding moves every kind of record at once; the LRS is a connection like the webhooks.
    ("imports", Some(Area::Admin)),
    ("xapi", Some(Area::Admin)),
    ("courses", Some(Area::Scheduling)),
    ("venues", Some(Area::Scheduling)),
    ("resources", Some(Area::Scheduling)),
    ("instructors", Some(Area::Scheduling)),
    ("programs", Some(Area::Scheduling)),
    ("sessions", Some(Area::Scheduling)),
    ("assignments", Some(Area::Scheduling)),
    ("bookings", Some(Area::Scheduling)),
    ("schedule", Some(Area::Scheduling)),
    ("planning", Some(Area::Scheduling)),
    ("calendar feeds", Some(Area::Scheduling)),
    ("compliance", Some(Area::Scheduling)),
    ("clients", Some(Area::Enrollment)),
    ("learners", Some(Area::Enrollment)),
    ("enrollments", Some(Area::Enrollment)),
    ("certificates", Some(Area::Enrollment)),
    ("feedback", Some(Area::Enrollment)),
    ("invoices", Some(Area::Finance)),
    ("quotes", Some(Area::Finance)),
    ("costs", Some(Area::Finance)),
    ("budgets", Some(Area::Finance)),
    ("agreements", Some(Area::Finance)),
    ("prices", Some(Area::Finance)),
    ("reports", Some(Area::Reports)),
    ("audit", Some(Area::Reports)),
];

/// What an operation filed under `tag` needs, reading (GET, HEAD) or not; `None` for a tag
/// without a row.
pub fn need_of(tag: &str, reads: bool) -> Option<Need> {
    let (_, area) = AREA_OF_TAG.iter().find(|(t, _)| *t == tag)?;
    Some(match area {
        None => Need::AnyToken,
        Some(a) if reads => Need::Read(*a),
        Some(a) => Need::Write(*a),
    })
}

/// How long a new token lives, in days: 1 to 366, 90 when not said.
pub const DEFAULT_TOKEN_DAYS: i64 = 90;

pub fn token_days(days: Option<i64>) -> Result<i64, Invalid> {
    match days.unwrap_or(DEFAULT_TOKEN_DAYS) {
        d @ 1..=366 => Ok(d),
        _ => Err(Invalid::field(
            "expires_in_days",
            "must be from 1 to 366 days",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_allows_every_read_and_no_write() {
        let read = Scopes::parse("read").unwrap();
        for a in Area::ALL {
            assert!(read.allow(Need::Read(a)).is_ok());
            let e = read.allow(Need::Write(a)).unwrap_err();
            assert!(e.to_string().contains(a.as_str()));
        }
        assert!(read.allow(Need::AnyToken).is_ok());
    }

    #[test]
    fn an_area_reads_and_writes_only_itself() {
        let s = Scopes::parse("finance").unwrap();
        assert!(s.allow(Need::Read(Area::Finance)).is_ok());
        assert!(s.allow(Need::Write(Area::Finance)).is_ok());
        assert!(s.allow(Need::Read(Area::Scheduling)).is_err());
        assert!(s.allow(Need::Write(Area::Scheduling)).is_err());
    }

    #[test]
    fn scopes_parse_and_print_round_trip() {
        let s = Scopes::parse(" reports,read  finance read").unwrap();
        assert_eq!(s.to_string(), "read finance reports");
        assert_eq!(Scopes::parse(&s.to_string()).unwrap(), s);
        assert_eq!(
            Scopes::parse(&Scopes::all().to_string()).unwrap(),
            Scopes::all()
        );
        assert!(Scopes::parse("").is_err());
        assert!(Scopes::parse("read write").is_err());
    }

    #[test]
    fn a_token_covers_only_subsets() {
        let s = Scopes::parse("read finance").unwrap();
        assert!(s.covers(&Scopes::parse("finance").unwrap()));
        assert!(!s.covers(&Scopes::parse("finance admin").unwrap()));
        assert!(Scopes::all().is_all() && !s.is_all());
    }

    #[test]
    fn every_tag_has_one_row() {
        let mut tags: Vec<&str> = AREA_OF_TAG.iter().map(|(t, _)| *t).collect();
        tags.sort();
        let n = tags.len();
        tags.dedup();
        assert_eq!(n, tags.len());
        assert_eq!(need_of("invoices", false), Some(Need::Write(Area::Finance)));
        assert_eq!(need_of("account", false), Some(Need::AnyToken));
        assert_eq!(need_of("no such tag", true), None);
    }

    #[test]
    fn token_lifetimes_are_bounded() {
        assert_eq!(token_days(None).unwrap(), 90);
        assert_eq!(token_days(Some(366)).unwrap(), 366);
        assert!(token_days(Some(0)).is_err());
        assert!(token_days(Some(367)).is_err());
    }
}
