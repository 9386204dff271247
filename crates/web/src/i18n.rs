//! The pages' words in the reader's language: one Project Fluent catalogue per language
//! (`crates/web/i18n/*.ftl`, compiled in), a [`Tr`] that templates ask for a key
//! (`{{ chrome.tr.t("sign-out") }}`), and the choice of language for a request.
//!
//! The language of a page is the signed-in user's choice (`users.language`, set by the footer's
//! switcher), else the `ty_lang` cookie the switcher sets for anyone, else the browser's
//! `Accept-Language`, else the company's language (message settings), else English. Catalogue
//! messages without arguments are formatted once at start-up, so `t` is a map lookup; messages
//! with arguments (`t1`, `t2`) are formatted per call. A key missing in a language falls back to
//! English (a test keeps the catalogues complete), and an unknown key shows the key itself.
//!
//! Making a page translatable: give its template the `Chrome` (or a `Tr`), replace each English
//! sentence by `{{ chrome.tr.t("page-key") }}`, add the key to `en.ftl` and `de.ftl`, and add the
//! page to the German rendering test in `tests/languages.rs`. See ARCHITECTURE.md.

use crate::AppState;
use crate::auth::{SESSION_COOKIE, cookie};
use axum::extract::{Form, Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{LazyLock, RwLock};
use std::time::{Duration, Instant};
use trainyard_app::Caller;
use trainyard_core::locale::{self, LanguageTag, Locale};

/// The languages the pages are shipped in, English (the reference) first.
pub const SHIPPED: &[&str] = &["en", "de"];

/// The catalogues, compiled in.
pub const CATALOGUES: &[(&str, &str)] = &[
    ("en", include_str!("../i18n/en.ftl")),
    ("de", include_str!("../i18n/de.ftl")),
];

/// The cookie the language switcher sets (for readers without an account, and as a hint).
pub const LANG_COOKIE: &str = "ty_lang";

/// The message ids of a catalogue, in order (`key = …` lines).
pub fn keys(ftl: &str) -> Vec<&str> {
    ftl.lines()
        .filter_map(|l| {
            let (k, _) = l.split_once('=')?;
            let k = k.trim_end();
            (!l.starts_with([' ', '#', '-', '\t'])
                && !k.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
            .then_some(k)
        })
        .collect()
}

struct Catalogue {
    bundle: FluentBundle<FluentResource>,
    /// Messages without arguments, formatted once.
    plain: HashMap<&'static str, &'static str>,
}

fn catalogue(lang: &str, ftl: &'static str) -> Catalogue {
    let resource = FluentResource::try_new(ftl.to_owned()).unwrap_or_else(|(r, errors)| {
        tracing::error!(lang, ?errors, "the page catalogue has syntax errors");
        r
    });
    let id = lang.parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // No Unicode isolation marks around arguments: the pages are HTML, set `lang` themselves.
    bundle.set_use_isolating(false);
    if let Err(errors) = bundle.add_resource(resource) {
        tracing::error!(lang, ?errors, "the page catalogue has duplicate keys");
    }
    let mut plain = HashMap::new();
    for key in keys(ftl) {
        let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
            continue;
        };
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, None, &mut errors);
        if errors.is_empty() {
            // Formatted once for the life of the process: a few kilobytes per language.
            plain.insert(key, &*Box::leak(text.into_owned().into_boxed_str()));
        }
    }
    Catalogue { bundle, plain }
}

static CATALOGUE: LazyLock<Vec<Catalogue>> = LazyLock::new(|| {
    CATALOGUES
        .iter()
        .map(|(lang, ftl)| catalogue(lang, ftl))
        .collect()
});

/// The words of one language, for one page. Cheap to copy; the default is English.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tr {
    /// Index into [`SHIPPED`] (0: English).
    lang: usize,
}

