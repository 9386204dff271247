//! A kind of record declared once. A [`RecordPage`] implementation says what is particular about
//! a kind (its path, nouns, list columns and filters, form fields, detail facts, permission
//! wording and the use cases behind it); the one set of handlers here does the rest: the list
//! (with paging, sorting and CSV), the new and edit forms, create and update (with the form shown
//! again on refusal), the detail page with its history, and archive and restore.
//!
//! Routes, all from [`routes`]: `GET|POST {PATH}`, `GET {PATH}/new`, `GET|POST {PATH}/{id}`,
//! `GET {PATH}/{id}/edit`, `POST {PATH}/{id}/archive` and `POST {PATH}/{id}/restore`. The
//! access-matrix test reads the `at::<K>("…")` calls below and each `const PATH`, so keep that
//! shape.

use super::{
    DetailPage, Flash, FormPage, Submit, VersionForm, Versioned, error_page, form_refused,
    list_response, saved, wants_csv,
};
use crate::AppState;
use crate::auth::Viewer;
use crate::views::*;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::de::DeserializeOwned;
use std::future::Future;
use trainyard_app::store::{ListParams, Page};
use trainyard_app::{App, AppError, Caller, history};

/// Column heads of a list: `(label, sort key or "" for unsortable, numeric)`.
pub(crate) type Columns = Vec<(&'static str, &'static str, bool)>;

/// What the generic handlers read of every record: its id, its version and whether it is archived.
pub(crate) trait Stored {
    fn id(&self) -> i64;
    fn version(&self) -> i64;
    fn is_archived(&self) -> bool;
}

/// [`Stored`] for a record with `id`, `version` and `archived_at` (`stored!(Venue)`), or for a
/// detail that holds one (`stored!(SessionDetail => session)`).
macro_rules! stored {
    ($t:ty) => {
        impl $crate::pages::record::Stored for $t {
            fn id(&self) -> i64 {
                self.id
            }
            fn version(&self) -> i64 {
                self.version
            }
            fn is_archived(&self) -> bool {
                self.archived_at.is_some()
            }
        }
    };
    ($t:ty => $inner:ident) => {
        impl $crate::pages::record::Stored for $t {
            fn id(&self) -> i64 {
                self.$inner.id
            }
            fn version(&self) -> i64 {
                self.$inner.version
            }
            fn is_archived(&self) -> bool {
                self.$inner.archived_at.is_some()
            }
        }
    };
}
pub(crate) use stored;

