//! Schedule: the resource timeline (instructors or rooms × the days of a week or month, conflicts
//! in red) and month calendars of one instructor, room, venue or client.

use crate::AppState;
use crate::auth::Viewer;
use crate::pages::{Flash, error_page};
use crate::views::*;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{Datelike, Duration, Months, NaiveDate, Weekday};
use trainyard_app::AppError;
use trainyard_app::sites::venues;
use trainyard_app::timeline::{
    self as tl, CalendarKind, Entry, RowKind, Timeline, TimelineQuery, Window,
};
use trainyard_core::TimeZoneName;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/timeline", get(timeline))
        .route("/calendar", get(calendar))
}

// ------------------------------------------------------------------ shared

/// A bar on the timeline or a line in a calendar day.
pub struct Bar {
    pub href: String,
    pub code: String,
    /// Start in the session's zone, "09:00".
    pub time: String,
    /// "confirmed", "tentative" or "declined".
    pub tone: &'static str,
    pub conflict: bool,
    /// The whole story for the tooltip.
    pub title: String,
}

fn bar(e: &Entry, viewer: &TimeZoneName, link: bool) -> Bar {
    let it = &e.item;
    let zone = TimeZoneName::parse(&it.time_zone).unwrap_or(*viewer);
    let start = zone.local(it.starts_at);
    let end = zone.local(it.ends_at);
    let status = match it.status.as_str() {
        "tentative" => "Tentative booking".to_owned(),
        s => {
            let mut c = s.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
                .replace('_', " ")
        }
    };
    let mut title = format!(
        "{} {} · {}–{} · {}",
        it.session_reference,
        it.course_code,
        when(it.starts_at, &it.time_zone, viewer),
        end.format("%H:%M"),
        status
    );
    if e.conflict {
        title.push_str(" · CONFLICT: overlaps another item in this row");
    }
    Bar {
        href: if link {
            format!("/sessions/{}", it.session_id)
        } else {
            String::new()
        },
        code: it.course_code.clone(),
        time: start.format("%H:%M").to_string(),
        tone: e.tone.as_str(),
        conflict: e.conflict,
        title,
    }
}

/// Index of the viewer-local day each entry touches, within `[0, n)`: a part that runs past
/// midnight shows on both days.
fn day_span(e: &Entry, day_starts: &[i64]) -> std::ops::Range<usize> {
    // day_starts has n + 1 boundaries.
    let n = day_starts.len() - 1;
    let first = day_starts[1..].partition_point(|&b| b <= e.item.starts_at);
    let last = day_starts[1..].partition_point(|&b| b < e.item.ends_at);
    first.min(n)..(last + 1).min(n)
}