impl Tr {
    /// The shipped catalogue closest to `tag` (`de-AT` reads German), else English.
    pub fn new(tag: &LanguageTag) -> Self {
        let lang = SHIPPED
            .iter()
            .position(|l| *l == tag.language())
            .unwrap_or(0);
        Self { lang }
    }

    pub fn english() -> Self {
        Self::default()
    }

    /// The language for the page `c` is reading: see the module documentation.
    pub fn for_caller(c: &Caller) -> Self {
        let own = c
            .language
            .as_deref()
            .and_then(|l| LanguageTag::parse(l).ok());
        match own {
            Some(t) => Self::new(&t),
            None => Self::for_request(),
        }
    }

    /// The language of the current request: the signed-in reader's own (once noted), the
    /// cookie, the browser, the company's, English.
    pub fn for_request() -> Self {
        REQUEST
            .try_with(|r| {
                r.reader
                    .get()
                    .cloned()
                    .or_else(|| r.lang.clone())
                    .or_else(|| r.company.clone())
            })
            .ok()
            .flatten()
            .map(|t| Self::new(&t))
            .unwrap_or_default()
    }

    /// The BCP 47 tag of these words, for `<html lang>`.
    pub fn lang(&self) -> &'static str {
        SHIPPED[self.lang]
    }

    /// How this language writes dates and money.
    pub fn locale(&self) -> Locale {
        Locale::for_tag(&LanguageTag::parse(self.lang()).unwrap_or_else(|_| LanguageTag::english()))
    }

    pub fn is_english(&self) -> bool {
        self.lang == 0
    }

    /// The message `key`; English when this language lacks it; the key when nobody has it.
    pub fn t(&self, key: &str) -> &'static str {
        let cats = &*CATALOGUE;
        cats.get(self.lang)
            .and_then(|c| c.plain.get(key))
            .or_else(|| cats.first().and_then(|c| c.plain.get(key)))
            .copied()
            .unwrap_or_else(|| {
                tracing::warn!(key, "no such message in the page catalogue");
                // Shown as is; a test keeps this from happening for the pages we ship.
                Box::leak(key.to_owned().into_boxed_str())
            })
    }

    /// The message `key` if a catalogue has it, else `english` (for words, such as navigation
    /// entries added later, that are not in the catalogue yet).
    pub fn t_or(&self, key: &str, english: &'static str) -> &'static str {
        let cats = &*CATALOGUE;
        cats.get(self.lang)
            .and_then(|c| c.plain.get(key))
            .or_else(|| cats.first().and_then(|c| c.plain.get(key)))
            .copied()
            .unwrap_or(english)
    }

    /// The message `key` with its arguments.
    pub fn args(&self, key: &str, args: &[(&str, String)]) -> String {
        let cats = &*CATALOGUE;
        let mut fa = FluentArgs::new();
        for (k, v) in args {
            fa.set(*k, v.clone());
        }
        for c in [cats.get(self.lang), cats.first()].into_iter().flatten() {
            if let Some(p) = c.bundle.get_message(key).and_then(|m| m.value()) {
                let mut errors = Vec::new();
                return c
                    .bundle
                    .format_pattern(p, Some(&fa), &mut errors)
                    .into_owned();
            }
        }
        key.to_owned()
    }

    /// Whether a shipped catalogue has the message `key`.
    pub fn has(&self, key: &str) -> bool {
        CATALOGUE
            .iter()
            .any(|c| c.bundle.get_message(key).is_some())
    }

    /// A field problem in these words: the sentence of its code (`invalid-required` …) with its
    /// arguments, else the English message the use case wrote (which the API also says).
    pub fn field_error(&self, e: &trainyard_core::FieldError) -> String {
        self.problem(&e.message)
    }

    /// An English problem as the shared validators word it, in these words when its code has a
    /// sentence here (see `trainyard_core::invalid::Code`), else as it is.
    pub fn problem(&self, english: &str) -> String {
        if self.is_english() {
            return english.to_owned();
        }
        match trainyard_core::invalid::Code::of(english) {
            Some(code) => {
                let key = format!("invalid-{}", code.key);
                if !self.has(&key) {
                    return english.to_owned();
                }
                self.args(&key, &code.args)
            }
            None => english.to_owned(),
        }
    }

    /// A rule's refusal in these words: the sentence of its catalogue key with its arguments
    /// (a status or an action said in this language, a day written its way), else the English
    /// sentence the use case wrote (which logs and the API say).
    pub fn refusal(&self, r: &trainyard_core::refusal::Refusal) -> String {
        self.said(r.key, &r.args, &r.english)
    }

    /// A scheduling problem in these words (see [`Tr::refusal`]).
    pub fn conflict(&self, p: &trainyard_core::conflicts::Problem) -> String {
        self.said(p.key, &p.args, &p.message)
    }

    fn said(&self, key: &str, args: &[(&'static str, String)], english: &str) -> String {
        if self.is_english() || key.is_empty() || !self.has(key) {
            return english.to_owned();
        }
        let args: Vec<(&str, String)> = args
            .iter()
            .map(|(name, value)| (*name, self.argument(name, value)))
            .collect();
        self.args(key, &args)
    }

    /// An argument of a refusal as this language says it: statuses and actions (`cancelled`)
    /// through `refused-word-…`, days (`Mon 07 Dec 2026`, `2026-12-07`) in this locale's way;
    /// anything else (names, references, numbers) as it is.
    fn argument(&self, name: &str, value: &str) -> String {
        if matches!(name, "status" | "action" | "what") {
            let key = format!("refused-word-{}", kebab(value));
            if self.has(&key) {
                return self.t(&key).to_owned();
            }
        }
        if name == "day" || name.ends_with("_day") || name == "date" {
            let l = self.locale();
            if let Ok(d) = chrono::NaiveDate::parse_from_str(value, "%a %d %b %Y") {
                use chrono::Datelike;
                return format!("{} {}", l.weekday(d.weekday()), l.date(d));
            }
            if let Ok(d) = chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d") {
                return l.date(d);
            }
        }
        value.to_owned()
    }

    /// The message `key` with one argument.
    pub fn t1(&self, key: &str, name: &str, value: impl std::fmt::Display) -> String {
        self.args(key, &[(name, value.to_string())])
    }

    /// The message `key` with two arguments.
    pub fn t2(
        &self,
        key: &str,
        n1: &str,
        v1: impl std::fmt::Display,
        n2: &str,
        v2: impl std::fmt::Display,
    ) -> String {
        self.args(key, &[(n1, v1.to_string()), (n2, v2.to_string())])
    }

    /// A list's title inside a sentence: lower case in English ("Search sessions…"), as it is
    /// in German, whose nouns keep their capital ("Termine durchsuchen…").
    pub fn noun(&self, title: &str) -> String {
        if self.is_english() {
            title.to_lowercase()
        } else {
            title.to_owned()
        }
    }

    /// The languages the switcher offers, with their own names and whether this is one.
    pub fn choices(&self) -> Vec<(&'static str, &'static str, bool)> {
        SHIPPED
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let name = locale::OFFERED
                    .iter()
                    .find(|(t, _)| t == l)
                    .map_or(*l, |(_, n)| *n);
                (*l, name, i == self.lang)
            })
            .collect()
    }
}

