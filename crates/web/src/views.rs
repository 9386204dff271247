//! View models shared by the pages: lists (filters, sortable columns, paging, CSV), detail pages
//! (facts, actions, history) and forms (fields with inline errors). Handlers fill these from use-case
//! results; the generic templates render them. Presentation only: no rule is decided here.

use trainyard_app::Caller;
use trainyard_app::store::audit::AuditEvent;
use trainyard_core::{Invalid, Role, TimeZoneName};

pub struct NavItem {
    pub label: &'static str,
    pub href: String,
    pub area: &'static str,
}

/// What every page around its content needs: who is signed in, where they are, the CSRF token.
pub struct Chrome {
    pub user: String,
    pub role: String,
    pub area: &'static str,
    pub csrf: String,
    pub flash: Option<String>,
    pub nav: Vec<NavItem>,
    pub is_staff: bool,
    /// The reader's words (`{{ chrome.tr.t("key") }}`); see `crate::i18n`.
    pub tr: crate::i18n::Tr,
    /// This page's path and query, for the language switcher to come back to.
    pub here: String,
}

/// The catalogue key of a navigation entry, by its English label (entries without one show
/// their English label in every language until they get one).
fn nav_key(label: &str) -> String {
    let slug: String = label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    format!("nav-{slug}")
}

impl Chrome {
    pub fn new(c: &Caller, area: &'static str, flash: Option<String>) -> Self {
        let mut nav = Vec::new();
        let mut add = |label, href: &str, area| {
            nav.push(NavItem {
                label,
                href: href.to_owned(),
                area,
            })
        };
        match c.role {
            r if r.is_staff() => {
                add("Dashboard", "/", "home");
                add("Schedule", "/timeline", "timeline");
                if r.can_edit_operations() {
                    add("Plan", "/plan", "plan");
                    add("Spreadsheets", "/admin/import", "import");
                }
                add("Sessions", "/sessions", "sessions");
                add("Reports", "/reports", "reports");
                add("Courses", "/courses", "courses");
                add("Instructors", "/instructors", "instructors");
                add("Venues", "/venues", "venues");
                add("Resources", "/resources", "resources");
                add("Clients", "/clients", "clients");
                add("Programs", "/programs", "programs");
                add("Learners", "/learners", "learners");
                add("Certificates", "/certificates", "certificates");
                add("Compliance", "/compliance", "compliance");
                add("Feedback", "/feedback", "feedback");
                if r.can_edit_operations() {
                    add("Quality", "/quality", "quality");
                }
                if r.can_see_finance() {
                    add("Invoices", "/invoices", "invoices");
                    add("Quotes", "/quotes", "quotes");
                    add("Agreements", "/agreements", "agreements");
                    add("Budgets", "/budgets", "budgets");
                    add("Tax & exchange rates", "/finance/rates", "rates");
                }
                add("Delivery log", "/admin/outbox", "outbox");
                if matches!(r, Role::Admin | Role::Manager) {
                    add("Message templates", "/admin/messages", "messages");
                    add("Reminders", "/admin/reminders", "reminders");
                    add("Audit trail", "/admin/audit", "audit");
                }
                if r == Role::Admin {
                    add("Users", "/admin/users", "users");
                    add("Webhooks", "/admin/webhooks", "webhooks");
                    add("Learning Record Store", "/admin/lrs", "lrs");
                    add("Single sign-on", "/admin/sso", "sso");
                }
            }
            Role::ClientContact => {
                add("Home", "/", "home");
                add("Our sessions", "/sessions", "sessions");
                add("Our learners", "/learners", "learners");
                add("Enroll people", "/portal/client/enroll", "enroll");
                add("Expiring certificates", "/portal/expiring", "expiring");
                add("Our invoices", "/invoices", "invoices");
                add("Our quotes", "/quotes", "quotes");
                add("Our certificates", "/certificates", "certificates");
                add("Our feedback", "/feedback", "feedback");
                add("Our figures", "/reports", "reports");
                if let Some(client) = c.client_id {
                    add(
                        "Calendar",
                        &format!("/calendar?kind=client&id={client}"),
                        "calendar",
                    );
                }
            }
            Role::Instructor => {
                add("My schedule", "/", "home");
                if let Some(me) = c.instructor_id {
                    add(
                        "My calendar",
                        &format!("/calendar?kind=instructor&id={me}"),
                        "calendar",
                    );
                    add("Calendar feed", &format!("/feeds/instructor/{me}"), "feeds");
                    add("My utilization", "/reports", "reports");
                    add("My feedback", "/feedback", "feedback");
                }
            }
            _ => {
                add("My sessions", "/", "home");
                add("Course catalog", "/catalog", "catalog");
            }
        }
        add("API tokens", "/account/tokens", "tokens");
        let tr = crate::i18n::Tr::for_caller(c);
        if !tr.is_english() {
            for item in &mut nav {
                item.label = tr.t_or(&nav_key(item.label), item.label);
            }
        }
        Self {
            user: c.name.clone(),
            role: tr
                .t_or(
                    &format!("role-{}", c.role.as_str().replace('_', "-")),
                    c.role.label(),
                )
                .to_owned(),
            area,
            csrf: c.csrf_token.clone().unwrap_or_default(),
            flash,
            nav,
            is_staff: c.role.is_staff(),
            tr,
            here: crate::i18n::here(),
        }
    }
}

