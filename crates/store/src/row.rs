use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

/// One page of a list, with the total that matched the filters.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

impl<T> Page<T> {
    pub fn pages(&self) -> i64 {
        ((self.total + self.per_page - 1) / self.per_page).max(1)
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            page: self.page,
            per_page: self.per_page,
        }
    }
}

/// Shorthands for reading columns through `Any`, which decodes only integers, floats and text.
pub(crate) trait Col {
    fn i(&self, name: &str) -> Result<i64, sqlx::Error>;
    fn oi(&self, name: &str) -> Result<Option<i64>, sqlx::Error>;
    fn s(&self, name: &str) -> Result<String, sqlx::Error>;
    fn os(&self, name: &str) -> Result<Option<String>, sqlx::Error>;
    fn b(&self, name: &str) -> Result<bool, sqlx::Error> {
        Ok(self.i(name)? != 0)
    }
}

impl Col for AnyRow {
    fn i(&self, name: &str) -> Result<i64, sqlx::Error> {
        self.try_get::<i64, _>(name)
    }
    fn oi(&self, name: &str) -> Result<Option<i64>, sqlx::Error> {
        self.try_get::<Option<i64>, _>(name)
    }
    fn s(&self, name: &str) -> Result<String, sqlx::Error> {
        self.try_get::<String, _>(name)
    }
    fn os(&self, name: &str) -> Result<Option<String>, sqlx::Error> {
        self.try_get::<Option<String>, _>(name)
    }
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern and wraps it for a contains-search.
pub(crate) fn contains_pattern(q: &str) -> String {
    let mut p = String::with_capacity(q.len() + 2);
    p.push('%');
    for c in q.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// Rows per page when the caller does not say.
pub const DEFAULT_PER_PAGE: i64 = 50;
/// The most rows one page holds: a larger `per_page` is refused ([`StoreError::BadParameter`]),
/// never silently reduced.
///
/// [`StoreError::BadParameter`]: crate::StoreError::BadParameter
pub const PAGE_LIMIT: i64 = 200;
/// The most rows an export (`format=csv`, or a use case that needs every row) returns. A list
/// with more matches is refused rather than cut short, so an export is never silently partial.
pub const MAX_PER_PAGE: i64 = 10_000;

/// Bounded paging: the page number (from 1) and its size, or every row for an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Paging {
    page: i64,
    per_page: i64,
    export: bool,
}

impl Paging {
    /// `page` and `per_page` as sent: 0 (absent, or empty in a form) means the first page and
    /// [`DEFAULT_PER_PAGE`]; negative numbers and pages over [`PAGE_LIMIT`] are refused. An
    /// export ignores both.
    pub(crate) fn new(page: i64, per_page: i64, export: bool) -> Result<Self, crate::StoreError> {
        if export {
            return Ok(Self {
                page: 1,
                per_page: MAX_PER_PAGE,
                export,
            });
        }
        if page < 0 {
            return Err(crate::StoreError::bad_parameter(
                "page",
                format!("{page} is not a page number (1 or more)"),
            ));
        }
        if !(0..=PAGE_LIMIT).contains(&per_page) {
            return Err(crate::StoreError::bad_parameter(
                "per_page",
                format!("{per_page} is not between 1 and {PAGE_LIMIT}"),
            ));
        }
        Ok(Self {
            page: page.max(1),
            per_page: if per_page == 0 {
                DEFAULT_PER_PAGE
            } else {
                per_page
            },
            export,
        })
    }
}

/// A statement with its bound values, as `sqlx::query` makes it.
pub(crate) type Query<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// Dynamic SQL with numbered `$n` placeholders, which both SQLite and PostgreSQL accept. Only
/// fixed fragments written in this crate are pushed as text; every value is bound.
pub(crate) struct Sql {
    text: String,
    args: Vec<Arg>,
}

enum Arg {
    I(i64),
    S(String),
    OI(Option<i64>),
    OS(Option<String>),
}

impl Sql {
    pub(crate) fn new(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            args: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, fragment: &str) -> &mut Self {
        self.text.push_str(fragment);
        self
    }

