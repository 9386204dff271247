//! The write use cases every core record shares: create, edit (with optimistic concurrency),
//! archive and restore — each authorized, validated, audited, in one transaction.

/// Generates `create`, `update`, `archive` and `restore` for a record whose store module has
/// `insert`, `update`, `set_archived` and `get`, and whose fields type has `validate()`.
macro_rules! record_writes {
    ($repo:path, $fields:ty, $entity:literal, $what:literal) => {
        $crate::records::record_writes!(
            $repo,
            $fields,
            $entity,
            $what,
            require = require_operations
        );
    };
    // `require = require_finance`: who may write, as a `Caller` method taking the refusal's words.
    ($repo:path, $fields:ty, $entity:literal, $what:literal, require = $require:ident) => {
        pub async fn create(
            app: &$crate::App,
            caller: &$crate::Caller,
            fields: &$fields,
        ) -> Result<Record, $crate::AppError> {
            let mut tx = app.store.write().await?;
            let after = create_in(&mut tx, caller, fields, $crate::now_ms()).await?;
            tx.commit().await?;
            Ok($crate::audience::ForReader::for_reader(after, caller))
        }

        /// `create` inside the caller's transaction (a spreadsheet import's), unfiltered.
        #[allow(dead_code)]
        pub(crate) async fn create_in(
            tx: &mut trainyard_store::Conn,
            caller: &$crate::Caller,
            fields: &$fields,
            now: i64,
        ) -> Result<Record, $crate::AppError> {
            use $crate::error::About;
            use $repo as repo;
            caller.$require(concat!("create ", $what))?;
            let input = $crate::audience::validate_for(caller, fields, None, <$fields>::validate)?;
            let id = repo::insert(tx, &input, now).await.about($entity)?;
            let after = repo::get(tx, id).await?;
            $crate::audit::record(
                tx,
                caller,
                now,
                concat!($entity, ".created"),
                ($entity, id),
                None,
                Some(&after),
            )
            .await?;
            Ok(after)
        }

        pub async fn update(
            app: &$crate::App,
            caller: &$crate::Caller,
            id: i64,
            version: i64,
            fields: &$fields,
        ) -> Result<Record, $crate::AppError> {
            use $crate::error::About;
            use $repo as repo;
            caller.$require(concat!("change ", $what))?;
            let now = $crate::now_ms();
            let mut tx = app.store.write().await?;
            let before = repo::get(&mut tx, id).await.about($entity)?;
            // After reading: a caller who may not see finance data keeps the stored values.
            let input =
                $crate::audience::validate_for(caller, fields, Some(&before), <$fields>::validate)?;
            repo::update(&mut tx, id, version, &input, now)
                .await
                .about($entity)?;
            let after = repo::get(&mut tx, id).await?;
            $crate::audit::record(
                &mut tx,
                caller,
                now,
                concat!($entity, ".updated"),
                ($entity, id),
                Some(&before),
                Some(&after),
            )
            .await?;
            tx.commit().await?;
            Ok($crate::audience::ForReader::for_reader(after, caller))
        }

        $crate::records::record_archiving!($repo, $entity, $what, require = $require);
    };
}

/// Generates `set_archived` (archive or restore, authorized and audited) for a record whose store
/// module has `set_archived` and `get`.
macro_rules! record_archiving {
    ($repo:path, $entity:literal, $what:literal) => {
        $crate::records::record_archiving!($repo, $entity, $what, require = require_operations);
    };
    ($repo:path, $entity:literal, $what:literal, require = $require:ident) => {
        /// Archives (`archive = true`) or restores the record. Archived records leave lists and
        /// choosers but keep their history and references.
        pub async fn set_archived(
            app: &$crate::App,
            caller: &$crate::Caller,
            id: i64,
            version: i64,
            archive: bool,
        ) -> Result<Record, $crate::AppError> {
            use $crate::error::About;
            use $repo as repo;
            caller.$require(concat!("archive ", $what))?;
            let now = $crate::now_ms();
            let mut tx = app.store.write().await?;
            let before = repo::get(&mut tx, id).await.about($entity)?;
            repo::set_archived(&mut tx, id, version, archive.then_some(now), now)
                .await
                .about($entity)?;
            let after = repo::get(&mut tx, id).await?;
            let action = if archive {
                concat!($entity, ".archived")
            } else {
                concat!($entity, ".restored")
            };
            $crate::audit::record(
                &mut tx,
                caller,
                now,
                action,
                ($entity, id),
                Some(&before),
                Some(&after),
            )
            .await?;
            tx.commit().await?;
            Ok($crate::audience::ForReader::for_reader(after, caller))
        }
    };
}

pub(crate) use {record_archiving, record_writes};