/// `Marked delivered` as `marked-delivered`.
fn kebab(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

/// The request's words for `key`, for templates and helpers without a `Chrome` or `Tr` at hand
/// (`{{ crate::i18n::t("cat-show") }}`): the reader's language as [`Tr::for_request`] finds it.
pub fn t(key: &str) -> &'static str {
    Tr::for_request().t(key)
}

/// How `c` writes dates, times and amounts: their own language's locale (`en-GB` writes
/// `06/12/2026`, `en` the US way), else the page's.
pub fn locale_of(c: &Caller) -> Locale {
    c.language
        .as_deref()
        .and_then(|l| LanguageTag::parse(l).ok())
        .map(|t| Locale::for_tag(&t))
        .unwrap_or_else(|| Tr::for_request().locale())
}

/// The languages a person, client or session may be given in a form: (tag, own name).
pub fn language_choices() -> Vec<(String, String)> {
    locale::OFFERED
        .iter()
        .map(|(t, n)| ((*t).to_owned(), (*n).to_owned()))
        .collect()
}

// ------------------------------------------------------------------ the request's language

/// What the request says about its language; set by [`layer`] around every handler.
#[derive(Clone, Default)]
struct RequestLanguage {
    /// The `ty_lang` cookie, else the best shipped match of `Accept-Language`.
    lang: Option<LanguageTag>,
    /// The company's language (cached; see [`company`]).
    company: Option<LanguageTag>,
    /// The path and query of the page, for the switcher to come back to.
    here: String,
    /// The signed-in reader's own language, once their session is read ([`note_reader`]).
    reader: std::sync::OnceLock<LanguageTag>,
}