/// What is particular about one kind of record. Associated consts name it; the methods declare
/// its list, forms and detail page, and which use cases back it (see [`use_cases!`]).
pub(crate) trait RecordPage: Sized + Send + Sync + 'static {
    /// Where its pages live, e.g. "/venues"; also its navigation area ("venues").
    const PATH: &'static str;
    /// The list's title and the detail page's way back, e.g. "Venues"; lower-cased, what the
    /// permission messages call several ("create venues").
    const TITLE: &'static str;
    /// What a notice calls one, e.g. "Venue" ("Venue BER created."); lower-cased, the list's
    /// button ("New venue"), the form's ("Save venue") and the audit entity ("venue").
    const NOUN: &'static str;
    /// The question before archiving.
    const ARCHIVE_CONFIRM: &'static str;
    /// The list's sort key when none is asked for.
    const DEFAULT_SORT: &'static str;

    /// The list's query string.
    type Filter: DeserializeOwned + Send + Sync;
    /// One row of the list.
    type Item: Stored + Send + Sync;
    /// What the detail page shows and the edit form starts from.
    type Record: Stored + Send + Sync;
    /// What the writes return.
    type Saved: Stored + Send;
    /// What the create and update use cases take.
    type Fields: Send + Sync;
    /// The posted form, as it arrives (usually the fields themselves).
    type Form: DeserializeOwned + Default + Send + Into<Self::Fields>;
    /// What the list needs besides its rows (chooser options for its filters, say).
    type Lookups: Send + Sync;
    /// What the detail page needs besides the record (its sections' rows, say).
    type Extra: Send;

    // ---------------------------------------------------------------- use cases

    fn list(
        app: &App,
        c: &Caller,
        f: &Self::Filter,
    ) -> impl Future<Output = Result<Page<Self::Item>, AppError>> + Send;
    fn get(
        app: &App,
        c: &Caller,
        id: i64,
    ) -> impl Future<Output = Result<Self::Record, AppError>> + Send;
    fn create(
        app: &App,
        c: &Caller,
        f: &Self::Fields,
    ) -> impl Future<Output = Result<Self::Saved, AppError>> + Send;
    fn update(
        app: &App,
        c: &Caller,
        id: i64,
        version: i64,
        f: &Self::Fields,
    ) -> impl Future<Output = Result<Self::Saved, AppError>> + Send;
    fn set_archived(
        app: &App,
        c: &Caller,
        id: i64,
        version: i64,
        archive: bool,
    ) -> impl Future<Output = Result<Self::Saved, AppError>> + Send;

    // ---------------------------------------------------------------- names and permissions

    /// The navigation entry highlighted on its pages.
    fn area() -> &'static str {
        Self::PATH.trim_start_matches('/')
    }
    fn new_label() -> String {
        crate::views::text_in("title", format!("New {}", Self::NOUN.to_lowercase()))
    }
    fn submit() -> String {
        crate::views::text_in("title", format!("Save {}", Self::NOUN.to_lowercase()))
    }
    /// The entity type of its audit events, e.g. "venue".
    fn entity() -> String {
        Self::NOUN.to_lowercase().replace(' ', "_")
    }
    /// Whether the caller gets the New, Edit and Archive buttons.
    fn may_write(c: &Caller) -> bool {
        c.role.can_edit_operations()
    }
    /// Who may open the new form.
    fn may_create(c: &Caller) -> Result<(), AppError> {
        c.require_operations(&format!("create {}", Self::TITLE.to_lowercase()))
    }
    /// Who may open the edit form (saving is checked again by the use case).
    fn may_change(c: &Caller) -> Result<(), AppError> {
        c.require_operations(&format!("change {}", Self::TITLE.to_lowercase()))
    }

    // ---------------------------------------------------------------- the list

    fn params(f: &Self::Filter) -> &ListParams;
    fn list_title(_: &Caller) -> &'static str {
        crate::views::label_in("title", Self::TITLE)
    }
    /// The list's "New …" button, in the reader's words.
    fn list_new_label(_: &Caller) -> String {
        Self::new_label()
    }
    /// Shown when the list is empty and unfiltered.
    fn empty_hint(c: &Caller) -> &'static str;
    /// Instead of the list, e.g. a redirect that puts a default filter in the address.
    fn list_redirect(_: &Caller, _: &Uri) -> Option<Response> {
        None
    }
    fn lookups(
        s: &AppState,
        c: &Caller,
        f: &Self::Filter,
    ) -> impl Future<Output = Result<Self::Lookups, AppError>> + Send;
    /// The filters above the list; "Show archived" is added after them.
    fn filters(_: &Caller, _: &Self::Filter, _: &Self::Lookups) -> Vec<Filter> {
        Vec::new()
    }
    fn columns(c: &Caller) -> Columns;
    /// One row's cells, in the order of [`RecordPage::columns`].
    fn cells(c: &Caller, i: &Self::Item, l: &Self::Lookups) -> Vec<Cell>;

    // ---------------------------------------------------------------- forms

    /// The new form's starting values; `qs` carries what the link that opened it preset.
    fn blank(
        s: &AppState,
        c: &Caller,
        qs: &QueryState,
    ) -> impl Future<Output = Self::Fields> + Send;
    fn fields_of(r: &Self::Record) -> Self::Fields;
    fn form_fields(
        s: &AppState,
        c: &Caller,
        f: &Self::Fields,
    ) -> impl Future<Output = Vec<Field>> + Send;
    /// The edit form's title: from the record when it is opened, from the input when refused.
    fn edit_title(f: &Self::Fields, r: Option<&Self::Record>) -> String;

    // ---------------------------------------------------------------- the detail page

    /// How a notice names the record, e.g. its code.
    fn label(r: &Self::Saved) -> String;
    fn created_notice(r: &Self::Saved) -> String {
        format!("{} {} created.", Self::NOUN, Self::label(r))
    }
    fn extra(
        s: &AppState,
        c: &Caller,
        r: &Self::Record,
    ) -> impl Future<Output = Result<Self::Extra, AppError>> + Send;
    fn title(r: &Self::Record) -> String;
    fn subtitle(_: &Caller, r: &Self::Record) -> String;
    fn status(r: &Self::Record) -> Option<Cell> {
        r.is_archived().then(|| Cell::badge("Archived", "archived"))
    }
    /// The way back from the detail page: `(href, label)`.
    fn back(_: &Caller) -> (&'static str, &'static str) {
        (Self::PATH, crate::views::label_in("title", Self::TITLE))
    }
    fn actions(c: &Caller, r: &Self::Record, x: &Self::Extra) -> Vec<Action>;
    fn facts(c: &Caller, r: &Self::Record, x: &Self::Extra) -> Vec<Fact>;
    fn sections(_: &Caller, _: &Self::Record, _: &Self::Extra) -> Vec<Section> {
        Vec::new()
    }
    fn shows_history(_: &Caller) -> bool {
        true
    }
    // ---------------------------------------------------------------- the one search box

    /// The filter that finds `list.q` among this kind in `/search`; `None`: not searched there.
    fn search_filter(_: ListParams) -> Option<Self::Filter> {
        None
    }
    /// The columns of a search result (fewer than the list's) and one row's cells.
    fn search_columns() -> Vec<&'static str> {
        Vec::new()
    }
    fn search_cells(_: &Caller, _: &Self::Item) -> Vec<Cell> {
        Vec::new()
    }

    /// The detail page as a response; a kind with more than facts and sections has its own.
    fn page(chrome: Chrome, view: DetailView, _: Self::Extra) -> Response {
        DetailPage { chrome, view }.into_response()
    }
}

