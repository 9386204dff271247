//! Imports in the background (the UI and the API): the uploaded file is stored with its job, so
//! any `serve` process may run it. A process claims the oldest queued job with a lease (a
//! guarded UPDATE), renews the lease with each progress step, and stores the report at the end;
//! a job whose process died is taken over once its lease runs out.
//!
//! Progress: each step is written to the job's row through its own connection. On PostgreSQL
//! every process sees it at once. SQLite has one writer, and the import holds it until it ends,
//! so there the row catches up afterwards and the process running the job answers from memory
//! meanwhile (a SQLite installation is one `serve` process).

use super::layout::{Kind, Mapping};
use super::run::{Input, Progress, kinds_of, may_import, run};
use super::sheet;
use crate::{App, AppError, Caller, now_ms};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use trainyard_core::Invalid;
use trainyard_store::import::{self as repo, Job, NewJob};

/// How long a claim lasts without a progress step.
const LEASE_MS: i64 = 10 * 60 * 1000;

/// Uploads larger than this are refused (the command line takes any size).
pub const MAX_UPLOAD_BYTES: usize = 16 * 1024 * 1024;

/// Live progress of the jobs this process runs: job → (phase, done, total).
type Live = Mutex<HashMap<i64, (String, i64, i64)>>;

fn live() -> &'static Live {
    static LIVE: std::sync::OnceLock<Live> = std::sync::OnceLock::new();
    LIVE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// What a file holds before any mapping: its sheets, their kinds and headers, and the mapping
/// each would use (remembered or guessed) — the mapping step's starting point.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct SheetPreview {
    pub name: String,
    pub kind: Kind,
    pub header: Vec<String>,
    pub rows: usize,
    /// field → the sheet's header.
    pub mapping: Mapping,
    /// The kind's columns, required ones first.
    pub fields: Vec<FieldPreview>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct FieldPreview {
    pub field: String,
    pub required: bool,
}

fn read(
    bytes: &[u8],
    file_name: &str,
    kind: Option<Kind>,
) -> Result<Vec<(Kind, sheet::Sheet)>, AppError> {
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(Invalid::field(
            "file",
            format!(
                "is larger than {} MiB: use the command line (trainyard import)",
                MAX_UPLOAD_BYTES / 1024 / 1024
            ),
        )
        .into());
    }
    let sheets =
        sheet::read(bytes, file_name).map_err(|e| Invalid::field("file", e.to_string()))?;
    kinds_of(kind, sheets)
}

/// The sheets of an uploaded file with the mapping each would use.
pub async fn preview(
    app: &App,
    caller: &Caller,
    file_name: &str,
    bytes: &[u8],
    kind: Option<Kind>,
) -> Result<Vec<SheetPreview>, AppError> {
    may_import(caller)?;
    let mut out = Vec::new();
    for (kind, s) in read(bytes, file_name, kind)? {
        let mapping = super::run::mapping_for(app, kind, &s.header).await?;
        let mut fields: Vec<FieldPreview> = kind
            .columns()
            .iter()
            .map(|c| FieldPreview {
                field: c.field.to_owned(),
                required: c.required,
            })
            .collect();
        fields.sort_by_key(|f| !f.required);
        out.push(SheetPreview {
            name: s.name,
            kind,
            header: s.header,
            rows: s.rows.len(),
            mapping,
            fields,
        });
    }
    Ok(out)
}

/// Stores an uploaded file as a job waiting for its mapping (the page's first step). The file is
/// read now, so one that cannot be read is refused at once.
pub async fn upload(
    app: &App,
    caller: &Caller,
    file_name: &str,
    bytes: &[u8],
    kind: Option<Kind>,
) -> Result<Job, AppError> {
    may_import(caller)?;
    read(bytes, file_name, kind)?;
    insert(
        app,
        caller,
        (file_name, bytes, kind),
        "{}",
        false,
        "uploaded",
    )
    .await
}

