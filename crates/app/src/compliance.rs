//! Compliance checklists (issue 16 §4) and the substitution protocol (§5).
//!
//! * **Requirements** per client or per course ([`create_requirement`] …): coordinators,
//!   managers and admins; audited.
//! * **Checklists.** Each session that counts (scheduled to closed) gets one item per requirement
//!   of its client and course, materialised by [`sync_in`] with the due instant computed in the
//!   session's zone ([`trainyard_core::compliance::due_at`]); system items (certificates issued,
//!   instructor qualified) are marked met there too. The database marks a session when what
//!   decides its checklist changes (migration 0046; a new or changed requirement marks its
//!   sessions in its write), and only marked sessions are brought up to date ([`sync_marked`]):
//!   before the dashboard reads, by the worker, after a requirement's write; the session page
//!   brings its own session up to date in its transaction.
//! * **Uploads** ([`upload`]) are checked (name, type, size) before anything is written; the
//!   document and the item it meets are written in one transaction, the item update guarded, so
//!   a refused update leaves no document behind. Instructors may upload for their own session.
//! * **Ticks** ([`tick`]) meet a manual or document item with a note. A feedback response rate
//!   is met by the system at the answer that reaches it (brought up to date when a survey is
//!   answered).
//! * **Dashboard** ([`dashboard`]): overdue and open items across sessions and clients, late ones,
//!   and open substitutions.
//! * **Evidence packs** ([`session_pack`], [`client_pack`]): a zip of a PDF summary and the
//!   documents. Staff, and a client contact for their own sessions.
//! * **Substitutions**: opened when a confirmed assignment is withdrawn ([`open_in`], called by
//!   staffing) or by hand ([`open_substitution`]); each step is completed with a note
//!   ([`complete_step`]); done when every step is.

use crate::error::About as _;
use crate::{App, AppError, Caller, now_ms};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::Write as _;
use trainyard_core::Role;
use trainyard_core::TimeZoneName;
use trainyard_core::compliance::{
    self as rules, ItemState, RequirementInput, RequirementKind, SubstitutionStep,
};
use trainyard_store::compliance::{
    self as repo, DashboardCounts, DashboardFilter, Document, Item, NewDocument, Requirement,
    Substitution,
};
use trainyard_store::{Conn, Page, assignments, sessions};

/// Marked sessions brought up to date per transaction: a write lock held for a moment, not for
/// the whole year.
const SYNC_CHUNK: i64 = 1_000;

/// Brings the checklists of `sessions` up to date in the caller's transaction: writes their
/// missing items (due instants in each session's zone), moves the due instant of open items whose
/// session moved, drops open items that no longer apply, and marks the system items the data now
/// meets. Returns how many items it wrote.
async fn sync_sessions(tx: &mut Conn, sessions: &[i64], now: i64) -> Result<usize, AppError> {
    let mut missing = Vec::new();
    for a in repo::applicable_items(tx, sessions).await? {
        let zone = TimeZoneName::parse_or_utc(&a.time_zone);
        let due = rules::due_at(a.ends_at, a.deadline_hours, &zone);
        match (a.item_id, a.due_at, a.met_at) {
            (None, _, _) => missing.push((a.session_id, a.requirement_id, due)),
            (Some(item), Some(was), None) if was != due => repo::set_due(tx, item, due).await?,
            _ => {}
        }
    }
    repo::insert_items(tx, &missing).await?;
    repo::drop_inapplicable_items(tx, sessions).await?;
    repo::keep_item_scope(tx, sessions).await?;
    repo::refresh_system_items(tx, sessions, now).await?;
    for item in repo::open_feedback_items(tx, sessions).await? {
        let reached = rules::threshold_percent(&item.parameter)
            .and_then(|t| rules::response_rate_reached_at(t, item.invited, &item.answered_at));
        if let Some(at) = reached {
            repo::meet_by_system(tx, item.item_id, at).await?;
        }
    }
    Ok(missing.len())
}