/// Notes the signed-in reader's own language for the rest of the request, so words looked up
/// without the caller at hand ([`Tr::for_request`]: fact labels, shared view helpers) follow it.
pub fn note_reader(c: &Caller) {
    if let Some(tag) = c
        .language
        .as_deref()
        .and_then(|l| LanguageTag::parse(l).ok())
    {
        let _ = REQUEST.try_with(|r| r.reader.set(tag));
    }
}

tokio::task_local! {
    static REQUEST: RequestLanguage;
}

/// The page being shown (path and query), for the language switcher.
pub fn here() -> String {
    REQUEST
        .try_with(|r| r.here.clone())
        .unwrap_or_else(|_| "/".into())
}

/// The `<html lang>` of a page without a signed-in reader.
pub fn request_lang() -> &'static str {
    Tr::for_request().lang()
}

fn from_headers(headers: &HeaderMap) -> Option<LanguageTag> {
    cookie(headers, LANG_COOKIE)
        .and_then(|v| LanguageTag::parse(v).ok())
        .filter(|t| SHIPPED.contains(&t.language()))
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| locale::negotiate(v, SHIPPED))
        })
}

/// The company's language, read at most every 30 seconds per process.
/// When the company's language was read, and what it was.
type Cached = Option<(Instant, Option<LanguageTag>)>;
static COMPANY: LazyLock<RwLock<Cached>> = LazyLock::new(|| RwLock::new(None));
const COMPANY_FRESH: Duration = Duration::from_secs(30);

async fn company(s: &AppState) -> Option<LanguageTag> {
    if let Ok(guard) = COMPANY.read()
        && let Some((at, lang)) = &*guard
        && at.elapsed() < COMPANY_FRESH
    {
        return lang.clone();
    }
    let lang = trainyard_app::languages::company_language(&s.app)
        .await
        .unwrap_or_else(|e| {
            tracing::warn!(error = %e, "the company's language could not be read");
            None
        });
    if let Ok(mut guard) = COMPANY.write() {
        *guard = Some((Instant::now(), lang.clone()));
    }
    lang
}

/// Forgets the cached company language (after an administrator changed it).
pub fn company_changed() {
    if let Ok(mut guard) = COMPANY.write() {
        *guard = None;
    }
}

/// Middleware: the request's language for every page rendered while handling it.
pub async fn layer(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let here = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".into());
    let api = here.starts_with("/api/");
    let lang = from_headers(req.headers());
    // The API is locale-neutral: no catalogue, no settings read.
    let company = if api || lang.is_some() {
        None
    } else {
        company(&s).await
    };
    REQUEST
        .scope(
            RequestLanguage {
                lang,
                company,
                here,
                reader: std::sync::OnceLock::new(),
            },
            next.run(req),
        )
        .await
}

// ------------------------------------------------------------------ the switcher

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Switch {
    lang: String,
    back: String,
    _csrf: String,
}