// ------------------------------------------------------------------ lists

pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub fn options(choices: impl IntoIterator<Item = (String, String)>, current: &str) -> Vec<Opt> {
    choices
        .into_iter()
        .map(|(value, label)| Opt {
            selected: value == current,
            value,
            label,
        })
        .collect()
}

pub struct Filter {
    pub name: &'static str,
    pub label: &'static str,
    /// "text", "select", "date" or "checkbox".
    pub kind: &'static str,
    pub value: String,
    pub options: Vec<Opt>,
}

impl Filter {
    pub fn select(
        name: &'static str,
        label: &'static str,
        value: &str,
        choices: Vec<(String, String)>,
    ) -> Self {
        let mut opts = vec![Opt {
            value: String::new(),
            label: "Any".into(),
            selected: value.is_empty(),
        }];
        opts.extend(options(choices, value));
        Self {
            name,
            label,
            kind: "select",
            value: value.to_owned(),
            options: opts,
        }
    }

    pub fn date(name: &'static str, label: &'static str, value: &str) -> Self {
        Self {
            name,
            label,
            kind: "date",
            value: value.to_owned(),
            options: Vec::new(),
        }
    }

    pub fn archived(value: bool) -> Self {
        Self {
            name: "archived",
            label: "Show archived",
            kind: "checkbox",
            value: if value { "true".into() } else { String::new() },
            options: Vec::new(),
        }
    }
}

pub struct ColumnHead {
    pub label: &'static str,
    pub href: Option<String>,
    /// "", "asc" or "desc" for the column the list is sorted by.
    pub sorted: &'static str,
    pub numeric: bool,
}

#[derive(Clone)]
pub struct Cell {
    pub text: String,
    /// A CSS class: "num" for numbers, "badge s-confirmed" for statuses…
    pub class: String,
}

impl Cell {
    pub fn text(t: impl Into<String>) -> Self {
        Self {
            text: t.into(),
            class: String::new(),
        }
    }
    pub fn num(t: impl ToString) -> Self {
        Self {
            text: t.to_string(),
            class: "num".into(),
        }
    }
    /// A date and time, kept on one line.
    pub fn when(t: impl Into<String>) -> Self {
        Self {
            text: t.into(),
            class: "when".into(),
        }
    }
    pub fn badge(t: impl Into<String>, key: &str) -> Self {
        Self {
            text: t.into(),
            class: format!("badge s-{key}"),
        }
    }
}

#[derive(Clone)]
pub struct Row {
    pub href: String,
    pub cells: Vec<Cell>,
}

pub struct ListView {
    pub title: &'static str,
    pub path: &'static str,
    pub new_href: Option<String>,
    pub new_label: String,
    pub q: String,
    pub filters: Vec<Filter>,
    pub columns: Vec<ColumnHead>,
    pub rows: Vec<Row>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
    pub csv_href: String,
    pub empty_hint: String,
    pub filtered: bool,
}

impl ListView {
    /// How many of the filters (beyond the search box) are in effect: the filter bar opens then.
    pub fn filters_set(&self) -> usize {
        self.filters.iter().filter(|f| !f.value.is_empty()).count()
    }

    /// The heading of column `i`, which labels the cell on a phone, where each row is a card.
    pub fn column_label(&self, i: usize) -> &str {
        self.columns.get(i).map(|c| c.label).unwrap_or("")
    }
}