/// Brings checklists up to date in the caller's transaction: the one of `session_id` when given
/// (its mark, if any, is taken), else every marked session, chunk by chunk (migration 0046: the
/// database marks a session when what decides its checklist changes). Returns how many sessions
/// it brought up to date.
pub(crate) async fn sync_in(
    tx: &mut Conn,
    session_id: Option<i64>,
    now: i64,
) -> Result<usize, AppError> {
    if let Some(s) = session_id {
        repo::clear_mark(tx, s).await?;
        sync_sessions(tx, &[s], now).await?;
        return Ok(1);
    }
    let mut done = 0;
    loop {
        let ids = repo::take_stale(tx, SYNC_CHUNK).await?;
        if !ids.is_empty() {
            sync_sessions(tx, &ids, now).await?;
        }
        done += ids.len();
        if (ids.len() as i64) < SYNC_CHUNK {
            return Ok(done);
        }
    }
}

/// Brings every marked session's checklist up to date, one transaction per chunk (the dashboard
/// before it reads, the worker, a new requirement). Returns how many sessions; opens no write
/// transaction when nothing is marked.
pub async fn sync_marked(app: &App) -> Result<usize, AppError> {
    {
        let mut conn = app.store.read().await?;
        if !repo::any_marked(&mut conn).await? {
            return Ok(0);
        }
    }
    let mut done = 0;
    loop {
        let mut tx = app.store.write().await?;
        let ids = repo::take_stale(&mut tx, SYNC_CHUNK).await?;
        if ids.is_empty() {
            tx.rollback().await?;
            return Ok(done);
        }
        sync_sessions(&mut tx, &ids, now_ms()).await?;
        tx.commit().await?;
        done += ids.len();
        if (ids.len() as i64) < SYNC_CHUNK {
            return Ok(done);
        }
    }
}

/// After a requirement's write committed: its sessions' checklists now, so the next read finds
/// them done (a failure only leaves the marks for the next read or the worker).
async fn sync_after_write(app: &App) {
    if let Err(e) = sync_marked(app).await {
        tracing::warn!(error = %e, "bringing the marked checklists up to date failed; the next read retries");
    }
}

// ------------------------------------------------------------------ requirements

/// A requirement as written by a form or the API.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct RequirementForm {
    /// The client whose sessions must meet it (or the course: exactly one of the two).
    #[serde(default, deserialize_with = "trainyard_store::row::empty_as_none")]
    pub client_id: Option<i64>,
    #[serde(default, deserialize_with = "trainyard_store::row::empty_as_none")]
    pub course_id: Option<i64>,
    /// document, certificates_issued, instructor_qualification, manual or
    /// feedback_response_rate.
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    /// Hours after the session ends (whole days count in the session's zone); may be negative.
    #[serde(default, deserialize_with = "trainyard_store::row::lenient_int")]
    pub deadline_hours: i64,
    /// The document's name (document), the qualification (instructor_qualification) or the
    /// response rate to reach in percent (feedback_response_rate, e.g. "60").
    #[serde(default)]
    pub parameter: String,
    /// The version read (changes only).
    #[serde(default, deserialize_with = "trainyard_store::row::lenient_int")]
    pub version: i64,
}

impl RequirementForm {
    fn parse(&self) -> Result<RequirementInput, AppError> {
        Ok(RequirementInput::parse(
            self.client_id,
            self.course_id,
            &self.kind,
            &self.name,
            self.deadline_hours,
            &self.parameter,
        )?)
    }
}

pub async fn requirements(
    app: &App,
    caller: &Caller,
    client_id: Option<i64>,
    course_id: Option<i64>,
) -> Result<Vec<Requirement>, AppError> {
    caller.require_staff("see compliance requirements")?;
    let mut conn = app.store.read().await?;
    Ok(repo::requirements(&mut conn, client_id, course_id).await?)
}

pub async fn requirement(app: &App, caller: &Caller, id: i64) -> Result<Requirement, AppError> {
    caller.require_staff("see compliance requirements")?;
    let mut conn = app.store.read().await?;
    repo::requirement(&mut conn, id).await.about("requirement")
}

async fn check_scope(tx: &mut Conn, r: &RequirementInput) -> Result<(), AppError> {
    if let Some(c) = r.client_id {
        trainyard_store::clients::get(tx, c).await.map_err(|_| {
            AppError::from(trainyard_core::Invalid::field(
                "client_id",
                "no such client",
            ))
        })?;
    }
    if let Some(c) = r.course_id {
        trainyard_store::courses::get(tx, c).await.map_err(|_| {
            AppError::from(trainyard_core::Invalid::field(
                "course_id",
                "no such course",
            ))
        })?;
    }
    Ok(())
}