    pub(crate) fn int(&mut self, v: i64) -> &mut Self {
        self.args.push(Arg::I(v));
        self.text.push_str(&format!("${}", self.args.len()));
        self
    }

    pub(crate) fn text(&mut self, v: &str) -> &mut Self {
        self.args.push(Arg::S(v.to_owned()));
        self.text.push_str(&format!("${}", self.args.len()));
        self
    }

    pub(crate) fn opt_int(&mut self, v: Option<i64>) -> &mut Self {
        self.args.push(Arg::OI(v));
        self.text.push_str(&format!("${}", self.args.len()));
        self
    }

    pub(crate) fn opt_text(&mut self, v: Option<&str>) -> &mut Self {
        self.args.push(Arg::OS(v.map(str::to_owned)));
        self.text.push_str(&format!("${}", self.args.len()));
        self
    }

    pub(crate) fn query(&self) -> Query<'static> {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(self.text.clone()));
        for a in &self.args {
            q = match a {
                Arg::I(v) => q.bind(*v),
                Arg::S(s) => q.bind(s.clone()),
                Arg::OI(v) => q.bind(*v),
                Arg::OS(s) => q.bind(s.clone()),
            };
        }
        q
    }
}

/// Every row of `q`, each decoded by `map`.
pub(crate) async fn fetch_all<T>(
    conn: &mut crate::Conn,
    q: Query<'_>,
    map: impl Fn(&AnyRow) -> Result<T, sqlx::Error>,
) -> Result<Vec<T>, crate::StoreError> {
    let rows = q.fetch_all(&mut *conn).await?;
    Ok(rows.iter().map(map).collect::<Result<_, _>>()?)
}

/// A list query and the plan the database chose for it (see [`crate::testing::capture_plans`]).
#[derive(Debug, Clone)]
pub struct QueryPlan {
    /// The statement as sent, with `$n` placeholders.
    pub sql: String,
    /// SQLite's `EXPLAIN QUERY PLAN` details or PostgreSQL's `EXPLAIN` lines, one per line.
    pub plan: String,
    /// The `count(*)` of a page rather than the page itself.
    pub count: bool,
}

tokio::task_local! {
    /// Set only by [`crate::testing::capture_plans`]: list queries are explained into it as they run.
    pub(crate) static PLANS: std::cell::RefCell<Vec<QueryPlan>>;
}

/// Explains `q` into [`PLANS`] when a test is capturing plans; does nothing otherwise.
async fn explain_if_captured(
    conn: &mut crate::Conn,
    q: &Sql,
    count: bool,
) -> Result<(), crate::StoreError> {
    if PLANS.try_with(|_| ()).is_err() {
        return Ok(());
    }
    let sqlite = conn.backend_name().eq_ignore_ascii_case("sqlite");
    let explained = Sql {
        text: format!(
            "{}{}",
            if sqlite {
                "EXPLAIN QUERY PLAN "
            } else {
                "EXPLAIN "
            },
            q.text
        ),
        args: q
            .args
            .iter()
            .map(|a| match a {
                Arg::I(v) => Arg::I(*v),
                Arg::S(s) => Arg::S(s.clone()),
                Arg::OI(v) => Arg::OI(*v),
                Arg::OS(s) => Arg::OS(s.clone()),
            })
            .collect(),
    };
    let rows = explained.query().fetch_all(&mut *conn).await?;
    let mut plan = String::new();
    for r in &rows {
        let line: String = if sqlite {
            r.try_get::<String, _>(3)?
        } else {
            r.try_get::<String, _>(0)?
        };
        plan.push_str(&line);
        plan.push('\n');
    }
    let _ = PLANS.try_with(|p| {
        p.borrow_mut().push(QueryPlan {
            sql: q.text.clone(),
            plan,
            count,
        })
    });
    Ok(())
}