/// The use-case functions of an app module as a [`RecordPage`]'s `list`, `get`, `create`,
/// `update` and `set_archived`: `use_cases!(trainyard_app::sites::venues);`.
macro_rules! use_cases {
    ($uses:path) => {
        async fn list(
            app: &trainyard_app::App,
            c: &trainyard_app::Caller,
            f: &Self::Filter,
        ) -> Result<trainyard_app::store::Page<Self::Item>, trainyard_app::AppError> {
            use $uses as uses;
            uses::list(app, c, f).await
        }
        async fn get(
            app: &trainyard_app::App,
            c: &trainyard_app::Caller,
            id: i64,
        ) -> Result<Self::Record, trainyard_app::AppError> {
            use $uses as uses;
            uses::get(app, c, id).await
        }
        async fn create(
            app: &trainyard_app::App,
            c: &trainyard_app::Caller,
            f: &Self::Fields,
        ) -> Result<Self::Saved, trainyard_app::AppError> {
            use $uses as uses;
            uses::create(app, c, f).await
        }
        async fn update(
            app: &trainyard_app::App,
            c: &trainyard_app::Caller,
            id: i64,
            version: i64,
            f: &Self::Fields,
        ) -> Result<Self::Saved, trainyard_app::AppError> {
            use $uses as uses;
            uses::update(app, c, id, version, f).await
        }
        async fn set_archived(
            app: &trainyard_app::App,
            c: &trainyard_app::Caller,
            id: i64,
            version: i64,
            archive: bool,
        ) -> Result<Self::Saved, trainyard_app::AppError> {
            use $uses as uses;
            uses::set_archived(app, c, id, version, archive).await
        }
    };
}
pub(crate) use use_cases;

/// The rows of `K` that `list.q` finds, as a section of the search page; `None` when the kind is
/// not searched or the caller may not list it.
pub(crate) async fn search_section<K: RecordPage>(
    s: &AppState,
    c: &Caller,
    list: &ListParams,
) -> Option<Section> {
    let filter = K::search_filter(list.clone())?;
    let page = K::list(&s.app, c, &filter).await.ok()?;
    Some(Section {
        title: format!("{} ({})", K::list_title(c), page.total),
        columns: K::search_columns(),
        rows: page
            .items
            .iter()
            .map(|x| Row {
                href: format!("{}/{}", K::PATH, x.id()),
                cells: K::search_cells(c, x),
            })
            .collect(),
        empty: format!("No {} match.", K::TITLE.to_lowercase()),
    })
}

/// Every page of `K`.
pub(crate) fn routes<K: RecordPage>() -> Router<AppState> {
    Router::new()
        .route(&at::<K>(""), get(list::<K>).post(create::<K>))
        .route(&at::<K>("/new"), get(new::<K>))
        .route(&at::<K>("/{id}"), get(show::<K>).post(update::<K>))
        .route(&at::<K>("/{id}/edit"), get(edit::<K>))
        .route(&at::<K>("/{id}/archive"), post(set_archived::<K, true>))
        .route(&at::<K>("/{id}/restore"), post(set_archived::<K, false>))
}

fn at<K: RecordPage>(suffix: &str) -> String {
    format!("{}{suffix}", K::PATH)
}