/// Adds a requirement and writes its items for the sessions it applies to. Audited.
pub async fn create_requirement(
    app: &App,
    caller: &Caller,
    form: &RequirementForm,
) -> Result<Requirement, AppError> {
    caller.require_operations("change compliance requirements")?;
    let input = form.parse()?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    check_scope(&mut tx, &input).await?;
    let id = repo::insert_requirement(&mut tx, &input, now).await?;
    let after = repo::requirement(&mut tx, id).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "compliance_requirement.created",
        ("compliance_requirement", id),
        None,
        Some(&after),
    )
    .await?;
    repo::mark_sessions_of(&mut tx, input.client_id, input.course_id).await?;
    tx.commit().await?;
    sync_after_write(app).await;
    Ok(after)
}

/// Changes a requirement as read at `form.version`; open items get the new deadline. Audited.
pub async fn update_requirement(
    app: &App,
    caller: &Caller,
    id: i64,
    form: &RequirementForm,
) -> Result<Requirement, AppError> {
    caller.require_operations("change compliance requirements")?;
    let input = form.parse()?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let before = repo::requirement(&mut tx, id).await.about("requirement")?;
    check_scope(&mut tx, &input).await?;
    repo::update_requirement(&mut tx, id, form.version, &input, now)
        .await
        .about("requirement")?;
    let after = repo::requirement(&mut tx, id).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "compliance_requirement.updated",
        ("compliance_requirement", id),
        Some(&before),
        Some(&after),
    )
    .await?;
    // Its open items were dropped: the sessions it applies to now get them again.
    repo::mark_sessions_of(&mut tx, input.client_id, input.course_id).await?;
    tx.commit().await?;
    sync_after_write(app).await;
    Ok(after)
}

/// Archives a requirement: its open items go, met ones stay as evidence. Audited.
pub async fn archive_requirement(
    app: &App,
    caller: &Caller,
    id: i64,
    version: i64,
) -> Result<(), AppError> {
    caller.require_operations("change compliance requirements")?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let before = repo::requirement(&mut tx, id).await.about("requirement")?;
    repo::archive_requirement(&mut tx, id, version, now)
        .await
        .about("requirement")?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "compliance_requirement.archived",
        ("compliance_requirement", id),
        Some(&before),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ------------------------------------------------------------------ who may see a session's

/// What a caller may do with a session's compliance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Operations staff: everything.
    Manage,
    /// Finance: read.
    Read,
    /// An instructor teaching it: read, and upload documents.
    Teaching,
    /// A contact of its client: read, and the evidence pack.
    Client,
}

async fn access(tx: &mut Conn, caller: &Caller, session_id: i64) -> Result<Access, AppError> {
    let session = sessions::get(tx, session_id).await.about("session")?;
    if caller.role.can_edit_operations() {
        return Ok(Access::Manage);
    }
    if caller.role.is_staff() {
        return Ok(Access::Read);
    }
    match caller.role {
        Role::Instructor => {
            let teaching = assignments::for_session(tx, session_id)
                .await?
                .iter()
                .any(|a| a.status.teaches() && Some(a.instructor_id) == caller.instructor_id);
            if teaching {
                return Ok(Access::Teaching);
            }
            Err(AppError::Forbidden(
                "see the compliance of a session you do not teach".into(),
            ))
        }
        Role::ClientContact
            if session.client_id.is_some() && session.client_id == caller.client_id =>
        {
            Ok(Access::Client)
        }
        // Another client's session, or a learner: its existence is private.
        Role::ClientContact => Err(AppError::NotFound("session")),
        _ => Err(AppError::Forbidden("see the compliance of sessions".into())),
    }
}

/// A session's checklist and documents.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SessionCompliance {
    pub session_id: i64,
    pub items: Vec<Item>,
    pub documents: Vec<Document>,
    pub substitutions: Vec<Substitution>,
    /// Whether the caller may tick items and upload for any item.
    pub can_manage: bool,
    /// Whether the caller may upload documents (staff, or an instructor teaching it).
    pub can_upload: bool,
}