fn boundaries(from: NaiveDate, days: i64, tz: &TimeZoneName) -> Vec<i64> {
    (0..=days)
        .map(|d| tz.start_of_day_ms(from + Duration::days(d)))
        .collect()
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The first day of `d`'s week, for a reader whose weeks start on `first`.
fn week_of(d: NaiveDate, first: Weekday) -> NaiveDate {
    let back = (d.weekday().num_days_from_monday() + 7 - first.num_days_from_monday()) % 7;
    d - Duration::days(back as i64)
}

/// The day a reader's weeks start on: their own language's locale says (Sunday for `en-US`,
/// Monday for `de` and `en-GB`); without one, ISO weeks (Monday), as the schedule always had.
fn first_day_of(c: &trainyard_app::Caller) -> Weekday {
    c.language
        .as_deref()
        .and_then(|l| trainyard_core::locale::LanguageTag::parse(l).ok())
        .map_or(Weekday::Mon, |t| {
            trainyard_core::locale::Locale::for_tag(&t).first_day
        })
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

fn days_in_month(first: NaiveDate) -> i64 {
    first
        .checked_add_months(Months::new(1))
        .map(|n| (n - first).num_days())
        .unwrap_or(30)
}

fn today_in(tz: &TimeZoneName) -> NaiveDate {
    tz.local(trainyard_core::time::now_ms()).date_naive()
}

// ------------------------------------------------------------------ timeline

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct TimelineParams {
    rows: String,
    view: String,
    start: String,
    venue_id: String,
    q: String,
    plan_run: String,
}

pub struct DayHead {
    pub weekday: String,
    pub day: String,
    pub month: String,
    pub class: &'static str,
    pub iso: String,
    /// The closures of the day ("Christmas Day", "BER closed: Renovation"); empty when open.
    pub closed: String,
}

/// A bar on a timeline row: one session's consecutive days, in a lane of the row's grid.
pub struct Block {
    pub bar: Bar,
    /// 1-based grid column of the first day, and how many days it spans.
    pub col: usize,
    pub span: usize,
    /// 1-based lane (grid row) within the timeline row.
    pub lane: usize,
    /// The days it covers, for screen readers ("Wed 2 Dec–Fri 4 Dec").
    pub days: String,
}

pub struct TlRow {
    pub name: String,
    pub detail: String,
    pub href: String,
    pub blocks: Vec<Block>,
    pub lanes: usize,
    pub conflicts: usize,
    pub busy_days: usize,
    /// The class of each day's cell: weekend, today, time off.
    pub cells: Vec<String>,
    /// Time off in the window, for the row's second line ("off: holiday").
    pub off: String,
}

pub struct Link {
    pub label: &'static str,
    pub href: String,
    pub current: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "timeline.html")]
struct TimelinePage {
    chrome: Chrome,
    heading: String,
    month_view: bool,
    instructors: bool,
    days: Vec<DayHead>,
    rows: Vec<TlRow>,
    prev_href: String,
    next_href: String,
    today_href: String,
    prev_label: &'static str,
    next_label: &'static str,
    row_links: Vec<Link>,
    view_links: Vec<Link>,
    hidden: Vec<(&'static str, String)>,
    q: String,
    venues: Vec<Opt>,
    conflicts: usize,
    items: usize,
    empty_title: String,
    empty_hint: String,
    empty_href: String,
    empty_label: String,
    time_zone: String,
    /// The plan run whose proposal is shown, dashed, in place of where its sessions stand now.
    plan_run: Option<i64>,
    hide_plan_href: String,
}

impl TimelinePage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}

async fn timeline(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    uri: Uri,
    Query(p): Query<TimelineParams>,
) -> Response {
    if let Err(e) = c.require_staff("see the schedule of every instructor and room") {
        return error_page(e, Some(&c));
    }
    let viewer = viewer_tz(&c);
    let today = today_in(&viewer);
    let kind = RowKind::parse_or_default(&p.rows);
    let month_view = p.view == "month";
    let asked = tl::parse_day("start", &p.start).unwrap_or(today);
    let (from, days) = if month_view {
        let f = first_of_month(asked);
        (f, days_in_month(f))
    } else {
        (week_of(asked, first_day_of(&c)), 7)
    };
    let venue_id = p.venue_id.trim().parse::<i64>().ok();
    let window = match Window::new(from, days) {
        Ok(w) => w,
        Err(e) => return error_page(AppError::Invalid(e), Some(&c)),
    };
    let plan_run = p.plan_run.trim().parse::<i64>().ok();
    let query = TimelineQuery {
        kind,
        window,
        q: p.q.clone(),
        venue_id,
        plan_run,
    };
    let t = match tl::timeline(&s.app, &c, &query, &viewer).await {
        Ok(t) => t,
        Err(e) => return error_page(e, Some(&c)),
    };
    let qs = QueryState::from_uri(&uri);
    const PATH: &str = "/timeline";
    let (prev, next) = if month_view {
        (
            from.checked_sub_months(Months::new(1)).unwrap_or(from),
            from.checked_add_months(Months::new(1)).unwrap_or(from),
        )
    } else {
        (from - Duration::days(7), from + Duration::days(7))
    };
    let ymd = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let start_str = ymd(from);
    let rows_links = vec![
        Link {
            label: "Instructors",
            href: qs.with(PATH, &[("rows", "")]),
            current: kind == RowKind::Instructors,
        },
        Link {
            label: "Rooms",
            href: qs.with(PATH, &[("rows", "rooms")]),
            current: kind == RowKind::Rooms,
        },
    ];
    let view_links = vec![
        Link {
            label: "Week",
            href: qs.with(PATH, &[("view", ""), ("start", &start_str)]),
            current: !month_view,
        },
        Link {
            label: "Month",
            href: qs.with(PATH, &[("view", "month"), ("start", &start_str)]),
            current: month_view,
        },
    ];
    let heading = if month_view {
        from.format("%B %Y").to_string()
    } else {
        let last = from + Duration::days(6);
        let left = if last.year() != from.year() {
            from.format("%-d %b %Y")
        } else if last.month() != from.month() {
            from.format("%-d %b")
        } else {
            from.format("%-d")
        };
        format!(
            "Week {} · {}–{}",
            from.iso_week().week(),
            left,
            last.format("%-d %b %Y")
        )
    };
    let venues = if kind == RowKind::Rooms {
        let mut v = vec![Opt {
            value: String::new(),
            label: "All venues".into(),
            selected: venue_id.is_none(),
        }];
        v.extend(options(
            id_choices(venues::options(&s.app, &c).await.unwrap_or_default()),
            &venue_id.map(|v| v.to_string()).unwrap_or_default(),
        ));
        v
    } else {
        Vec::new()
    };
    let mut hidden = vec![("start", start_str.clone())];
    if kind == RowKind::Rooms {
        hidden.push(("rows", "rooms".into()));
    }
    if month_view {
        hidden.push(("view", "month".into()));
    }
    if let Some(run) = plan_run {
        hidden.push(("plan_run", run.to_string()));
    }
    let filtered = match kind {
        RowKind::Instructors => !p.q.trim().is_empty(),
        RowKind::Rooms => venue_id.is_some(),
    };
    let (empty_title, empty_hint, empty_href, empty_label) = match (kind, filtered) {
        (RowKind::Instructors, true) => (
            "No instructor matches".to_owned(),
            format!("No active instructor's name contains “{}”.", p.q.trim()),
            qs.with(PATH, &[("q", ""), ("venue_id", "")]),
            "Show all instructors".to_owned(),
        ),
        (RowKind::Rooms, true) => (
            "No rooms at this venue".to_owned(),
            "The venue you chose has no active rooms. Add one, or look at every venue.".to_owned(),
            qs.with(PATH, &[("q", ""), ("venue_id", "")]),
            "Show all venues".to_owned(),
        ),
        (RowKind::Instructors, false) => (
            "No instructors yet".to_owned(),
            "The timeline shows each active instructor's assignments day by day. Add your instructors first.".to_owned(),
            "/instructors/new".to_owned(),
            "Add an instructor".to_owned(),
        ),
        (RowKind::Rooms, false) => (
            "No rooms yet".to_owned(),
            "The timeline shows each room's bookings day by day. Add a resource of kind Room at one of your venues.".to_owned(),
            "/resources/new".to_owned(),
            "Add a room".to_owned(),
        ),
    };
    let items = t.rows.iter().map(|r| r.entries.len()).sum();
    let rows = build_rows(&t, &viewer);
    let locale = crate::i18n::Tr::for_caller(&c).locale();
    let days_head = window
        .dates()
        .into_iter()
        .map(|d| DayHead {
            weekday: if month_view {
                locale.weekday(d.weekday()).chars().take(2).collect()
            } else {
                locale.weekday(d.weekday()).to_owned()
            },
            day: d.format("%-d").to_string(),
            month: d.format("%b").to_string(),
            class: day_class(d, today),
            iso: ymd(d),
            closed: closed_on(&t, d),
        })
        .collect();
    TimelinePage {
        chrome: Chrome::new(&c, "timeline", flash),
        heading,
        month_view,
        instructors: kind == RowKind::Instructors,
        days: days_head,
        rows,
        prev_href: qs.with(PATH, &[("start", &ymd(prev))]),
        next_href: qs.with(PATH, &[("start", &ymd(next))]),
        today_href: qs.with(PATH, &[("start", "")]),
        prev_label: if month_view {
            "Previous month"
        } else {
            "Previous week"
        },
        next_label: if month_view {
            "Next month"
        } else {
            "Next week"
        },
        row_links: rows_links,
        view_links,
        hidden,
        q: p.q.trim().to_owned(),
        venues,
        conflicts: t.conflicts,
        items,
        empty_title,
        empty_hint,
        empty_href,
        empty_label,
        time_zone: viewer.as_str().to_owned(),
        plan_run,
        hide_plan_href: qs.with(PATH, &[("plan_run", "")]),
    }
    .into_response()
}

fn day_class(d: NaiveDate, today: NaiveDate) -> &'static str {
    match (d == today, is_weekend(d)) {
        (true, true) => "tl-today tl-we",
        (true, false) => "tl-today",
        (false, true) => "tl-we",
        (false, false) => "",
    }
}