/// Queues an import (or its dry run) of an uploaded file. The file is read and the mappings
/// checked now, so a file that cannot be read or a mapping that does not fit is refused at once.
pub async fn start(
    app: &App,
    caller: &Caller,
    file_name: &str,
    bytes: &[u8],
    kind: Option<Kind>,
    mappings: &BTreeMap<Kind, Mapping>,
    dry_run: bool,
) -> Result<Job, AppError> {
    may_import(caller)?;
    check_mappings(app, bytes, file_name, kind, mappings).await?;
    let json = serde_json::to_string(mappings).unwrap_or_else(|_| "{}".into());
    let job = insert(
        app,
        caller,
        (file_name, bytes, kind),
        &json,
        dry_run,
        "queued",
    )
    .await?;
    spawn_worker(app);
    Ok(job)
}

/// Every sheet's mapping (given, else remembered or guessed) must fit its header.
async fn check_mappings(
    app: &App,
    bytes: &[u8],
    file_name: &str,
    kind: Option<Kind>,
    mappings: &BTreeMap<Kind, Mapping>,
) -> Result<(), AppError> {
    for (k, s) in read(bytes, file_name, kind)? {
        let m = match mappings.get(&k) {
            Some(m) => m.clone(),
            None => super::run::mapping_for(app, k, &s.header).await?,
        };
        super::layout::resolve(k, &s.header, &m)
            .map_err(|e| Invalid::field("mapping", format!("sheet '{}': {e}", s.name)))?;
    }
    Ok(())
}

async fn insert(
    app: &App,
    caller: &Caller,
    (file_name, bytes, kind): (&str, &[u8], Option<Kind>),
    mappings: &str,
    dry_run: bool,
    status: &str,
) -> Result<Job, AppError> {
    let mut tx = app.store.write().await?;
    let id = repo::insert_job(
        &mut tx,
        &NewJob {
            status,
            created_by: Some(caller.user_id).filter(|u| *u != 0),
            kind: kind.map_or("", Kind::as_str),
            file_name,
            content: bytes,
            mappings,
            dry_run,
        },
        now_ms(),
    )
    .await?;
    let job = repo::job(&mut tx, id).await?;
    tx.commit().await?;
    Ok(job)
}

/// Runs the queue here and now; any other process would take the job from it as well.
fn spawn_worker(app: &App) {
    let worker = app.clone();
    tokio::spawn(async move {
        if let Err(e) = work_once(&worker).await {
            tracing::warn!(error = %e, "an import job failed to run");
        }
    });
}

/// The sheets of a stored job with the mappings it would use: those asked for last, else the
/// remembered or guessed ones.
pub async fn job_sheets(
    app: &App,
    caller: &Caller,
    id: i64,
) -> Result<Vec<SheetPreview>, AppError> {
    may_import(caller)?;
    let (file_name, kind, bytes, mappings) = {
        let mut conn = app.store.read().await?;
        repo::job_file(&mut conn, id).await.map_err(not_found)?
    };
    let asked: BTreeMap<Kind, Mapping> = serde_json::from_str(&mappings).unwrap_or_default();
    let mut sheets = preview(app, caller, &file_name, &bytes, Kind::parse(&kind)).await?;
    for s in sheets.iter_mut() {
        if let Some(m) = asked.get(&s.kind) {
            s.mapping = m.clone();
        }
    }
    Ok(sheets)
}

/// Queues a stored job again with the mappings chosen: its dry run, or the import.
pub async fn queue(
    app: &App,
    caller: &Caller,
    id: i64,
    mappings: &BTreeMap<Kind, Mapping>,
    dry_run: bool,
) -> Result<Job, AppError> {
    may_import(caller)?;
    let (file_name, kind, bytes, _) = {
        let mut conn = app.store.read().await?;
        repo::job_file(&mut conn, id).await.map_err(not_found)?
    };
    check_mappings(app, &bytes, &file_name, Kind::parse(&kind), mappings).await?;
    let json = serde_json::to_string(mappings).unwrap_or_else(|_| "{}".into());
    let mut tx = app.store.write().await?;
    if !repo::queue_job(&mut tx, id, &json, dry_run, now_ms()).await? {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-import-running",
            "This import is already queued or running; wait for its report."
        )));
    }
    let job = repo::job(&mut tx, id).await?;
    tx.commit().await?;
    spawn_worker(app);
    Ok(job)
}

fn not_found(e: trainyard_store::StoreError) -> AppError {
    match e {
        trainyard_store::StoreError::NotFound => AppError::NotFound("import job"),
        e => e.into(),
    }
}