/// The session's checklist, brought up to date first.
pub async fn session_compliance(
    app: &App,
    caller: &Caller,
    session_id: i64,
) -> Result<SessionCompliance, AppError> {
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let access = access(&mut tx, caller, session_id).await?;
    sync_in(&mut tx, Some(session_id), now).await?;
    let items = repo::items_of_session(&mut tx, session_id, now).await?;
    let documents = repo::documents_of_session(&mut tx, session_id).await?;
    let substitutions = if matches!(access, Access::Manage | Access::Read) {
        repo::substitutions(&mut tx, Some(session_id), false).await?
    } else {
        Vec::new()
    };
    tx.commit().await?;
    Ok(SessionCompliance {
        session_id,
        items,
        documents,
        substitutions,
        can_manage: access == Access::Manage,
        can_upload: matches!(access, Access::Manage | Access::Teaching),
    })
}

// ------------------------------------------------------------------ uploads and ticks

/// Whether `caller` may upload documents for the session: operations staff, and an instructor
/// teaching it. Asked before the content is even looked at.
pub async fn may_upload(app: &App, caller: &Caller, session_id: i64) -> Result<(), AppError> {
    let mut conn = app.store.read().await?;
    let a = access(&mut conn, caller, session_id).await?;
    if matches!(a, Access::Manage | Access::Teaching) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "upload documents for this session".into(),
        ))
    }
}

/// Stores a document for the session and, when `requirement_id` names one of its document
/// requirements, meets that item, all in one transaction. The name, type and size are checked
/// before anything is written. Audited as `document.uploaded`.
pub async fn upload(
    app: &App,
    caller: &Caller,
    session_id: i64,
    requirement_id: Option<i64>,
    raw_name: &str,
    content: &[u8],
) -> Result<Document, AppError> {
    let now = now_ms();
    may_upload(app, caller, session_id).await?;
    let checked = rules::check_upload(raw_name, content)?;
    let sha256: String = Sha256::digest(content)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut tx = app.store.write().await?;
    // Write first: the session's row orders uploads and ticks of its checklist.
    sessions::touch(&mut tx, session_id)
        .await
        .about("session")?;
    sync_in(&mut tx, Some(session_id), now).await?;
    let target = match requirement_id {
        Some(r) => {
            let item = repo::items_of_session(&mut tx, session_id, now)
                .await?
                .into_iter()
                .find(|i| i.requirement_id == r)
                .ok_or_else(|| {
                    AppError::from(trainyard_core::Invalid::field(
                        "requirement_id",
                        "this session's checklist has no such requirement",
                    ))
                })?;
            if item.kind != RequirementKind::Document {
                return Err(trainyard_core::Invalid::field(
                    "requirement_id",
                    format!("'{}' is not met by a document", item.requirement_name),
                )
                .into());
            }
            Some(item)
        }
        None => None,
    };
    let uploaded_by = (caller.user_id != 0).then_some(caller.user_id);
    let id = repo::insert_document(
        &mut tx,
        &NewDocument {
            session_id,
            name: &checked.name,
            content_type: checked.content_type,
            sha256: &sha256,
            content,
            uploaded_by,
            uploaded_by_name: &caller.name,
        },
        now,
    )
    .await?;
    if let Some(item) = &target {
        let late = ItemState::of(item.due_at, Some(now), now) == ItemState::MetLate;
        let met = repo::meet_item(
            &mut tx,
            item.id,
            None,
            now,
            late,
            "upload",
            uploaded_by,
            &caller.name,
            None,
            Some(id),
        )
        .await?;
        if !met {
            // The transaction is dropped here: the document row goes with it.
            return Err(AppError::Refused(trainyard_core::refusal!(
                "refused-compliance-met-file",
                "'{requirement}' is already met for this session; the file was not stored.",
                requirement = item.requirement_name
            )));
        }
    }
    let doc = repo::document(&mut tx, id).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "document.uploaded",
        ("session", session_id),
        None,
        Some(&doc),
    )
    .await?;
    tx.commit().await?;
    Ok(doc)
}

