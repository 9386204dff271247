//! The shapes every record table shares, written once: read one by id, list with search, filters,
//! sorting and paging (or changes since a moment), archive and restore, and the version check
//! after an update. Each record module declares its [`Table`] (its SQL in plain sight) and keeps
//! only what is its own: columns, row mapping, its insert/update statements and its filters.

use crate::row::{ListParams, Paging, Sql, contains_pattern};
use crate::{Conn, Page, StoreError};
use sqlx::any::AnyRow;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, SchemaFormat, SchemaType, Type};
use utoipa::openapi::{KnownFormat, Required};

/// How a record table is read and written by the shared helpers.
pub(crate) struct Table {
    /// The table archive/restore and the version check write to.
    pub name: &'static str,
    /// The record's columns, as read by its `from_row`.
    pub columns: &'static str,
    /// ` FROM …` with the joins the columns need.
    pub from: &'static str,
    /// ` FROM …` for a list's total: only the joins its filters need.
    pub count_from: &'static str,
    /// The listed table's alias with its dot (`"s."`), or empty; prefixes `id`, `archived_at`
    /// and `updated_at`.
    pub alias: &'static str,
    /// The columns free-text search (`q`) looks in, case-insensitively; empty when the list
    /// searches its own way.
    pub search: &'static [&'static str],
    /// Sort keys and their `ORDER BY`, the first being the default. A plain column expression is
    /// ordered by itself then `id`; an expression with `{dir}` is used as written.
    pub sorts: &'static [(&'static str, &'static str)],
}

/// Ids per statement when reading or writing many records at once: far below the bind limits
/// (PostgreSQL 65,535, SQLite 32,766) even with a dozen values per row.
pub(crate) const MANY: usize = 500;

/// A listed record type's decoder.
pub(crate) type FromRow<T> = fn(&AnyRow) -> Result<T, sqlx::Error>;

impl Table {
    pub(crate) async fn get<T>(
        &self,
        conn: &mut Conn,
        id: i64,
        from_row: FromRow<T>,
    ) -> Result<T, StoreError> {
        let mut q = Sql::new("SELECT ");
        q.push(self.columns)
            .push(self.from)
            .push(" WHERE ")
            .push(self.alias)
            .push("id = ")
            .int(id);
        Ok(from_row(&q.query().fetch_one(&mut *conn).await?)?)
    }