/// A job, with this process's live progress when it runs it.
pub async fn get(app: &App, caller: &Caller, id: i64) -> Result<Job, AppError> {
    may_import(caller)?;
    let mut conn = app.store.read().await?;
    let mut job = repo::job(&mut conn, id).await.map_err(not_found)?;
    if job.status == "running"
        && let Ok(map) = live().lock()
        && let Some((phase, done, total)) = map.get(&id)
    {
        job.phase = phase.clone();
        job.done_rows = *done;
        job.total_rows = *total;
    }
    Ok(job)
}

/// Writes progress to memory at once and to the job's row in the background, renewing the lease.
struct JobProgress {
    id: i64,
    tx: tokio::sync::watch::Sender<(String, i64, i64)>,
}

impl Progress for JobProgress {
    fn step(&self, phase: &str, done: usize, total: usize) {
        let p = (phase.to_owned(), done as i64, total as i64);
        if let Ok(mut map) = live().lock() {
            map.insert(self.id, p.clone());
        }
        let _ = self.tx.send(p);
    }
}

/// Claims the oldest due job and runs it. Returns whether there was one.
pub async fn work_once(app: &App) -> Result<bool, AppError> {
    let now = now_ms();
    let claimed = {
        let mut tx = app.store.write().await?;
        let c = repo::claim_job(&mut tx, now, now + LEASE_MS).await?;
        tx.commit().await?;
        c
    };
    let Some((id, kind, file_name, content, mappings, dry_run)) = claimed else {
        return Ok(false);
    };
    let outcome = run_job(app, id, &kind, &file_name, &content, &mappings, dry_run).await;
    if let Ok(mut map) = live().lock() {
        map.remove(&id);
    }
    let text = match &outcome {
        Ok(report) => Ok(serde_json::to_string(report).unwrap_or_default()),
        Err(e) => Err(e.to_string()),
    };
    let mut tx = app.store.write().await?;
    repo::finish_job(
        &mut tx,
        id,
        text.as_ref().map(String::as_str).map_err(String::as_str),
        now_ms(),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

async fn run_job(
    app: &App,
    id: i64,
    kind: &str,
    file_name: &str,
    content: &[u8],
    mappings: &str,
    dry_run: bool,
) -> Result<super::Report, AppError> {
    let caller = {
        let mut conn = app.store.read().await?;
        let created_by = repo::job(&mut conn, id).await?.created_by;
        match created_by {
            Some(u) => Caller::from_user(trainyard_store::users::get(&mut conn, u).await?, None),
            None => Caller::system(),
        }
    };
    let mappings: BTreeMap<Kind, Mapping> = serde_json::from_str(mappings).unwrap_or_default();
    let inputs: Vec<Input> = read(content, file_name, Kind::parse(kind))?
        .into_iter()
        .map(|(k, s)| Input {
            kind: k,
            mapping: mappings.get(&k).cloned(),
            sheet: s,
        })
        .collect();
    let (tx, mut rx) = tokio::sync::watch::channel((String::new(), 0i64, 0i64));
    // The row follows the progress, at most twice a second, through its own connection.
    let store = app.store.clone();
    let writer = tokio::spawn(async move {
        while rx.changed().await.is_ok() {
            let p = rx.borrow_and_update().clone();
            if let Ok(mut conn) = store.read().await {
                let now = now_ms();
                let _ =
                    repo::job_progress(&mut conn, id, (&p.0, p.1, p.2), now + LEASE_MS, now).await;
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
    });
    let progress = JobProgress { id, tx };
    let report = run(app, &caller, inputs, !dry_run, &progress).await;
    drop(progress);
    let _ = writer.await;
    report
}

/// Runs queued jobs (and takes over abandoned ones) until `shutdown`: in every `serve`.
pub async fn run_worker(app: App, shutdown: impl std::future::Future<Output = ()>) {
    tokio::pin!(shutdown);
    let app = Arc::new(app);
    loop {
        match work_once(&app).await {
            Ok(true) => continue,
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "running an import job failed"),
        }
        tokio::select! {
            _ = &mut shutdown => break,
            _ = tokio::time::sleep(std::time::Duration::from_secs(2)) => {}
        }
    }
}