/// A document and its bytes, for whoever may see the session's compliance.
pub async fn document(
    app: &App,
    caller: &Caller,
    id: i64,
) -> Result<(Document, Vec<u8>), AppError> {
    let mut conn = app.store.read().await?;
    let doc = repo::document(&mut conn, id).await.about("document")?;
    access(&mut conn, caller, doc.session_id).await?;
    let bytes = repo::document_content(&mut conn, id).await?;
    Ok((doc, bytes))
}

/// Meets a manual or document item by hand, with a note saying how (required). Audited.
pub async fn tick(
    app: &App,
    caller: &Caller,
    item_id: i64,
    version: i64,
    note: &str,
) -> Result<Item, AppError> {
    caller.require_operations("tick compliance items")?;
    let note = note.trim();
    if note.is_empty() {
        return Err(trainyard_core::Invalid::field(
            "note",
            "say how the requirement was met (e.g. where the paper copy is kept)",
        )
        .into());
    }
    if note.chars().count() > 500 {
        return Err(trainyard_core::Invalid::field("note", "at most 500 characters").into());
    }
    let now = now_ms();
    let mut tx = app.store.write().await?;
    repo::touch_item(&mut tx, item_id).await.about("item")?;
    let before = repo::item(&mut tx, item_id, now).await?;
    if before.kind.by_system() {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-compliance-system",
            "'{requirement}' is met by the system when the data shows it, not by a tick.",
            requirement = before.requirement_name
        )));
    }
    if before.state.is_met() {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-compliance-met",
            "'{requirement}' is already met.",
            requirement = before.requirement_name
        )));
    }
    let late = now > before.due_at;
    let uid = (caller.user_id != 0).then_some(caller.user_id);
    if !repo::meet_item(
        &mut tx,
        item_id,
        Some(version),
        now,
        late,
        "tick",
        uid,
        &caller.name,
        Some(note),
        None,
    )
    .await?
    {
        return Err(AppError::Stale("item"));
    }
    let after = repo::item(&mut tx, item_id, now).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "compliance_item.ticked",
        ("session", after.session_id),
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

// ------------------------------------------------------------------ dashboard

/// The compliance dashboard: one page of items, the counts, and the open substitutions.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Dashboard {
    pub counts: DashboardCounts,
    pub items: Vec<Item>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    /// Substitutions not done yet: they stay here until every step is.
    pub open_substitutions: Vec<Substitution>,
}

/// Overdue and open (or late) items across sessions and clients; staff.
pub async fn dashboard(
    app: &App,
    caller: &Caller,
    f: &DashboardFilter,
) -> Result<Dashboard, AppError> {
    caller.require_staff("see the compliance dashboard")?;
    // Only what changed since is brought up to date (nothing written when nothing is marked);
    // overdue and late are decided at read time from the due instants.
    sync_marked(app).await?;
    let now = now_ms();
    let mut conn = app.store.read().await?;
    let (page, counts): (Page<Item>, DashboardCounts) = repo::dashboard(&mut conn, f, now).await?;
    let open_substitutions = repo::substitutions(&mut conn, None, true).await?;
    Ok(Dashboard {
        counts,
        items: page.items,
        total: page.total,
        page: page.page,
        per_page: page.per_page,
        open_substitutions,
    })
}

// ------------------------------------------------------------------ evidence packs

/// A zip file: its name and bytes.
pub struct Pack {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

fn zip_error(e: impl std::fmt::Display) -> AppError {
    AppError::refused(format!("the evidence pack could not be written: {e}"))
}

struct PackWriter {
    zip: zip::ZipWriter<std::io::Cursor<Vec<u8>>>,
}

impl PackWriter {
    fn new() -> Self {
        Self {
            zip: zip::ZipWriter::new(std::io::Cursor::new(Vec::new())),
        }
    }

    fn add(&mut self, path: &str, bytes: &[u8]) -> Result<(), AppError> {
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        self.zip.start_file(path, options).map_err(zip_error)?;
        self.zip.write_all(bytes).map_err(zip_error)
    }