    /// The records with these ids (archived ones too), in no particular order; missing ids are
    /// left out. Read [`MANY`] ids per statement.
    pub(crate) async fn get_many<T>(
        &self,
        conn: &mut Conn,
        ids: &[i64],
        from_row: FromRow<T>,
    ) -> Result<Vec<T>, StoreError> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(MANY) {
            let mut q = Sql::new("SELECT ");
            q.push(self.columns)
                .push(self.from)
                .push(" WHERE ")
                .push(self.alias)
                .push("id IN (");
            for (i, id) in chunk.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.int(*id);
            }
            q.push(")");
            out.extend(crate::row::fetch_all(conn, q.query(), from_row).await?);
        }
        Ok(out)
    }

    /// Sets or clears `archived_at` with the version check.
    pub(crate) async fn set_archived(
        &self,
        conn: &mut Conn,
        id: i64,
        version: i64,
        at: Option<i64>,
        now: i64,
    ) -> Result<(), StoreError> {
        crate::row::set_archived(conn, self.name, id, version, at, now).await
    }

    /// After `UPDATE … WHERE id = ? AND version = ?` touched `rows` rows.
    pub(crate) async fn check_updated(
        &self,
        conn: &mut Conn,
        id: i64,
        version: i64,
        rows: u64,
    ) -> Result<(), StoreError> {
        crate::row::check_updated(conn, self.name, id, version, rows).await
    }

    /// `ORDER BY` for the list's `sort` and `dir`; an unknown key or direction is refused.
    pub(crate) fn order_by(&self, p: &ListParams) -> Result<String, StoreError> {
        let dir = p.direction()?;
        let sort = p.sort.trim();
        let expr = if sort.is_empty() {
            self.sorts[0].1
        } else {
            match self.sorts.iter().find(|(name, _)| *name == sort) {
                Some((_, expr)) => expr,
                None => {
                    let names: Vec<&str> = self.sorts.iter().map(|(n, _)| *n).collect();
                    return Err(StoreError::unknown("sort", sort, &names));
                }
            }
        };
        Ok(if expr.contains("{dir}") {
            format!(" ORDER BY {}", expr.replace("{dir}", dir))
        } else {
            format!(" ORDER BY {expr} {dir}, {}id {dir}", self.alias)
        })
    }

    /// One page of the list. The base condition is the archived flag, or, with `updated_since`,
    /// the change time (archived records included, oldest change first); then free-text search
    /// over [`Table::search`]; then `filters`, told whether it builds the count.
    pub(crate) async fn list<T>(
        &self,
        conn: &mut Conn,
        p: &ListParams,
        filters: impl Fn(&mut Sql, bool),
        from_row: FromRow<T>,
    ) -> Result<Page<T>, StoreError> {
        let paging: Paging = p.paging()?;
        let since = p.since()?;
        // Checked even when `updated_since` sets the order: a wrong value is never ignored.
        let order = self.order_by(p)?;
        let order = match since {
            Some(_) => format!(" ORDER BY {a}updated_at, {a}id", a = self.alias),
            None => order,
        };
        let build = |count: bool| {
            let mut q = if count {
                Sql::new("SELECT count(*)")
            } else {
                Sql::new("SELECT ")
            };
            if count {
                q.push(self.count_from);
            } else {
                q.push(self.columns).push(self.from);
            }
            q.push(" WHERE ").push(self.alias);
            match since {
                Some(t) => q.push("updated_at >= ").int(t),
                None if p.archived => q.push("archived_at IS NOT NULL"),
                None => q.push("archived_at IS NULL"),
            };
            search(&mut q, self.search, &p.q);
            filters(&mut q, count);
            q
        };
        let mut select = build(false);
        select.push(&order);
        crate::row::paged(conn, select, build(true), paging, from_row).await
    }
}

/// ` AND (lower(a) LIKE … OR lower(b) LIKE …)`: `text` anywhere in any of `columns`, with `%`,
/// `_` and `\` taken literally. Nothing when `text` is blank.
pub(crate) fn search(q: &mut Sql, columns: &[&str], text: &str) {
    if columns.is_empty() || text.trim().is_empty() {
        return;
    }
    let pattern = contains_pattern(text);
    for (i, col) in columns.iter().enumerate() {
        q.push(if i == 0 { " AND (lower(" } else { " OR lower(" })
            .push(col)
            .push(") LIKE ")
            .text(&pattern)
            .push(" ESCAPE '\\'");
    }
    q.push(")");
}

/// An enum-valued filter: `None` when empty (no filter), the value when it is one of `all`,
/// refused otherwise with the allowed names.
pub(crate) fn choice<T: Copy>(
    name: &'static str,
    value: &str,
    all: &[T],
    text: fn(&T) -> &'static str,
) -> Result<Option<T>, StoreError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    match all.iter().find(|t| text(t) == value) {
        Some(t) => Ok(Some(*t)),
        None => {
            let names: Vec<&str> = all.iter().map(text).collect();
            Err(StoreError::unknown(name, value, &names))
        }
    }
}

/// A record-type name filter (`session`, `message_template`, …): the set is open (every use
/// case names its own), so only the shape is checked; `None` when empty.
pub(crate) fn type_name<'a>(
    name: &'static str,
    value: &'a str,
) -> Result<Option<&'a str>, StoreError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    if value.len() <= 40 && value.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
        Ok(Some(value))
    } else {
        Err(StoreError::bad_parameter(
            name,
            format!(
                "'{}' is not a record type (lowercase letters and _, such as session)",
                crate::error::shown(value)
            ),
        ))
    }
}

fn query_param(name: &str, description: &str, schema: ObjectBuilder) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(schema))
        .build()
}

fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(SchemaType::Type(Type::String))
}

fn integer() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::Integer))
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
}