/// Appends `LIMIT/OFFSET` for a page and runs the matching `count(*)` built from the same filters.
/// An export reads one row past [`MAX_PER_PAGE`] to refuse a list it cannot return whole.
pub(crate) async fn paged<T>(
    conn: &mut crate::Conn,
    select: Sql,
    count: Sql,
    paging: Paging,
    map: impl Fn(&AnyRow) -> Result<T, sqlx::Error>,
) -> Result<Page<T>, crate::StoreError> {
    let Paging {
        page,
        per_page,
        export,
    } = paging;
    let mut select = select;
    select
        .push(" LIMIT ")
        .int(per_page + i64::from(export))
        .push(" OFFSET ")
        // Saturating: a page far past the end is an empty page, not an overflow.
        .int((page - 1).saturating_mul(per_page));
    explain_if_captured(conn, &select, false).await?;
    if !export {
        explain_if_captured(conn, &count, true).await?;
    }
    let rows = select.query().fetch_all(&mut *conn).await?;
    if export && rows.len() as i64 > per_page {
        return Err(crate::StoreError::bad_parameter(
            "format",
            format!(
                "an export holds at most {MAX_PER_PAGE} rows and more match: narrow the filters"
            ),
        ));
    }
    let items = rows.iter().map(map).collect::<Result<Vec<_>, _>>()?;
    let total = if page == 1 && (items.len() as i64) < per_page {
        items.len() as i64
    } else {
        count
            .query()
            .fetch_one(&mut *conn)
            .await?
            .try_get::<i64, _>(0)?
    };
    Ok(Page {
        items,
        total,
        page,
        per_page,
    })
}

/// The common list parameters: free-text search, archived records, sorting, paging and changes
/// since a moment. Values are checked by the list that reads them: an unknown `sort` or `dir`, a
/// page size over [`PAGE_LIMIT`] or an `updated_since` that is not RFC 3339 is refused with
/// [`StoreError::BadParameter`](crate::StoreError::BadParameter). Empty values mean "not given",
/// as HTML filter forms send every field.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ListParams {
    pub q: String,
    #[serde(deserialize_with = "flag")]
    pub archived: bool,
    pub sort: String,
    pub dir: String,
    #[serde(deserialize_with = "lenient_int")]
    pub page: i64,
    #[serde(deserialize_with = "lenient_int")]
    pub per_page: i64,
    /// An RFC 3339 instant: records changed at or after it, archived ones included, oldest change
    /// first (`updated_at, id`), so that a client pages through changes without gaps.
    pub updated_since: String,
    /// Every matching row (at most [`MAX_PER_PAGE`]) instead of a page: `format=csv` in a page's
    /// query string, or a use case that needs the whole list.
    #[serde(rename = "format", deserialize_with = "export_format")]
    pub export: bool,
}

impl ListParams {
    pub(crate) fn paging(&self) -> Result<Paging, crate::StoreError> {
        Paging::new(self.page, self.per_page, self.export)
    }

    /// `updated_since` as epoch milliseconds, `None` when not given.
    pub(crate) fn since(&self) -> Result<Option<i64>, crate::StoreError> {
        let raw = self.updated_since.trim();
        if raw.is_empty() {
            return Ok(None);
        }
        chrono::DateTime::parse_from_rfc3339(raw)
            .map(|t| Some(t.timestamp_millis()))
            .map_err(|_| {
                crate::StoreError::bad_parameter(
                    "updated_since",
                    format!(
                        "'{}' is not an RFC 3339 timestamp (such as 2026-03-01T09:00:00Z)",
                        crate::error::shown(raw)
                    ),
                )
            })
    }

    /// `ASC` or `DESC` from `dir`; empty means ascending.
    pub(crate) fn direction(&self) -> Result<&'static str, crate::StoreError> {
        match self.dir.trim() {
            "" | "asc" => Ok("ASC"),
            "desc" => Ok("DESC"),
            other => Err(crate::StoreError::unknown("dir", other, &["asc", "desc"])),
        }
    }
}