    fn finish(self) -> Result<Vec<u8>, AppError> {
        Ok(self.zip.finish().map_err(zip_error)?.into_inner())
    }
}

/// The summary lines and documents of one session, added to `pack` under `folder`.
async fn add_session(
    conn: &mut Conn,
    pack: &mut PackWriter,
    sections: &mut Vec<(String, Vec<String>)>,
    session_id: i64,
    folder: &str,
    now: i64,
) -> Result<(), AppError> {
    let s = sessions::get(conn, session_id).await.about("session")?;
    let zone = TimeZoneName::parse_or_utc(&s.time_zone);
    let items = repo::items_of_session(conn, session_id, now).await?;
    let docs = repo::documents_of_session(conn, session_id).await?;
    let mut lines = vec![format!(
        "{} – {}, {} to {} ({})",
        s.reference,
        s.course_title,
        zone.display(s.starts_at),
        zone.display(s.ends_at),
        s.client_name.as_deref().unwrap_or("public session")
    )];
    for i in &items {
        let how = match (&i.met_by_name, &i.note) {
            (Some(by), Some(note)) => format!(", by {by}: {note}"),
            (Some(by), None) => format!(", by {by}"),
            _ => String::new(),
        };
        let met = i
            .met_at
            .map(|m| format!(", met {}", zone.display(m)))
            .unwrap_or_default();
        lines.push(format!(
            "{}: {} (due {}{}{})",
            i.requirement_name,
            i.state.label(),
            zone.display(i.due_at),
            met,
            how
        ));
    }
    for d in &docs {
        let path = format!("{folder}{}-{}", d.id, d.name);
        lines.push(format!(
            "Document {path}: {} bytes, SHA-256 {}, uploaded {} by {}",
            d.size_bytes,
            d.sha256,
            zone.display(d.uploaded_at),
            d.uploaded_by_name
        ));
        let bytes = repo::document_content(conn, d.id).await?;
        pack.add(&path, &bytes)?;
    }
    if items.is_empty() && docs.is_empty() {
        lines.push("No requirements and no documents.".into());
    }
    sections.push((format!("Session {}", s.reference), lines));
    Ok(())
}

fn summary_pdf(
    title: &str,
    facts: Vec<(String, String)>,
    sections: Vec<(String, Vec<String>)>,
) -> Result<Vec<u8>, AppError> {
    trainyard_pdf::report(&trainyard_pdf::ReportPrint {
        title: title.to_owned(),
        facts,
        sections,
    })
    .map_err(|e| AppError::refused(e.to_string()))
}

/// The evidence pack of one session: `summary.pdf` and `documents/<id>-<name>`. Staff, and a
/// contact of its client.
pub async fn session_pack(app: &App, caller: &Caller, session_id: i64) -> Result<Pack, AppError> {
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let a = access(&mut tx, caller, session_id).await?;
    if a == Access::Teaching {
        return Err(AppError::Forbidden("download evidence packs".into()));
    }
    sync_in(&mut tx, Some(session_id), now).await?;
    let s = sessions::get(&mut tx, session_id).await?;
    let mut pack = PackWriter::new();
    let mut sections = Vec::new();
    add_session(
        &mut tx,
        &mut pack,
        &mut sections,
        session_id,
        "documents/",
        now,
    )
    .await?;
    tx.commit().await?;
    let pdf = summary_pdf(
        &format!("Evidence pack {}", s.reference),
        vec![
            ("Course".into(), s.course_title.clone()),
            (
                "Client".into(),
                s.client_name
                    .clone()
                    .unwrap_or_else(|| "public session".into()),
            ),
            ("Prepared".into(), trainyard_core::time::rfc3339(now)),
        ],
        sections,
    )?;
    pack.add("summary.pdf", &pdf)?;
    Ok(Pack {
        file_name: format!("evidence-{}.zip", s.reference),
        bytes: pack.finish()?,
    })
}

/// The most sessions one client pack covers.
pub const CLIENT_PACK_SESSIONS: i64 = 200;

/// The evidence pack of a client's sessions that ended between `from` and `to` (dates,
/// `YYYY-MM-DD`, inclusive, in UTC): a summary and each session's documents in its own folder.
pub async fn client_pack(
    app: &App,
    caller: &Caller,
    client_id: i64,
    from: &str,
    to: &str,
) -> Result<Pack, AppError> {
    if !caller.may_see_client(Some(client_id)) {
        return Err(if caller.role == Role::ClientContact {
            AppError::NotFound("client")
        } else {
            AppError::Forbidden("download a client's evidence pack".into())
        });
    }
    let mut e = trainyard_core::Invalid::new();
    let parse = |raw: &str| chrono::NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d");
    let from_d = e.check(
        "from",
        parse(from).map_err(|_| "a date (YYYY-MM-DD) is required"),
    );
    let to_d = e.check(
        "to",
        parse(to).map_err(|_| "a date (YYYY-MM-DD) is required"),
    );
    let (Some(from_d), Some(to_d)) = (from_d, to_d) else {
        return Err(e.into());
    };
    if to_d < from_d {
        return Err(trainyard_core::Invalid::field("to", "must not be before from").into());
    }
    let utc = TimeZoneName::utc();
    let start = utc.start_of_day_ms(from_d);
    let end = utc.start_of_day_ms(to_d + chrono::Duration::days(1));
    sync_marked(app).await?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let client = trainyard_store::clients::get(&mut tx, client_id)
        .await
        .about("client")?;
    let ids = repo::client_sessions_ended(&mut tx, client_id, start, end, CLIENT_PACK_SESSIONS + 1)
        .await?;
    if ids.len() as i64 > CLIENT_PACK_SESSIONS {
        return Err(trainyard_core::Invalid::field(
            "to",
            format!("more than {CLIENT_PACK_SESSIONS} sessions ended in this period: choose a shorter one"),
        )
        .into());
    }
    let mut pack = PackWriter::new();
    let mut sections = Vec::new();
    for id in &ids {
        let s = sessions::get(&mut tx, *id).await?;
        add_session(
            &mut tx,
            &mut pack,
            &mut sections,
            *id,
            &format!("{}/", s.reference),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    let pdf = summary_pdf(
        &format!("Evidence pack {}", client.name),
        vec![
            ("Client".into(), client.name.clone()),
            ("Sessions ended".into(), format!("{from_d} to {to_d}")),
            ("Sessions".into(), ids.len().to_string()),
            ("Prepared".into(), trainyard_core::time::rfc3339(now)),
        ],
        sections,
    )?;
    pack.add("summary.pdf", &pdf)?;
    Ok(Pack {
        file_name: format!("evidence-client-{client_id}-{from_d}-{to_d}.zip"),
        bytes: pack.finish()?,
    })
}

// ------------------------------------------------------------------ substitutions

/// Opens the substitution of a confirmed assignment that was withdrawn, in the caller's
/// transaction (staffing calls it). None when one is open for it already.
pub(crate) async fn open_in(
    tx: &mut Conn,
    caller: &Caller,
    assignment_id: i64,
    reason: &str,
    now: i64,
) -> Result<Option<Substitution>, AppError> {
    if repo::open_for_assignment(tx, assignment_id)
        .await?
        .is_some()
    {
        return Ok(None);
    }
    let a = assignments::get(tx, assignment_id)
        .await
        .about("assignment")?;
    let reason = if reason.trim().is_empty() {
        "The confirmed instructor was withdrawn."
    } else {
        reason.trim()
    };
    let id = repo::insert_substitution(
        tx,
        a.session_id,
        Some(assignment_id),
        Some(a.instructor_id),
        reason,
        now,
    )
    .await?;
    let after = repo::substitution(tx, id).await?;
    crate::audit::record(
        tx,
        caller,
        now,
        "substitution.opened",
        ("session", a.session_id),
        None,
        Some(&after),
    )
    .await?;
    Ok(Some(after))
}

/// Records the replacement chosen by a substitution of the assignment (staffing's substitute).
pub(crate) async fn replacement_chosen_in(
    tx: &mut Conn,
    caller: &Caller,
    id: i64,
    instructor_id: i64,
    now: i64,
) -> Result<(), AppError> {
    repo::set_replacement(tx, id, instructor_id).await?;
    let uid = (caller.user_id != 0).then_some(caller.user_id);
    repo::complete_step(
        tx,
        id,
        SubstitutionStep::ReplacementChosen,
        uid,
        &caller.name,
        Some("substituted on the session's assignments"),
        now,
    )
    .await?;
    Ok(())
}

pub async fn substitutions(
    app: &App,
    caller: &Caller,
    session_id: Option<i64>,
    open_only: bool,
) -> Result<Vec<Substitution>, AppError> {
    caller.require_staff("see substitutions")?;
    let mut conn = app.store.read().await?;
    Ok(repo::substitutions(&mut conn, session_id, open_only).await?)
}

pub async fn substitution(app: &App, caller: &Caller, id: i64) -> Result<Substitution, AppError> {
    caller.require_staff("see substitutions")?;
    let mut conn = app.store.read().await?;
    repo::substitution(&mut conn, id)
        .await
        .about("substitution")
}

/// Opens a substitution by hand for an assignment (an instructor dropping out without the
/// assignment being withdrawn yet). Coordinators, managers and admins.
pub async fn open_substitution(
    app: &App,
    caller: &Caller,
    assignment_id: i64,
    reason: &str,
) -> Result<Substitution, AppError> {
    caller.require_operations("open substitutions")?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(
            trainyard_core::Invalid::field("reason", "say why the instructor drops out").into(),
        );
    }
    if reason.chars().count() > 500 {
        return Err(trainyard_core::Invalid::field("reason", "at most 500 characters").into());
    }
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let a = assignments::get(&mut tx, assignment_id)
        .await
        .about("assignment")?;
    // Write first: the session row orders substitutions of its assignments.
    sessions::touch(&mut tx, a.session_id).await?;
    let Some(s) = open_in(&mut tx, caller, assignment_id, reason, now).await? else {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-substitution-open",
            "A substitution is already open for this assignment."
        )));
    };
    tx.commit().await?;
    Ok(s)
}