impl ListParams {
    /// The OpenAPI parameters of [`ListParams`] for a list whose sort keys are `sorts` (the first
    /// being the default). Filter types declared with `list_filter!` put these first.
    pub fn openapi_params(sorts: &[&str]) -> Vec<Parameter> {
        vec![
            query_param(
                "q",
                "Free-text search, case-insensitive, anywhere in the list's searched columns.",
                string(),
            ),
            query_param(
                "archived",
                "`true` to list archived records instead of active ones.",
                ObjectBuilder::new()
                    .schema_type(SchemaType::Type(Type::Boolean))
                    .default(Some(false.into())),
            ),
            query_param(
                "sort",
                &format!(
                    "Sort key (default `{}`); any other value is refused with 400.",
                    sorts.first().copied().unwrap_or_default()
                ),
                string().enum_values(Some(sorts.iter().copied())),
            ),
            query_param(
                "dir",
                "Sort direction (default `asc`); any other value is refused with 400.",
                string().enum_values(Some(["asc", "desc"])),
            ),
            query_param(
                "page",
                "Page number, from 1 (default 1).",
                integer().minimum(Some(1)).default(Some(1.into())),
            ),
            query_param(
                "per_page",
                &format!(
                    "Rows per page, 1 to {} (default {}); a larger value is refused with 400.",
                    crate::row::PAGE_LIMIT,
                    crate::row::DEFAULT_PER_PAGE
                ),
                integer()
                    .minimum(Some(1))
                    .maximum(Some(crate::row::PAGE_LIMIT))
                    .default(Some(crate::row::DEFAULT_PER_PAGE.into())),
            ),
            query_param(
                "updated_since",
                "Only records changed at or after this instant (RFC 3339), archived ones \
                 included, ordered by `updated_at` then `id` (oldest change first; `sort`, `dir` \
                 and `archived` do not apply): page through it to sync without gaps.",
                string().format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime))),
            ),
        ]
    }
}