/// The current query string, for building sort, page and export links that keep the filters.
pub struct QueryState(pub Vec<(String, String)>);

impl QueryState {
    pub fn from_uri(uri: &axum::http::Uri) -> Self {
        Self(
            uri.query()
                .map(|q| serde_urlencoded::from_str(q).unwrap_or_default())
                .unwrap_or_default(),
        )
    }

    pub fn get(&self, key: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    pub fn with(&self, path: &str, set: &[(&str, &str)]) -> String {
        let mut kv: Vec<(String, String)> = self
            .0
            .iter()
            .filter(|(k, v)| !v.is_empty() && !set.iter().any(|(s, _)| s == k))
            .cloned()
            .collect();
        kv.extend(
            set.iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        let qs = serde_urlencoded::to_string(&kv).unwrap_or_default();
        if qs.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{qs}")
        }
    }

    /// Filters in effect (anything but paging and sorting).
    pub fn is_filtered(&self) -> bool {
        self.0.iter().any(|(k, v)| {
            !v.is_empty() && !matches!(k.as_str(), "page" | "sort" | "dir" | "per_page" | "format")
        })
    }
}

/// Sortable column heads: `(label, sort key or "" for unsortable, numeric)`.
pub fn columns(
    qs: &QueryState,
    path: &str,
    default_sort: &str,
    cols: &[(&'static str, &'static str, bool)],
) -> Vec<ColumnHead> {
    let current = if qs.get("sort").is_empty() {
        default_sort
    } else {
        qs.get("sort")
    };
    let desc = qs.get("dir") == "desc";
    cols.iter()
        .map(|(label, key, numeric)| {
            let is_current = !key.is_empty() && *key == current;
            ColumnHead {
                label: label_in("col", label),
                href: (!key.is_empty()).then(|| {
                    let dir = if is_current && !desc { "desc" } else { "asc" };
                    qs.with(path, &[("sort", key), ("dir", dir), ("page", "")])
                }),
                sorted: match (is_current, desc) {
                    (false, _) => "",
                    (true, false) => "asc",
                    (true, true) => "desc",
                },
                numeric: *numeric,
            }
        })
        .collect()
}

pub fn paging(
    qs: &QueryState,
    path: &str,
    page: i64,
    pages: i64,
) -> (Option<String>, Option<String>) {
    let prev = (page > 1).then(|| qs.with(path, &[("page", &(page - 1).to_string())]));
    let next = (page < pages).then(|| qs.with(path, &[("page", &(page + 1).to_string())]));
    (prev, next)
}

/// A list as CSV, same columns and rows as the page. This is the one CSV writer: every export
/// goes through it, so every cell is neutralised by [`csv_cell`].
pub fn csv_response(name: &str, view: &ListView) -> axum::response::Response {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(
        view.columns
            .iter()
            .map(|c| csv_cell(c.label, false).into_owned()),
    );
    for r in &view.rows {
        let _ = w.write_record(
            r.cells
                .iter()
                .map(|c| csv_cell(&c.text, c.class.split(' ').any(|k| k == "num")).into_owned()),
        );
    }
    csv_download(&format!("{name}.csv"), w.into_inner().unwrap_or_default())
}

/// A CSV body sent as a download named `filename`.
pub fn csv_download(
    filename: &str,
    body: impl axum::response::IntoResponse,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/csv; charset=utf-8".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// A cell as a spreadsheet will read it as text (OWASP's rule against CSV injection): a value
/// starting with `=`, `+`, `-`, `@`, tab or carriage return would be run as a formula, so it gets
/// a leading single quote. A plain number in a number column (`-12.50`) is left alone: it cannot
/// be a formula, and quoting it would turn amounts into text.
pub fn csv_cell(text: &str, numeric: bool) -> std::borrow::Cow<'_, str> {
    let risky = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if !risky || (numeric && is_plain_number(text)) {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(format!("'{text}"))
    }
}

/// `-12`, `-12.50`, `-1,234.5`: an optional minus, then digits with `.` or `,` between them.
fn is_plain_number(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    !digits.is_empty()
        && digits.starts_with(|c: char| c.is_ascii_digit())
        && digits.ends_with(|c: char| c.is_ascii_digit())
        && digits
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
}

// ------------------------------------------------------------------ detail pages

#[derive(Clone)]
pub struct Fact {
    pub label: &'static str,
    pub value: String,
    pub href: Option<String>,
}

/// The catalogue's word for an English label under `prefix` (`fact`, `col`, `field`, `action`,
/// `filter`, `section`): the key is the label in kebab case ("Time zone" under `fact` is
/// `fact-time-zone`). `None` where the catalogue has none: the page shows the English label.
/// This is how the shared views (lists, forms, detail pages) translate the labels every record
/// kind declares in English, without each kind asking for its words.
pub fn translated(prefix: &str, english: &str) -> Option<&'static str> {
    let mut key = String::with_capacity(prefix.len() + english.len() + 1);
    key.push_str(prefix);
    key.push('-');
    let mut dash = true;
    for c in english.chars() {
        if c.is_ascii_alphanumeric() {
            key.push(c.to_ascii_lowercase());
            dash = false;
        } else if !dash {
            key.push('-');
            dash = true;
        }
    }
    let key = key.trim_end_matches('-');
    let tr = crate::i18n::Tr::for_request();
    if tr.is_english() {
        return None;
    }
    match tr.t_or(key, "") {
        "" => None,
        s => Some(s),
    }
}