/// `POST /language`: shows the pages in `lang` from now on and goes back to the page (with its
/// query string) the switcher was on. A signed-in user's choice is saved with their account
/// (their CSRF token required); anyone's in a year-long cookie.
pub async fn switch(
    State(s): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<Switch>,
) -> Response {
    let Some(tag) = LanguageTag::parse(&f.lang)
        .ok()
        .filter(|t| SHIPPED.contains(&t.language()))
    else {
        return (
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "language: '{}' is not one of {}",
                f.lang.chars().take(20).collect::<String>(),
                SHIPPED.join(", ")
            ),
        )
            .into_response();
    };
    if let Some(token) = cookie(&headers, SESSION_COOKIE)
        && let Ok(Some(c)) = trainyard_app::accounts::caller_for_session(&s.app, token).await
    {
        if c.csrf_token.as_deref() != Some(f._csrf.as_str()) {
            return (
                axum::http::StatusCode::FORBIDDEN,
                "the form is out of date: reload the page and choose again",
            )
                .into_response();
        }
        if let Err(e) = trainyard_app::languages::set_my_language(&s.app, &c, tag.as_str()).await {
            return crate::error_page::error_page(e, None);
        }
    }
    let back = match f.back.as_str() {
        b if b.starts_with('/') && !b.starts_with("//") && !b.contains('\\') => b.to_owned(),
        _ => "/".to_owned(),
    };
    let secure = if s.secure_cookies { "; Secure" } else { "" };
    (
        [(
            header::SET_COOKIE,
            format!(
                "{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000{secure}",
                tag.as_str()
            ),
        )],
        Redirect::to(&back),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// Every `refusal!("key", "English {name}", …)` of the rule crates (core and app), read from
    /// their sources: (file, key, English as the catalogue writes it: `{ $name }`).
    fn refusals_in_sources() -> Vec<(String, String, String)> {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    out.push(p);
                }
            }
        }
        /// The Rust string literal at the start of `s` (after its opening quote), unescaped.
        fn literal(s: &str) -> Option<String> {
            let mut out = String::new();
            let mut chars = s.chars();
            while let Some(c) = chars.next() {
                match c {
                    '"' => return Some(out),
                    '\\' => out.push(chars.next()?),
                    c => out.push(c),
                }
            }
            None
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        walk(&root.join("core/src"), &mut files);
        walk(&root.join("app/src"), &mut files);
        let mut found = Vec::new();
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            for (at, _) in text.match_indices("refusal!(") {
                let rest = text[at + "refusal!(".len()..].trim_start();
                let Some(rest) = rest.strip_prefix('"') else {
                    continue; // the macro's own definition
                };
                let key = literal(rest).unwrap();
                let rest = rest[key.len() + 1..].trim_start();
                let rest = rest.strip_prefix(',').unwrap().trim_start();
                let english = literal(rest.strip_prefix('"').unwrap()).unwrap();
                // `{name}` as the catalogue writes it.
                let mut ftl = String::new();
                let mut parts = english.split('{');
                ftl.push_str(parts.next().unwrap_or(""));
                for p in parts {
                    let (name, after) = p.split_once('}').unwrap();
                    ftl.push_str(&format!("{{ ${name} }}{after}"));
                }
                found.push((f.display().to_string(), key, ftl));
            }
        }
        found
    }

    fn value_of<'a>(ftl: &'a str, key: &str) -> Option<&'a str> {
        ftl.lines().find_map(|l| {
            let (k, v) = l.split_once(" = ")?;
            (k == key).then_some(v)
        })
    }

    #[test]
    fn every_refusal_of_the_sources_is_in_both_catalogues_in_the_same_words() {
        let (_, en) = CATALOGUES[0];
        let (_, de) = CATALOGUES[1];
        let found = refusals_in_sources();
        assert!(found.len() > 100, "{}", found.len());
        for (file, key, english) in found {
            if key == "refused-session-full" && file.ends_with("refusal.rs") {
                continue; // the macro's own test
            }
            assert!(
                key.starts_with("refused-") || key.starts_with("conflict-"),
                "{file}: {key}"
            );
            assert_eq!(
                value_of(en, &key),
                Some(english.as_str()),
                "{file}: en.ftl must say {key} as the source does"
            );
            let german =
                value_of(de, &key).unwrap_or_else(|| panic!("{file}: {key} not in de.ftl"));
            assert_ne!(german, english, "{key} is not German");
            // The German sentence uses only the arguments the source gives.
            for name in german
                .split("{ $")
                .skip(1)
                .filter_map(|p| p.split_once(' '))
            {
                assert!(
                    english.contains(&format!("{{ ${} }}", name.0)),
                    "{key}: de.ftl uses ${} which the source does not give",
                    name.0
                );
            }
        }
    }

    #[test]
    fn a_refusal_reads_in_german_with_its_status_and_day_in_german() {
        let de = Tr::new(&LanguageTag::parse("de").unwrap());
        let r = trainyard_core::refusal!(
            "refused-enroll-status",
            "Session {session} is {status}: it takes no enrollments.",
            session = "S-00042",
            status = "cancelled",
        );
        assert_eq!(
            de.refusal(&r),
            "Der Termin S-00042 ist storniert: Er nimmt keine Anmeldungen an."
        );
        assert_eq!(Tr::english().refusal(&r), r.english);
        let p = trainyard_core::conflicts::Problem::said(
            "instructor_overlap",
            trainyard_core::conflicts::Severity::Hard,
            trainyard_core::refusal!(
                "conflict-instructor-overlap",
                "{name} is teaching {session} on {day} from {from} to {to}.",
                name = "Anna Berg",
                session = "S-00001 Excel",
                day = "Mon 05 Jul 2027",
                from = "09:00",
                to = "17:00",
            ),
        );
        assert_eq!(
            de.conflict(&p),
            "Anna Berg unterrichtet am Mo. 05.07.2027 von 09:00 bis 17:00 bereits S-00001 Excel."
        );
        // Without a key: English in every language.
        let plain = trainyard_core::refusal::Refusal::plain("No.");
        assert_eq!(de.refusal(&plain), "No.");
    }

    #[test]
    fn every_english_key_exists_in_every_catalogue_and_no_other() {
        let (_, en) = CATALOGUES[0];
        let en_keys = keys(en);
        assert!(en_keys.len() > 50, "{}", en_keys.len());
        for (lang, ftl) in &CATALOGUES[1..] {
            let k = keys(ftl);
            let missing: Vec<_> = en_keys.iter().filter(|x| !k.contains(x)).collect();
            let extra: Vec<_> = k.iter().filter(|x| !en_keys.contains(x)).collect();
            assert!(missing.is_empty(), "{lang} lacks {missing:?}");
            assert!(extra.is_empty(), "{lang} has keys English lacks: {extra:?}");
        }
    }

    #[test]
    fn every_catalogue_parses_and_formats_every_key() {
        for (lang, ftl) in CATALOGUES {
            assert!(FluentResource::try_new((*ftl).to_owned()).is_ok(), "{lang}");
            let tr = Tr::new(&LanguageTag::parse(lang).unwrap());
            for key in keys(ftl) {
                let s = tr.args(
                    key,
                    &[
                        ("what", "x".into()),
                        ("count", "1".into()),
                        ("page", "1".into()),
                        ("pages", "2".into()),
                        ("booked", "1".into()),
                        ("capacity", "2".into()),
                        ("reference", "S-1".into()),
                        ("when", "now".into()),
                        ("language", "Deutsch".into()),
                        ("used", "810.00 EUR".into()),
                        ("budget", "1000.00 EUR".into()),
                        ("minimum", "4".into()),
                        ("instructor", "Amir".into()),
                        ("reason", "holiday".into()),
                        ("until", "2027-01-31".into()),
                        ("n", "3".into()),
                        ("d", "4".into()),
                        ("value", "50 %".into()),
                        ("period", "2026-11-01 – 2026-11-30".into()),
                        ("part", "quality".into()),
                        ("name", "Ana".into()),
                        ("path", "/nowhere".into()),
                        ("zone", "Europe/Berlin".into()),
                        ("code", "7KQ2-M9XD-4TBA".into()),
                        ("activities", "2".into()),
                        ("checked", "5".into()),
                        ("ready", "4".into()),
                        ("days", "10".into()),
                        ("fee", "495.00 EUR".into()),
                        ("max", "366".into()),
                        ("share", "50 %".into()),
                        ("status", "sent".into()),
                        ("total", "12".into()),
                        ("value", "31.02.2026".into()),
                        ("expected", "DD.MM.YYYY".into()),
                        ("min", "1".into()),
                        ("digits", "2".into()),
                        ("currency", "EUR".into()),
                        ("field", "code".into()),
                        ("seconds", "30".into()),
                        ("week", "50".into()),
                        ("year", "2026".into()),
                        ("month", "12/2026".into()),
                        // The arguments of refusals and conflicts (`refused-…`, `conflict-…`).
                        ("email", "email1".into()),
                        ("session", "session1".into()),
                        ("client", "client1".into()),
                        ("hours", "hours1".into()),
                        ("first", "first1".into()),
                        ("last", "last1".into()),
                        ("from", "from1".into()),
                        ("into", "into1".into()),
                        ("resource", "resource1".into()),
                        ("invoice", "invoice1".into()),
                        ("day", "day1".into()),
                        ("requirement", "requirement1".into()),
                        ("step", "step1".into()),
                        ("course", "course1".into()),
                        ("run_id", "run_id1".into()),
                        ("room", "room1".into()),
                        ("run", "run1".into()),
                        ("done", "done1".into()),
                        ("typed", "typed1".into()),
                        ("action", "action1".into()),
                        ("venue", "venue1".into()),
                        ("to", "to1".into()),
                        ("need", "need1".into()),
                        ("gap", "gap1".into()),
                        ("at", "at1".into()),
                        ("closure", "closure1".into()),
                        ("seats", "seats1".into()),
                        ("features", "features1".into()),
                        ("pool", "pool1".into()),
                        ("quantity", "quantity1".into()),
                        ("asked", "asked1".into()),
                        ("peak", "peak1".into()),
                        ("sessions", "sessions1".into()),
                        ("reasons", "reasons1".into()),
                        ("accepted", "3".into()),
                        ("refused", "1".into()),
                        ("start_day", "2027-01-04".into()),
                        ("end_day", "2027-01-08".into()),
                        ("who", "who1".into()),
                        ("resolution", "resolution1".into()),
                        ("certificate", "certificate1".into()),
                        ("expires", "expires1".into()),
                        ("open", "open1".into()),
                        ("resolved", "resolved1".into()),
                    ],
                );
                assert!(!s.is_empty() && !s.contains('{'), "{lang} {key}: {s}");
            }
        }
    }

    #[test]
    fn lookups_fall_back_to_english_then_the_key() {
        let de = Tr::new(&LanguageTag::parse("de-AT").unwrap());
        assert_eq!(de.lang(), "de");
        assert_eq!(de.t("sign-out"), "Abmelden");
        assert_eq!(Tr::english().t("sign-out"), "Sign out");
        assert_eq!(de.t("no-such-key"), "no-such-key");
        assert_eq!(de.t_or("no-such-key", "Price lists"), "Price lists");
        assert_eq!(de.t2("list-page", "page", 2, "pages", 7), "Seite 2 von 7");
        let fr = Tr::new(&LanguageTag::parse("fr").unwrap());
        assert_eq!(fr.lang(), "en");
    }
}
