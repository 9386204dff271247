//! Programs: a client's contracted series of sessions. Staff read them; operations staff create,
//! edit, archive and restore them. A program is always for one active client, and a session may
//! belong to a program of its own client.

use crate::audience::{ForReader, validate_for};
use crate::error::About;
use crate::{App, AppError, Caller, now_ms};
use trainyard_core::Invalid;
use trainyard_core::records::ProgramFields;
use trainyard_store::programs::{self as repo, ProgramCounts, ProgramFilter};
use trainyard_store::sessions::{Session, SessionFilter};
use trainyard_store::{Conn, ListParams, Page};

pub type Record = repo::Program;

/// A program's page and `GET /programs/{id}`: the program, what it holds, and its first sessions.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ProgramDetail {
    #[serde(flatten)]
    pub program: Record,
    pub counts: ProgramCounts,
    /// The program's active sessions by start, at most [`DETAIL_SESSIONS`]; the complete list is
    /// `GET /sessions?program_id={id}`.
    pub sessions: Vec<Session>,
}

/// How many sessions a program's detail lists.
pub const DETAIL_SESSIONS: i64 = 200;

/// The program record alone (for edit forms and choosers). Staff see every program; a client
/// contact only their own client's.
pub async fn find(app: &App, caller: &Caller, id: i64) -> Result<Record, AppError> {
    caller.require(
        caller.role.is_staff() || caller.role == trainyard_core::Role::ClientContact,
        "see programs",
    )?;
    let mut conn = app.store.read().await?;
    let p = repo::get(&mut conn, id).await.about("program")?;
    if !caller.may_see_client(Some(p.client_id)) {
        // Not 403: whether another client's program exists is itself private.
        return Err(AppError::NotFound("program"));
    }
    Ok(p.for_reader(caller))
}

/// The program with its session counts and its sessions, soonest first.
pub async fn get(app: &App, caller: &Caller, id: i64) -> Result<ProgramDetail, AppError> {
    let program = find(app, caller, id).await?;
    let mut conn = app.store.read().await?;
    let counts = repo::session_counts(&mut conn, id).await?;
    drop(conn);
    let filter = SessionFilter {
        program_id: Some(id),
        list: ListParams {
            per_page: DETAIL_SESSIONS,
            ..Default::default()
        },
        ..Default::default()
    };
    // Through the sessions use case, so a client contact sees only sessions they may see.
    let sessions = crate::schedule::sessions::list(app, caller, &filter)
        .await?
        .items;
    Ok(ProgramDetail {
        program,
        counts,
        sessions,
    })
}

pub async fn list(
    app: &App,
    caller: &Caller,
    filter: &ProgramFilter,
) -> Result<Page<Record>, AppError> {
    caller.require_staff("see programs")?;
    crate::audience::check_sort(caller, &filter.list.sort, &["budget"])?;
    let mut conn = app.store.read().await?;
    Ok(repo::list(&mut conn, filter).await?.for_reader(caller))
}

/// (id, "Name (Client)") of every active program, for choosers.
pub async fn options(app: &App, caller: &Caller) -> Result<Vec<(i64, String)>, AppError> {
    caller.require_staff("see programs")?;
    let mut conn = app.store.read().await?;
    Ok(repo::options(&mut conn).await?)
}

/// The client must exist and be active for a program to be contracted with it.
async fn check_client(conn: &mut Conn, client_id: i64) -> Result<(), AppError> {
    match trainyard_store::clients::get(conn, client_id).await {
        Ok(c) if c.archived_at.is_some() => Err(Invalid::field(
            "client_id",
            format!(
                "client {} is archived: restore it first or choose another client",
                c.name
            ),
        )
        .into()),
        Ok(_) => Ok(()),
        Err(trainyard_store::StoreError::NotFound) => {
            Err(Invalid::field("client_id", format!("there is no client #{client_id}")).into())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn create(
    app: &App,
    caller: &Caller,
    fields: &ProgramFields,
) -> Result<Record, AppError> {
    caller.require_operations("create programs")?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let mut fields = fields.clone();
    if fields.currency.trim().is_empty()
        && let Ok(client_id) = fields.client_id.trim().parse::<i64>()
        && let Ok(client) = trainyard_store::clients::get(&mut tx, client_id).await
    {
        // A budget (zero for whoever may not set one) is in the client's currency unless given.
        fields.currency = client.currency.to_string();
    }
    let input = validate_for(caller, &fields, None, ProgramFields::validate)?;
    check_client(&mut tx, input.client_id.0).await?;
    let id = repo::insert(&mut tx, &input, now).await.about("program")?;
    let after = repo::get(&mut tx, id).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "program.created",
        ("program", id),
        None,
        Some(&after),
    )
    .await?;
    crate::budgets::program_created(&mut tx, caller, &after, now).await?;
    tx.commit().await?;
    Ok(after.for_reader(caller))
}

pub async fn update(
    app: &App,
    caller: &Caller,
    id: i64,
    version: i64,
    fields: &ProgramFields,
) -> Result<Record, AppError> {
    caller.require_operations("change programs")?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let before = repo::get(&mut tx, id).await.about("program")?;
    let input = validate_for(caller, fields, Some(&before), ProgramFields::validate)?;
    if input.client_id.0 != before.client_id {
        check_client(&mut tx, input.client_id.0).await?;
        let others = repo::sessions_of_other_clients(&mut tx, id, input.client_id.0).await?;
        if others > 0 {
            return Err(Invalid::field(
                "client_id",
                format!(
                    "{others} session(s) of this program are for another client; \
                     move them out of the program before changing its client"
                ),
            )
            .into());
        }
    }
    repo::update(&mut tx, id, version, &input, now)
        .await
        .about("program")?;
    let after = repo::get(&mut tx, id).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "program.updated",
        ("program", id),
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after.for_reader(caller))
}

crate::records::record_archiving!(trainyard_store::programs, "program", "programs");

/// A session may belong to a program that exists, is active, and — when the session is for a
/// client — is that client's. A session keeps a program that was archived after it joined
/// (`current` is the session's program before the change).
pub(crate) async fn check_for_session(
    conn: &mut Conn,
    program_id: i64,
    session_client_id: Option<i64>,
    current: Option<i64>,
) -> Result<(), AppError> {
    let p = match repo::get(conn, program_id).await {
        Ok(p) => p,
        Err(trainyard_store::StoreError::NotFound) => {
            return Err(
                Invalid::field("program_id", format!("there is no program #{program_id}")).into(),
            );
        }
        Err(e) => return Err(e.into()),
    };
    if p.archived_at.is_some() && current != Some(program_id) {
        return Err(Invalid::field(
            "program_id",
            format!(
                "program {} is archived: restore it first or choose another program",
                p.name
            ),
        )
        .into());
    }
    if let Some(client) = session_client_id
        && client != p.client_id
    {
        let session_client = trainyard_store::clients::get(conn, client)
            .await
            .map(|c| c.name)
            .unwrap_or_else(|_| format!("client #{client}"));
        return Err(Invalid::field(
            "program_id",
            format!(
                "program {} is for {}, but this session is for {session_client}: choose one of {session_client}'s programs",
                p.name, p.client_name
            ),
        )
        .into());
    }
    Ok(())
}