/// [`translated`] of a computed text, else the text.
pub fn text_in(prefix: &str, english: impl AsRef<str>) -> String {
    let english = english.as_ref();
    translated(prefix, english).unwrap_or(english).to_owned()
}

/// A label known at compile time, as the views hold them (templates pass them by reference).
pub trait StaticLabel {
    fn label(self) -> &'static str;
}
impl StaticLabel for &'static str {
    fn label(self) -> &'static str {
        self
    }
}
impl StaticLabel for &&'static str {
    fn label(self) -> &'static str {
        self
    }
}
impl StaticLabel for &&&'static str {
    fn label(self) -> &'static str {
        self
    }
}

/// [`translated`], else the English label.
pub fn label_in(prefix: &str, english: impl StaticLabel) -> &'static str {
    let english = english.label();
    translated(prefix, english).unwrap_or(english)
}

fn fact_label(label: &'static str) -> &'static str {
    label_in("fact", label)
}

pub fn fact(label: &'static str, value: impl Into<String>) -> Fact {
    Fact {
        label: fact_label(label),
        value: value.into(),
        href: None,
    }
}

pub fn link_fact(label: &'static str, value: impl Into<String>, href: String) -> Fact {
    Fact {
        label: fact_label(label),
        value: value.into(),
        href: Some(href),
    }
}

/// A button in a detail page's header: a link, or a POST form carrying the version.
pub struct Action {
    pub label: String,
    pub href: String,
    pub post: bool,
    pub confirm: Option<String>,
    pub primary: bool,
    /// Extra hidden field (e.g. the lifecycle event).
    pub field: Option<(String, String)>,
}

impl Action {
    pub fn link(label: &str, href: String) -> Self {
        Self {
            label: translated("action", label).unwrap_or(label).into(),
            href,
            post: false,
            confirm: None,
            primary: false,
            field: None,
        }
    }
    pub fn post(label: &str, href: String, confirm: Option<&str>) -> Self {
        Self {
            label: translated("action", label).unwrap_or(label).into(),
            href,
            post: true,
            confirm: confirm.map(Into::into),
            primary: false,
            field: None,
        }
    }
}

#[derive(Clone)]
pub struct Section {
    pub title: String,
    pub columns: Vec<&'static str>,
    pub rows: Vec<Row>,
    pub empty: String,
}

impl Section {
    /// The heading of column `i`, which labels the cell on a phone, where each row is a card.
    pub fn column_label(&self, i: usize) -> &str {
        self.columns
            .get(i)
            .map(|c| label_in("col", c))
            .unwrap_or("")
    }
}

pub struct HistoryEntry {
    pub when: String,
    pub who: String,
    pub action: String,
    pub changes: Vec<(String, String, String)>,
}

pub struct DetailView {
    pub title: String,
    pub subtitle: String,
    pub status: Option<Cell>,
    pub back_href: &'static str,
    pub back_label: &'static str,
    pub version: i64,
    pub actions: Vec<Action>,
    pub facts: Vec<Fact>,
    pub sections: Vec<Section>,
    pub history: Vec<HistoryEntry>,
    /// The tab asked for in the address (`?tab=`), for pages with real tabs; "" for none.
    pub tab: String,
}

/// History entries with the fields that changed between before and after.
pub fn history(events: Vec<AuditEvent>, tz: &TimeZoneName) -> Vec<HistoryEntry> {
    events
        .into_iter()
        .map(|e| {
            let mut changes = Vec::new();
            if let (Some(serde_json::Value::Object(b)), Some(serde_json::Value::Object(a))) =
                (e.before.as_ref(), e.after.as_ref())
            {
                for (k, av) in a.iter() {
                    if matches!(k.as_str(), "updated_at" | "version" | "created_at") {
                        continue;
                    }
                    let bv: serde_json::Value = b
                        .get(k.as_str())
                        .cloned()
                        .unwrap_or(serde_json::Value::Null);
                    if bv != *av {
                        changes.push((k.clone(), short(&bv), short(av)));
                    }
                }
            }
            HistoryEntry {
                when: tz.display(e.occurred_at),
                who: e.actor_label,
                action: e.action,
                changes,
            }
        })
        .collect()
}

fn short(v: &serde_json::Value) -> String {
    let s = match v {
        serde_json::Value::Null => "—".to_owned(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Object(o) if o.contains_key("amount") => {
            format!(
                "{} {}",
                o["amount"].as_str().unwrap_or(""),
                o.get("currency").and_then(|c| c.as_str()).unwrap_or("")
            )
        }
        other => other.to_string(),
    };
    if s.chars().count() > 80 {
        format!("{}…", s.chars().take(80).collect::<String>())
    } else {
        s
    }
}

// ------------------------------------------------------------------ forms

pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    /// "text", "email", "number", "textarea", "select", "checkbox", "date", "datetime", "parts".
    pub kind: &'static str,
    pub value: String,
    pub options: Vec<Opt>,
    pub error: Option<String>,
    pub help: &'static str,
    pub required: bool,
    /// For "parts": the (start, end) rows.
    pub parts: Vec<(String, String)>,
}

impl Field {
    pub fn new(name: &'static str, label: &'static str, kind: &'static str, value: &str) -> Self {
        Self {
            name,
            label,
            kind,
            value: value.to_owned(),
            options: Vec::new(),
            error: None,
            help: "",
            required: false,
            parts: Vec::new(),
        }
    }
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
    pub fn help(mut self, h: &'static str) -> Self {
        self.help = h;
        self
    }
    /// The value as the reader writes it: a German reader sees `06.12.2026` and `1.234,50`
    /// (and may type them, or ISO: `crate::locale_input`). English keeps the browser's date
    /// picker, which shows the browser's own format, and plain amounts.
    pub fn shown(&self, tr: &crate::i18n::Tr) -> String {
        if tr.is_english() {
            return self.value.clone();
        }
        crate::locale_input::show(self.name, &self.value, &tr.locale())
            .unwrap_or_else(|| self.value.clone())
    }

    /// The input type of a text-like field: a date is typed as text in the reader's way
    /// wherever that is not the browser picker's ISO.
    pub fn input_type(&self, tr: &crate::i18n::Tr) -> &'static str {
        match self.kind {
            "number" => "number",
            "email" => "email",
            "datetime" => "datetime-local",
            "date" if tr.is_english() => "date",
            _ => "text",
        }
    }

    /// What an empty field shows: the date's form in the reader's way (`TT.MM.JJJJ`).
    pub fn placeholder(&self, tr: &crate::i18n::Tr) -> &'static str {
        if self.kind == "date" && !tr.is_english() {
            tr.t("form-date-hint")
        } else {
            ""
        }
    }

    pub fn choices(mut self, choices: Vec<(String, String)>, blank: Option<&str>) -> Self {
        let mut opts = Vec::new();
        if let Some(b) = blank {
            // The usual blank choice in the reader's words.
            let b = match b {
                "— none —" => crate::i18n::Tr::for_request().t("user-none"),
                other => other,
            };
            opts.push(Opt {
                value: String::new(),
                label: b.into(),
                selected: self.value.is_empty(),
            });
        }
        opts.extend(options(choices, &self.value));
        self.options = opts;
        self
    }
}