/// `format`: empty for a page, `csv` for an export of every row.
fn export_format<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    match <Option<String> as serde::Deserialize>::deserialize(d)?
        .as_deref()
        .map(str::trim)
    {
        None | Some("") => Ok(false),
        Some("csv") => Ok(true),
        Some(_) => Err(serde::de::Error::custom("format: expected csv")),
    }
}

/// Sets or clears `archived_at` with an optimistic version check.
pub(crate) async fn set_archived(
    conn: &mut crate::Conn,
    table: &'static str,
    id: i64,
    version: i64,
    archived_at: Option<i64>,
    now: i64,
) -> Result<(), crate::StoreError> {
    let mut q = Sql::new("UPDATE ");
    q.push(table).push(" SET archived_at = ");
    match archived_at {
        Some(t) => q.int(t),
        None => q.push("NULL"),
    };
    q.push(", updated_at = ")
        .int(now)
        .push(", version = version + 1 WHERE id = ")
        .int(id);
    q.push(" AND version = ").int(version);
    let n = q.query().execute(&mut *conn).await?.rows_affected();
    check_updated(conn, table, id, version, n).await
}

/// After an `UPDATE … WHERE id = ? AND version = ?`: zero rows means gone, or changed meanwhile.
pub(crate) async fn check_updated(
    conn: &mut crate::Conn,
    table: &'static str,
    id: i64,
    version: i64,
    rows: u64,
) -> Result<(), crate::StoreError> {
    if rows == 1 {
        return Ok(());
    }
    let mut q = Sql::new("SELECT count(*) FROM ");
    q.push(table).push(" WHERE id = ").int(id);
    let exists = q
        .query()
        .fetch_one(&mut *conn)
        .await?
        .try_get::<i64, _>(0)?
        > 0;
    Err(if exists {
        crate::StoreError::Stale { expected: version }
    } else {
        crate::StoreError::NotFound
    })
}

pub(crate) fn join_tags(tags: &[String]) -> String {
    tags.join(",")
}

pub(crate) fn split_tags(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// For `deserialize_with` on numeric query parameters: a form or URL may send `venue_id=`, which
/// means "no filter". An empty (or absent) value is `None`; anything else must parse as `T`.
/// Numbers are accepted as well as strings, so the same filter also reads from JSON.
pub fn empty_as_none<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: std::str::FromStr,
{
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        Int(i64),
        Unsigned(u64),
    }
    let raw = <Option<Raw> as serde::Deserialize>::deserialize(d)?;
    let text = match raw {
        None => return Ok(None),
        Some(Raw::Text(s)) => s,
        Some(Raw::Int(i)) => i.to_string(),
        Some(Raw::Unsigned(u)) => u.to_string(),
    };
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| serde::de::Error::custom("expected a number"))
}

/// A page number from a query string (where flattened fields arrive as text); empty or absent is 0.
pub fn lenient_int<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    Ok(empty_as_none::<D, i64>(d)?.unwrap_or(0))
}

/// A checkbox or query flag: "true", "on", "1" and "yes" are true; empty or absent is false.
pub fn flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Bool(bool),
        Text(String),
    }
    Ok(match <Option<Raw> as serde::Deserialize>::deserialize(d)? {
        None => false,
        Some(Raw::Bool(b)) => b,
        Some(Raw::Text(t)) => matches!(t.trim(), "true" | "on" | "1" | "yes"),
    })
}

/// Instants leave the system as RFC 3339 text (UTC), never as bare numbers.
pub fn rfc3339<S: serde::Serializer>(ms: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&trainyard_core::time::rfc3339(*ms))
}

pub fn rfc3339_opt<S: serde::Serializer>(ms: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
    match ms {
        Some(ms) => s.serialize_str(&trainyard_core::time::rfc3339(*ms)),
        None => s.serialize_none(),
    }
}