fn closed_on(t: &Timeline, d: NaiveDate) -> String {
    let iso = d.format("%Y-%m-%d").to_string();
    t.closures
        .iter()
        .filter(|c| c.day == iso)
        .map(|c| match &c.venue_name {
            Some(v) => format!("{v} closed: {}", c.name),
            None => c.name.clone(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn build_rows(t: &Timeline, viewer: &TimeZoneName) -> Vec<TlRow> {
    let dates = t.window.dates();
    let bounds = boundaries(t.window.from, t.window.days, viewer);
    let cal_kind = match t.kind {
        RowKind::Instructors => "instructor",
        RowKind::Rooms => "room",
    };
    let month_param = t.window.from.format("%Y-%m").to_string();
    t.rows
        .iter()
        .map(|r| {
            let (blocks, lanes) = blocks_of(&r.entries, &bounds, &dates, viewer);
            let mut busy = vec![false; dates.len()];
            for b in blocks.iter().filter(|b| b.bar.tone != "declined") {
                for d in &mut busy[b.col - 1..b.col - 1 + b.span] {
                    *d = true;
                }
            }
            TlRow {
                name: r.head.name.clone(),
                detail: r.head.detail.clone(),
                href: format!(
                    "/calendar?kind={cal_kind}&id={}&month={month_param}",
                    r.head.id
                ),
                blocks,
                lanes,
                conflicts: r.conflicts,
                busy_days: busy.iter().filter(|b| **b).count(),
                cells: dates
                    .iter()
                    .enumerate()
                    .map(|(i, d)| {
                        let off = r
                            .time_off
                            .iter()
                            .any(|(a, b, _)| *a < bounds[i + 1] && *b > bounds[i]);
                        let base = day_class(*d, today_in(viewer));
                        match (base.is_empty(), off) {
                            (_, false) => base.to_owned(),
                            (true, true) => "tl-off".to_owned(),
                            (false, true) => format!("{base} tl-off"),
                        }
                    })
                    .collect(),
                off: {
                    let mut reasons: Vec<String> =
                        r.time_off.iter().map(|t| t.2.to_lowercase()).collect();
                    reasons.dedup();
                    reasons.join(", ")
                },
            }
        })
        .collect()
}

/// One row's entries as bars: the parts of one session on consecutive days (same status) become
/// one bar across those days; bars that share a day go to separate lanes. Returns the bars and the
/// number of lanes.
fn blocks_of(
    entries: &[Entry],
    bounds: &[i64],
    dates: &[NaiveDate],
    viewer: &TimeZoneName,
) -> (Vec<Block>, usize) {
    struct Open<'a> {
        first: &'a Entry,
        last: &'a Entry,
        from: usize,
        to: usize,
        conflict: bool,
        parts: usize,
    }
    let mut open: Vec<Open> = Vec::new();
    for e in entries {
        let span = day_span(e, bounds);
        if span.is_empty() {
            continue;
        }
        if let Some(o) = open.iter_mut().rev().find(|o| {
            o.first.item.session_id == e.item.session_id
                && o.first.tone == e.tone
                && o.conflict == e.conflict
                && span.start <= o.to + 1
        }) {
            o.to = o.to.max(span.end - 1);
            o.last = e;
            o.parts += 1;
            continue;
        }
        open.push(Open {
            first: e,
            last: e,
            from: span.start,
            to: span.end - 1,
            conflict: e.conflict,
            parts: 1,
        });
    }
    open.sort_by_key(|o| (o.from, std::cmp::Reverse(o.to)));
    let mut lane_ends: Vec<usize> = Vec::new();
    let mut blocks = Vec::with_capacity(open.len());
    for o in open {
        let lane = match lane_ends.iter().position(|&end| end < o.from) {
            Some(l) => {
                lane_ends[l] = o.to;
                l
            }
            None => {
                lane_ends.push(o.to);
                lane_ends.len() - 1
            }
        };
        let mut bar = bar(o.first, viewer, true);
        bar.conflict = o.conflict;
        if o.parts > 1 {
            let zone = TimeZoneName::parse(&o.last.item.time_zone).unwrap_or(*viewer);
            bar.title = format!(
                "{} · {} parts, the last ending {}{}",
                bar.title.split(" · CONFLICT").next().unwrap_or_default(),
                o.parts,
                zone.display(o.last.item.ends_at),
                if o.conflict {
                    " · CONFLICT: overlaps another item in this row"
                } else {
                    ""
                }
            );
        }
        let fmt = |d: NaiveDate| d.format("%a %-d %b").to_string();
        blocks.push(Block {
            bar,
            col: o.from + 1,
            span: o.to - o.from + 1,
            lane: lane + 1,
            days: if o.to > o.from {
                format!("{}–{}", fmt(dates[o.from]), fmt(dates[o.to]))
            } else {
                fmt(dates[o.from])
            },
        });
    }
    (blocks, lane_ends.len().max(1))
}

// ------------------------------------------------------------------ calendars

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct CalendarParams {
    kind: String,
    id: String,
    month: String,
}

pub struct CalDay {
    pub day: String,
    pub iso: String,
    pub class: String,
    pub bars: Vec<Bar>,
    /// The closures of the day by name ("Christmas Day", "BER closed: Renovation").
    pub closed: String,
    /// Why the instructor is off (or the room closed) that day.
    pub off: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "calendar.html")]
struct CalendarPage {
    chrome: Chrome,
    title: String,
    kind_label: &'static str,
    detail: String,
    month_label: String,
    /// The week's days in the reader's order and words, and whether each is a weekend day.
    weekdays: [(&'static str, bool); 7],
    weeks: Vec<Vec<CalDay>>,
    prev_href: String,
    next_href: String,
    today_href: String,
    timeline_href: Option<String>,
    items: usize,
    conflicts: usize,
    time_zone: String,
    is_instructor: bool,
    /// Days (off, closed) in the grid.
    off_days: (usize, usize),
}

impl CalendarPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}

async fn calendar(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    Query(p): Query<CalendarParams>,
) -> Response {
    let kind = match CalendarKind::parse(&p.kind) {
        Ok(k) => k,
        Err(e) => return error_page(AppError::Invalid(e), Some(&c)),
    };
    let id = match p.id.trim().parse::<i64>() {
        Ok(id) => id,
        Err(_) => {
            return error_page(
                AppError::Invalid(trainyard_core::Invalid::field(
                    "id",
                    "name the record whose calendar to show, e.g. id=1",
                )),
                Some(&c),
            );
        }
    };
    let viewer = viewer_tz(&c);
    let today = today_in(&viewer);
    let first = if p.month.trim().is_empty() {
        first_of_month(today)
    } else {
        match tl::parse_day("month", &format!("{}-01", p.month.trim())) {
            Ok(d) => d,
            Err(_) => {
                return error_page(
                    AppError::Invalid(trainyard_core::Invalid::field(
                        "month",
                        format!(
                            "'{}' is not a month (expected YYYY-MM)",
                            p.month.trim().chars().take(20).collect::<String>()
                        ),
                    )),
                    Some(&c),
                );
            }
        }
    };
    let week_starts = first_day_of(&c);
    let grid_from = week_of(first, week_starts);
    let n_days = days_in_month(first);
    let last = first + Duration::days(n_days - 1);
    let grid_to = week_of(last, week_starts) + Duration::days(7);
    let grid_days = (grid_to - grid_from).num_days();
    let window = match Window::new(grid_from, grid_days) {
        Ok(w) => w,
        Err(e) => return error_page(AppError::Invalid(e), Some(&c)),
    };
    let cal = match tl::calendar(&s.app, &c, kind, id, window, &viewer).await {
        Ok(x) => x,
        Err(e) => return error_page(e, Some(&c)),
    };
    let bounds = boundaries(grid_from, grid_days, &viewer);
    let mut days: Vec<CalDay> = window
        .dates()
        .into_iter()
        .enumerate()
        .map(|(i, d)| {
            let mut class = String::from(day_class(d, today));
            if d.month() != first.month() {
                class.push_str(" cal-out");
            }
            let iso = d.format("%Y-%m-%d").to_string();
            let closed = cal
                .closures
                .iter()
                .filter(|c| c.day == iso)
                .map(|c| match (&c.venue_name, kind) {
                    // On a venue's own calendar its name goes without saying.
                    (Some(v), CalendarKind::Room) => format!("{v} closed: {}", c.name),
                    _ => c.name.clone(),
                })
                .collect::<Vec<_>>()
                .join("; ");
            let mut off: Vec<String> = cal
                .time_off
                .iter()
                .filter(|(a, b, _)| *a < bounds[i + 1] && *b > bounds[i])
                .map(|t| t.2.clone())
                .collect();
            off.dedup();
            let off = off.join(", ");
            if !closed.is_empty() {
                class.push_str(" cal-closed");
            }
            if !off.is_empty() {
                class.push_str(" cal-off");
            }
            CalDay {
                day: if d.day() == 1 {
                    d.format("%-d %b").to_string()
                } else {
                    d.format("%-d").to_string()
                },
                iso,
                class: class.trim().to_owned(),
                bars: Vec::new(),
                closed,
                off,
            }
        })
        .collect();
    for e in &cal.entries {
        for d in day_span(e, &bounds) {
            days[d].bars.push(bar(e, &viewer, cal.sessions_visible));
        }
    }
    let off_days = weeks_days_count(&days);
    let mut weeks = Vec::new();
    let mut it = days.into_iter().peekable();
    while it.peek().is_some() {
        weeks.push(it.by_ref().take(7).collect::<Vec<_>>());
    }
    let href = |m: NaiveDate| {
        format!(
            "/calendar?kind={}&id={id}&month={}",
            kind.as_str(),
            m.format("%Y-%m")
        )
    };
    let timeline_href = c.role.is_staff().then(|| match kind {
        CalendarKind::Room => format!(
            "/timeline?rows=rooms&view=month&start={}",
            first.format("%Y-%m-%d")
        ),
        _ => format!("/timeline?view=month&start={}", first.format("%Y-%m-%d")),
    });
    CalendarPage {
        chrome: Chrome::new(
            &c,
            if c.role.is_staff() {
                "timeline"
            } else {
                "home"
            },
            flash,
        ),
        title: cal.title,
        kind_label: kind.label(),
        detail: cal.detail,
        month_label: first.format("%B %Y").to_string(),
        weekdays: {
            let locale = crate::i18n::Tr::for_caller(&c).locale();
            let mut d = week_starts;
            std::array::from_fn(|_| {
                let out = (locale.weekday(d), matches!(d, Weekday::Sat | Weekday::Sun));
                d = d.succ();
                out
            })
        },
        weeks,
        prev_href: href(first.checked_sub_months(Months::new(1)).unwrap_or(first)),
        next_href: href(first.checked_add_months(Months::new(1)).unwrap_or(first)),
        today_href: href(first_of_month(today)),
        timeline_href,
        items: cal
            .entries
            .iter()
            .filter(|e| e.item.starts_at < bounds[bounds.len() - 1] && e.item.ends_at > bounds[0])
            .count(),
        conflicts: cal.entries.iter().filter(|e| e.conflict).count(),
        time_zone: viewer.as_str().to_owned(),
        is_instructor: kind == CalendarKind::Instructor,
        off_days,
    }
    .into_response()
}

/// How many days of the grid are off or closed: the legend shows their keys only then.
fn weeks_days_count(days: &[CalDay]) -> (usize, usize) {
    (
        days.iter().filter(|d| !d.off.is_empty()).count(),
        days.iter().filter(|d| !d.closed.is_empty()).count(),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use trainyard_app::store::timeline::Item;

    fn entry(start: i64, end: i64) -> Entry {
        Entry {
            item: Item {
                row_id: 1,
                session_id: 1,
                session_reference: "S-1".into(),
                part_id: 1,
                course_code: "X".into(),
                time_zone: "UTC".into(),
                starts_at: start,
                ends_at: end,
                status: "confirmed".into(),
            },
            tone: tl::Tone::Confirmed,
            conflict: false,
        }
    }

    #[test]
    fn entries_land_on_the_days_they_touch() {
        let h = 3_600_000;
        let b = [0, 24 * h, 48 * h, 72 * h];
        assert_eq!(day_span(&entry(9 * h, 17 * h), &b), 0..1);
        assert_eq!(day_span(&entry(22 * h, 26 * h), &b), 0..2);
        // Ends exactly at midnight: one day only.
        assert_eq!(day_span(&entry(20 * h, 24 * h), &b), 0..1);
        // Started the evening before the window.
        assert_eq!(day_span(&entry(-2 * h, 2 * h), &b), 0..1);
        assert_eq!(day_span(&entry(70 * h, 75 * h), &b), 2..3);
    }

    #[test]
    fn weeks_start_on_monday_and_months_have_their_days() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        assert_eq!(
            week_of(d, Weekday::Mon),
            NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
        );
        // A US reader's week of Thursday 3 December starts on Sunday 29 November; a Sunday
        // starts its own week there, and is the last day of a Monday week.
        assert_eq!(
            week_of(d, Weekday::Sun),
            NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
        );
        let sunday = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        assert_eq!(week_of(sunday, Weekday::Sun), sunday);
        assert_eq!(
            week_of(sunday, Weekday::Mon),
            NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
        );
        assert_eq!(days_in_month(first_of_month(d)), 31);
        assert_eq!(
            days_in_month(NaiveDate::from_ymd_opt(2028, 2, 1).unwrap()),
            29
        );
    }
}