pub struct FormView {
    pub title: String,
    pub action: String,
    pub submit: String,
    pub cancel_href: String,
    pub version: Option<i64>,
    pub fields: Vec<Field>,
    pub problems: Vec<String>,
}

impl FormView {
    /// Attaches validation errors to their fields; errors for fields not on the form are listed on top.
    pub fn with_errors(mut self, inv: &Invalid) -> Self {
        let tr = crate::i18n::Tr::for_request();
        for e in &inv.errors {
            let base = e.field.split(['[', '.']).next().unwrap_or(&e.field);
            match self
                .fields
                .iter_mut()
                .find(|f| f.name == e.field || f.name == base)
            {
                Some(f) => {
                    let msg = if f.name == e.field {
                        tr.field_error(e)
                    } else {
                        in_words_of(&tr, &e.field, &e.message)
                    };
                    f.error = Some(match f.error.take() {
                        Some(prev) => format!("{prev}; {msg}"),
                        None => msg,
                    });
                }
                None => self.problems.push(in_words_of(&tr, &e.field, &e.message)),
            }
        }
        self
    }
}

/// [`in_words`] in the reader's language: "Tag 1, Ende: muss nach dem Beginn enden" for a German
/// reader (the problem through its code, `crate::i18n::Tr::problem`; the field by its label).
pub(crate) fn in_words_of(tr: &crate::i18n::Tr, field: &str, message: &str) -> String {
    if tr.is_english() {
        return in_words(field, message);
    }
    let problem = tr.problem(message);
    let day = field
        .strip_prefix("parts[")
        .and_then(|r| r.split_once(']'))
        .and_then(|(i, rest)| Some((i.parse::<usize>().ok()? + 1, rest)));
    let subject = match day {
        Some((n, "")) => tr.t1("invalid-day", "n", n),
        Some((n, ".starts")) => tr.t1("invalid-day-start", "n", n),
        Some((n, ".ends")) => tr.t1("invalid-day-end", "n", n),
        _ => match translated("field", field) {
            Some(label) => label.to_owned(),
            None => field.replace('_', " "),
        },
    };
    format!("{subject}: {problem}")
}