/// Completes one step of a substitution with an optional note; choosing the replacement names
/// the instructor (from the ranked candidates) and proposes them on the session through staffing. The substitution is done when every step is.
/// Audited.
pub async fn complete_step(
    app: &App,
    caller: &Caller,
    id: i64,
    step: &str,
    replacement_instructor_id: Option<i64>,
    note: &str,
) -> Result<Substitution, AppError> {
    caller.require_operations("track substitutions")?;
    let step =
        SubstitutionStep::parse(step).map_err(|m| trainyard_core::Invalid::field("step", m))?;
    let note = note.trim();
    if note.chars().count() > 500 {
        return Err(trainyard_core::Invalid::field("note", "at most 500 characters").into());
    }
    let now = now_ms();
    let mut tx = app.store.write().await?;
    repo::touch_substitution(&mut tx, id)
        .await
        .about("substitution")?;
    let before = repo::substitution(&mut tx, id).await?;
    if before.status != "open" {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-substitution-done",
            "This substitution is done."
        )));
    }
    if step == SubstitutionStep::ReplacementChosen {
        let Some(r) = replacement_instructor_id else {
            return Err(trainyard_core::Invalid::field(
                "replacement_instructor_id",
                "choose the replacement instructor",
            )
            .into());
        };
        if Some(r) == before.instructor_id {
            return Err(trainyard_core::Invalid::field(
                "replacement_instructor_id",
                "choose someone other than the instructor who dropped out",
            )
            .into());
        }
        trainyard_store::instructors::get(&mut tx, r)
            .await
            .map_err(|_| {
                AppError::from(trainyard_core::Invalid::field(
                    "replacement_instructor_id",
                    "no such instructor",
                ))
            })?;
        repo::set_replacement(&mut tx, id, r).await?;
        // The replacement is proposed on the session through staffing (judged as any proposal:
        // a conflict refuses the step), in the dropped-out assignment's role, unless they are on
        // it already.
        let on_it = assignments::for_session(&mut tx, before.session_id)
            .await?
            .iter()
            .any(|a| a.instructor_id == r && a.status.is_live());
        if !on_it {
            let role = match before.assignment_id {
                Some(a) => assignments::get(&mut tx, a).await.about("assignment")?.role,
                None => "lead".to_owned(),
            };
            crate::staffing::propose_in(&mut tx, caller, before.session_id, r, &role, None, now)
                .await?;
        }
    }
    let uid = (caller.user_id != 0).then_some(caller.user_id);
    let note = (!note.is_empty()).then_some(note);
    if !repo::complete_step(&mut tx, id, step, uid, &caller.name, note, now).await? {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-step-done",
            "'{step}' is already done.",
            step = step.label()
        )));
    }
    repo::close_if_done(&mut tx, id, now).await?;
    let after = repo::substitution(&mut tx, id).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        &format!("substitution.{}", step.as_str()),
        ("session", after.session_id),
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}