/// The header buttons operations staff get on every record: Edit, then `middle`, then Archive
/// or Restore. Nothing for anyone else.
pub(crate) fn edit_actions<K: RecordPage>(
    c: &Caller,
    r: &impl Stored,
    middle: Vec<Action>,
) -> Vec<Action> {
    if !K::may_write(c) {
        return Vec::new();
    }
    let id = r.id();
    let mut actions = vec![Action::link("Edit", format!("{}/{id}/edit", K::PATH))];
    actions.extend(middle);
    actions.push(if r.is_archived() {
        Action::post("Restore", format!("{}/{id}/restore", K::PATH), None)
    } else {
        Action::post(
            "Archive",
            format!("{}/{id}/archive", K::PATH),
            Some(K::ARCHIVE_CONFIRM),
        )
    });
    actions
}

/// "—" for an empty text.
pub(crate) fn or_dash(s: &str) -> String {
    if s.trim().is_empty() {
        "—".into()
    } else {
        s.to_owned()
    }
}

async fn form_view<K: RecordPage>(
    s: &AppState,
    c: &Caller,
    title: String,
    id: Option<i64>,
    version: Option<i64>,
    f: &K::Fields,
) -> FormView {
    let action = match id {
        Some(id) => format!("{}/{id}", K::PATH),
        None => K::PATH.to_owned(),
    };
    FormView {
        title,
        cancel_href: action.clone(),
        action,
        submit: K::submit(),
        version,
        fields: K::form_fields(s, c, f).await,
        problems: Vec::new(),
    }
}

async fn list<K: RecordPage>(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    uri: Uri,
    Query(f): Query<K::Filter>,
) -> Response {
    if let Some(r) = K::list_redirect(&c, &uri) {
        return r;
    }
    let page = match K::list(&s.app, &c, &f).await {
        Ok(p) => p,
        Err(e) => return error_page(e, Some(&c)),
    };
    let lookups = match K::lookups(&s, &c, &f).await {
        Ok(l) => l,
        Err(e) => return error_page(e, Some(&c)),
    };
    let params = K::params(&f);
    let qs = QueryState::from_uri(&uri);
    let (prev_href, next_href) = paging(&qs, K::PATH, page.page, page.pages());
    let mut filters = K::filters(&c, &f, &lookups);
    filters.push(Filter::archived(params.archived));
    // The generic filter words in the reader's language (the kind's own labels are its own).
    let tr = crate::i18n::Tr::for_caller(&c);
    if !tr.is_english() {
        for f in &mut filters {
            if f.name == "archived" {
                f.label = tr.t("filter-archived");
            }
            for o in f.options.iter_mut().filter(|o| o.value.is_empty()) {
                if o.label == "Any" {
                    o.label = tr.t("filter-any").to_owned();
                }
            }
        }
    }
    let view = ListView {
        title: K::list_title(&c),
        path: K::PATH,
        new_href: K::may_write(&c).then(|| at::<K>("/new")),
        new_label: K::list_new_label(&c),
        q: params.q.clone(),
        filters,
        columns: columns(&qs, K::PATH, K::DEFAULT_SORT, &K::columns(&c)),
        rows: page
            .items
            .iter()
            .map(|i| Row {
                href: format!("{}/{}", K::PATH, i.id()),
                cells: K::cells(&c, i, &lookups),
            })
            .collect(),
        total: page.total,
        page: page.page,
        pages: page.pages(),
        prev_href,
        next_href,
        csv_href: qs.with(
            K::PATH,
            &[("format", "csv"), ("page", ""), ("per_page", "10000")],
        ),
        empty_hint: K::empty_hint(&c).into(),
        filtered: qs.is_filtered(),
    };
    list_response(Chrome::new(&c, K::area(), flash), view, wants_csv(&qs))
}

async fn new<K: RecordPage>(State(s): State<AppState>, Viewer(c): Viewer, uri: Uri) -> Response {
    if let Err(e) = K::may_create(&c) {
        return error_page(e, Some(&c));
    }
    let blank = K::blank(&s, &c, &QueryState::from_uri(&uri)).await;
    let view = form_view::<K>(&s, &c, K::new_label(), None, None, &blank).await;
    FormPage {
        chrome: Chrome::new(&c, K::area(), None),
        view,
    }
    .into_response()
}