/// A field problem as a coordinator reads it: `parts[0].ends` + "must end after it starts" is
/// "Day 1 must end after it starts". The API keeps the JSON pointer in its problem's `errors`.
pub(crate) fn in_words(field: &str, message: &str) -> String {
    let subject = match field.strip_prefix("parts[").and_then(|r| r.split_once(']')) {
        Some((i, rest)) => {
            let day = i.parse::<usize>().map(|i| format!("Day {}", i + 1));
            match (day, rest) {
                (Ok(day), "") => day,
                (Ok(day), ".starts") => format!("{day} start"),
                (Ok(day), ".ends") if message.starts_with("must") => day,
                (Ok(day), ".ends") => format!("{day} end"),
                _ => field.to_owned(),
            }
        }
        None => field.replace('_', " "),
    };
    if message.starts_with("must") || message.starts_with("is ") {
        format!("{subject} {message}")
    } else {
        format!("{subject}: {message}")
    }
}

#[cfg(test)]
mod in_words_tests {
    use super::in_words;

    #[test]
    fn session_parts_read_as_days() {
        assert_eq!(
            in_words("parts[0].ends", "must end after it starts"),
            "Day 1 must end after it starts"
        );
        assert_eq!(
            in_words("parts[1].starts", "'x' is not a date and time"),
            "Day 2 start: 'x' is not a date and time"
        );
        assert_eq!(
            in_words("parts[2].ends", "is longer than 14 hours"),
            "Day 3 end is longer than 14 hours"
        );
        assert_eq!(
            in_words("billing_email", "is not an e-mail address"),
            "billing email is not an e-mail address"
        );
    }
}

pub fn enum_choices<T: Copy>(
    all: &[T],
    key: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> &'static str,
) -> Vec<(String, String)> {
    all.iter()
        .map(|v| (key(*v).to_owned(), label(*v).to_owned()))
        .collect()
}

pub fn id_choices(items: Vec<(i64, String)>) -> Vec<(String, String)> {
    items
        .into_iter()
        .map(|(id, l)| (id.to_string(), l))
        .collect()
}

/// The viewer's zone, for showing instants.
pub fn viewer_tz(c: &Caller) -> TimeZoneName {
    TimeZoneName::parse_or_utc(&c.time_zone)
}

/// An instant in the record's zone, and in the viewer's zone when that differs.
pub fn when(ms: i64, zone: &str, viewer: &TimeZoneName) -> String {
    match TimeZoneName::parse(zone) {
        Ok(z) if z != *viewer => format!("{} ({})", z.display(ms), viewer.display(ms)),
        Ok(z) => z.display(ms),
        Err(_) => viewer.display(ms),
    }
}