/// Declares a record list's filter type: the common [`ListParams`] (flattened, as `list`), the
/// list's own fields, and the sort keys of its [`Table`] (`sorts: TABLE.sorts`). The type
/// implements `utoipa::IntoParams`, so an API route documents it with `params(TheFilter)`: the
/// common parameters (with the sort keys as an enum), then each own field with its doc comment
/// and, after `=>`, its `#[param(...)]` (e.g. the enum its text must name).
macro_rules! list_filter {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            sorts: $sorts:expr,
            $(
                $(#[$fmeta:meta])*
                pub $field:ident : $ty:ty $(=> #[param($($param:tt)*)])?
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, serde::Deserialize)]
        #[serde(default)]
        pub struct $name {
            #[serde(flatten)]
            pub list: $crate::row::ListParams,
            $($(#[$fmeta])* pub $field: $ty,)*
        }

        const _: () = {
            /// The own fields again, for the derive: `IntoParams` cannot flatten `list`.
            #[derive(Default, serde::Deserialize, utoipa::IntoParams)]
            #[serde(default)]
            #[into_params(parameter_in = Query)]
            #[allow(dead_code)]
            struct Own {
                $($(#[$fmeta])* $(#[param($($param)*)])? $field: $ty,)*
            }

            impl utoipa::IntoParams for $name {
                fn into_params(
                    parameter_in_provider: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
                ) -> Vec<utoipa::openapi::path::Parameter> {
                    let sorts: Vec<&str> = $sorts.iter().map(|(name, _)| *name).collect();
                    let mut params = $crate::row::ListParams::openapi_params(&sorts);
                    params.extend(<Own as utoipa::IntoParams>::into_params(parameter_in_provider));
                    params
                }
            }
        };
    };
}
pub(crate) use list_filter;

/// The write and read-one functions of a plain record module, around its `TABLE`, its
/// `from_row` and its `bind_input(query, input)` (which binds the input's columns as `$1…$k`):
/// `insert` runs `$insert` with `now` as `$k+1` (created and updated), `update` runs `$update`
/// with `now`, the id and the version read as `$k+1…$k+3` and then the optional `then(conn, id,
/// input)`; `set_archived` and `get` go through [`Table`].
macro_rules! record_rows {
    ($record:ty, $input:ty, insert = $insert:literal, update = $update:literal $(, then = $then:path)? $(,)?) => {
        /// Inserts the record; returns its id.
        pub async fn insert(conn: &mut Conn, input: &$input, now: i64) -> Result<i64, StoreError> {
            let q = sqlx::query($insert);
            let r = bind_input(q, input).bind(now).fetch_one(&mut *conn).await?;
            Ok(r.i("id")?)
        }

        /// Writes `input` over the record as read at `version`: `Stale` when it changed since,
        /// `NotFound` when it is gone.
        pub async fn update(
            conn: &mut Conn,
            id: i64,
            version: i64,
            input: &$input,
            now: i64,
        ) -> Result<(), StoreError> {
            let q = sqlx::query($update);
            let n = bind_input(q, input)
                .bind(now)
                .bind(id)
                .bind(version)
                .execute(&mut *conn)
                .await?
                .rows_affected();
            TABLE.check_updated(conn, id, version, n).await?;
            $($then(conn, id, input).await?;)?
            Ok(())
        }

        /// Archives (`Some(at)`) or restores (`None`) the record as read at `version`.
        pub async fn set_archived(
            conn: &mut Conn,
            id: i64,
            version: i64,
            at: Option<i64>,
            now: i64,
        ) -> Result<(), StoreError> {
            TABLE.set_archived(conn, id, version, at, now).await
        }

        pub async fn get(conn: &mut Conn, id: i64) -> Result<$record, StoreError> {
            TABLE.get(conn, id, from_row).await
        }
    };
}
pub(crate) use record_rows;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use utoipa::IntoParams;

    fn names(params: &[Parameter]) -> Vec<&str> {
        params.iter().map(|p| p.name.as_str()).collect()
    }

    fn json(p: &Parameter) -> serde_json::Value {
        serde_json::to_value(p).unwrap()
    }

    #[test]
    fn filters_declare_the_common_parameters_then_their_own() {
        let venue = crate::venues::VenueFilter::into_params(|| None);
        assert_eq!(
            names(&venue),
            [
                "q",
                "archived",
                "sort",
                "dir",
                "page",
                "per_page",
                "updated_since"
            ]
        );
        let sort = json(&venue[2]);
        assert_eq!(
            sort["schema"]["enum"],
            serde_json::json!(["code", "name", "city", "country"])
        );
        assert_eq!(json(&venue[5])["schema"]["maximum"], 200);
        assert_eq!(json(&venue[6])["schema"]["format"], "date-time");
        assert!(venue.iter().all(|p| json(p)["in"] == "query"));

        let sessions = crate::sessions::SessionFilter::into_params(|| None);
        let own = &names(&sessions)[7..];
        assert_eq!(
            own,
            [
                "status",
                "mode",
                "visibility",
                "course_id",
                "client_id",
                "venue_id",
                "program_id",
                "language",
                "from",
                "to"
            ],
            "`from_ms` and `to_ms` are set by the use case, not sent"
        );
        let status = json(&sessions[7]);
        assert!(
            status.to_string().contains("SessionStatus"),
            "the enum of statuses: {status}"
        );
        assert!(status["description"].as_str().unwrap().contains("status"));
        assert!(
            json(&sessions[7 + 8])["schema"]
                .to_string()
                .contains("date")
        );
    }

    #[test]
    fn choices_refuse_unknown_values_and_ignore_empty_ones() {
        use trainyard_core::status::DeliveryMode;
        let pick = |v| choice("mode", v, DeliveryMode::ALL, DeliveryMode::as_str);
        assert_eq!(pick(" ").unwrap(), None);
        assert_eq!(pick("vilt").unwrap(), Some(DeliveryMode::Vilt));
        let e = pick("teleport").unwrap_err().to_string();
        assert!(e.starts_with("mode: 'teleport'"), "{e}");
        assert!(e.contains("ilt, vilt, blended"), "{e}");
    }

    #[test]
    fn paging_is_bounded_and_refuses_what_it_cannot_serve() {
        use crate::row::Paging;
        assert!(Paging::new(0, 0, false).is_ok());
        assert!(Paging::new(1, 200, false).is_ok());
        for (page, per_page) in [(1, 201), (1, -1), (-1, 10)] {
            assert!(matches!(
                Paging::new(page, per_page, false),
                Err(StoreError::BadParameter { .. })
            ));
        }
        assert!(
            Paging::new(1, 10_000, true).is_ok(),
            "an export ignores paging"
        );
    }
}