async fn create<K: RecordPage>(
    State(s): State<AppState>,
    Submit { caller: c, form }: Submit<K::Form>,
) -> Response {
    let f: K::Fields = form.into();
    match K::create(&s.app, &c, &f).await {
        Ok(r) => saved(&format!("{}/{}", K::PATH, r.id()), &K::created_notice(&r)),
        Err(e) => {
            let view = form_view::<K>(&s, &c, K::new_label(), None, None, &f).await;
            form_refused(Chrome::new(&c, K::area(), None), view, e, &c)
        }
    }
}

async fn show<K: RecordPage>(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    Path(id): Path<i64>,
    uri: Uri,
) -> Response {
    let tab = QueryState::from_uri(&uri).get("tab").to_owned();
    render::<K>(&s, &c, flash, id, tab, |_| {}).await
}

/// The record's page, with `adjust` applied to what it shows besides the record: a refused
/// action shows the page again with its form as the user left it (every tab shown, so the
/// refusal is in view wherever it is).
pub(crate) async fn show_with<K: RecordPage>(
    s: &AppState,
    c: &Caller,
    flash: Option<String>,
    id: i64,
    adjust: impl FnOnce(&mut K::Extra),
) -> Response {
    render::<K>(s, c, flash, id, String::new(), adjust).await
}

async fn render<K: RecordPage>(
    s: &AppState,
    c: &Caller,
    flash: Option<String>,
    id: i64,
    tab: String,
    adjust: impl FnOnce(&mut K::Extra),
) -> Response {
    let r = match K::get(&s.app, c, id).await {
        Ok(r) => r,
        Err(e) => return error_page(e, Some(c)),
    };
    let mut x = match K::extra(s, c, &r).await {
        Ok(x) => x,
        Err(e) => return error_page(e, Some(c)),
    };
    adjust(&mut x);
    let events = if K::shows_history(c) {
        history::of_record(&s.app, c, &K::entity(), id)
            .await
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let (back_href, back_label) = K::back(c);
    let view = DetailView {
        title: K::title(&r),
        subtitle: K::subtitle(c, &r),
        status: K::status(&r),
        back_href,
        back_label,
        version: r.version(),
        actions: K::actions(c, &r, &x),
        facts: K::facts(c, &r, &x),
        sections: K::sections(c, &r, &x),
        history: history(events, &viewer_tz(c)),
        tab,
    };
    K::page(Chrome::new(c, K::area(), flash), view, x)
}

async fn edit<K: RecordPage>(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Path(id): Path<i64>,
) -> Response {
    if let Err(e) = K::may_change(&c) {
        return error_page(e, Some(&c));
    }
    match K::get(&s.app, &c, id).await {
        Ok(r) => {
            let f = K::fields_of(&r);
            let title = K::edit_title(&f, Some(&r));
            let view = form_view::<K>(&s, &c, title, Some(id), Some(r.version()), &f).await;
            FormPage {
                chrome: Chrome::new(&c, K::area(), None),
                view,
            }
            .into_response()
        }
        Err(e) => error_page(e, Some(&c)),
    }
}

async fn update<K: RecordPage>(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit {
        caller: c,
        form: posted,
    }: Submit<Versioned<K::Form>>,
) -> Response {
    let version = posted.version;
    let f: K::Fields = posted.inner.into();
    match K::update(&s.app, &c, id, version, &f).await {
        Ok(r) => saved(
            &format!("{}/{id}", K::PATH),
            &crate::i18n::Tr::for_caller(&c).t2(
                "record-saved",
                "what",
                crate::views::label_in("noun", K::NOUN),
                "name",
                K::label(&r),
            ),
        ),
        Err(e) => {
            let title = K::edit_title(&f, None);
            let view = form_view::<K>(&s, &c, title, Some(id), Some(version), &f).await;
            form_refused(Chrome::new(&c, K::area(), None), view, e, &c)
        }
    }
}

async fn set_archived<K: RecordPage, const ARCHIVE: bool>(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit {
        caller: c,
        form: posted,
    }: Submit<VersionForm>,
) -> Response {
    match K::set_archived(&s.app, &c, id, posted.version, ARCHIVE).await {
        Ok(r) => saved(
            &format!("{}/{id}", K::PATH),
            &crate::i18n::Tr::for_caller(&c).t2(
                if ARCHIVE {
                    "record-archived"
                } else {
                    "record-restored"
                },
                "what",
                crate::views::label_in("noun", K::NOUN),
                "name",
                K::label(&r),
            ),
        ),
        Err(e) => error_page(e, Some(&c)),
    }
}