/// An instant for a list's cell, on one line: "Mon 14 Dec 09:30" in the record's zone, the zone
/// only when it is not the viewer's. The year only outside a window of under a year around today
/// (two months back, ten ahead), within which a day and month name one date.
pub fn when_short(ms: i64, zone: &str, viewer: &TimeZoneName) -> String {
    when_short_at(ms, zone, viewer, trainyard_core::time::now_ms())
}

fn when_short_at(ms: i64, zone: &str, viewer: &TimeZoneName, now: i64) -> String {
    const DAY_MS: i64 = 86_400_000;
    let z = TimeZoneName::parse(zone).unwrap_or(*viewer);
    let local = z.local(ms);
    let shown = if (now - 60 * DAY_MS..now + 300 * DAY_MS).contains(&ms) {
        local.format("%a %-d %b %H:%M").to_string()
    } else {
        local.format("%a %-d %b %Y %H:%M").to_string()
    };
    if z == *viewer {
        shown
    } else {
        format!("{shown} {}", local.format("%Z"))
    }
}

/// A finance amount as shown: the use cases leave it out (`None`) for a viewer who may not see
/// it, and such a viewer is never shown the column or fact at all; "—" only guards a mistake.
pub fn money_shown(m: Option<trainyard_core::Money>) -> String {
    m.map(|m| m.to_string()).unwrap_or_else(|| "—".into())
}

/// A finance amount for an edit form: empty when hidden, which the use cases read as "keep".
pub fn money_field(m: Option<trainyard_core::Money>) -> String {
    m.map(|m| m.amount_string()).unwrap_or_default()
}

/// Every IANA time zone name the server knows (chrono-tz's list), for the time zone pickers: a
/// form's `time_zone` text field offers them as a `<datalist>`.
pub fn iana_zones() -> &'static [&'static str] {
    static ZONES: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
        let mut z: Vec<&'static str> = chrono_tz::TZ_VARIANTS.iter().map(|t| t.name()).collect();
        z.sort_unstable();
        z
    });
    &ZONES
}

#[cfg(test)]
mod csv_tests {
    use super::csv_cell;

    #[test]
    fn formulas_are_neutralised_and_plain_values_kept() {
        for risky in [
            "=HYPERLINK(\"http://evil.example\",\"x\")",
            "+1",
            "-2",
            "@x",
            "\tx",
            "\rx",
        ] {
            assert_eq!(csv_cell(risky, false), format!("'{risky}"));
        }
        assert_eq!(
            csv_cell("-2+3+cmd|' /C calc'!A0", true),
            "'-2+3+cmd|' /C calc'!A0"
        );
        assert_eq!(csv_cell("-12.50", true), "-12.50");
        assert_eq!(csv_cell("-", true), "'-");
        assert_eq!(csv_cell("Leadership 101", false), "Leadership 101");
        assert_eq!(csv_cell("a=b", false), "a=b");
        assert_eq!(csv_cell("", false), "");
    }
}

#[cfg(test)]
mod short_date_tests {
    use super::when_short_at;
    use trainyard_core::TimeZoneName;

    fn at(s: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .timestamp_millis()
    }

    #[test]
    fn a_list_date_is_one_short_line_with_the_year_only_when_far() {
        let berlin = TimeZoneName::parse("Europe/Berlin").unwrap();
        let now = at("2026-12-06T12:00:00Z");
        let short = |s: &str, zone: &str| when_short_at(at(s), zone, &berlin, now);
        assert_eq!(
            short("2026-12-14T08:30:00Z", "Europe/Berlin"),
            "Mon 14 Dec 09:30"
        );
        // Next spring is near enough to need no year; the spring after is not.
        assert_eq!(
            short("2027-04-05T07:00:00Z", "Europe/Berlin"),
            "Mon 5 Apr 09:00"
        );
        assert_eq!(
            short("2028-04-03T07:00:00Z", "Europe/Berlin"),
            "Mon 3 Apr 2028 09:00"
        );
        // Last December is a year back: named.
        assert_eq!(
            short("2025-12-08T08:00:00Z", "Europe/Berlin"),
            "Mon 8 Dec 2025 09:00"
        );
        // A session in another zone than the viewer's: its own clock, with the zone.
        assert_eq!(
            short("2026-12-08T09:00:00Z", "Europe/London"),
            "Tue 8 Dec 09:00 GMT"
        );
    }
}
