//! The audit key and checkpoints from the command line, on SQLite and PostgreSQL (when
//! TRAINYARD_TEST_PG_URL is set): the first start creates the key file (owner-only); `trainyard
//! audit checkpoint` writes the signed head; `audit-verify --checkpoint` passes until the newest
//! events are deleted and the head moved back — which plain `audit-verify` cannot see; another key
//! is refused.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use trainyard_store::testing::{Kind, TestDatabase, postgres_url};

const BIN: &str = env!("CARGO_BIN_EXE_trainyard");

fn run(db: &str, key_file: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(["--database", db, "--audit-key-file"])
        .arg(key_file)
        .args(args)
        .env("TRAINYARD_LOG", "warn")
        .env_remove("TRAINYARD_AUDIT_KEY")
        .env("TRAINYARD_PASSWORD", "correct horse battery")
        .output()
        .unwrap()
}

fn ok(db: &str, key_file: &Path, args: &[&str]) -> String {
    let out = run(db, key_file, args);
    assert!(
        out.status.success(),
        "trainyard {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn fails(db: &str, key_file: &Path, args: &[&str]) -> String {
    let out = run(db, key_file, args);
    assert!(!out.status.success(), "trainyard {args:?} should fail");
    String::from_utf8(out.stderr).unwrap()
}

fn scratch() -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "trainyard-audit-cli-{}-{}",
        std::process::id(),
        trainyard_core::time::now_ms()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

async fn checkpoints_find_a_truncated_trail(kind: Kind) {
    let db = TestDatabase::create(kind).await.unwrap();
    let dir = scratch();
    let key = dir.join("trainyard.audit-key");

    ok(&db.url, &key, &["migrate"]);
    let text = std::fs::read_to_string(&key).unwrap();
    assert_eq!(text.trim().len(), 64, "a 256-bit key in hex");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "readable by its owner only");
    }
    for (i, role) in ["admin", "coordinator", "manager"].iter().enumerate() {
        ok(
            &db.url,
            &key,
            &[
                "user",
                "create",
                "--email",
                &format!("u{i}@example.com"),
                "--name",
                "U",
                "--role",
                role,
            ],
        );
    }
    let cp = dir.join("checkpoint.json");
    ok(
        &db.url,
        &key,
        &[
            "audit",
            "checkpoint",
            "--out",
            cp.to_str().unwrap(),
            "--email",
        ],
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&cp).unwrap()).unwrap();
    let event = json["event"].as_i64().unwrap();
    assert!(event >= 3, "{json}");
    assert_eq!(json["hmac"].as_str().unwrap().len(), 64);
    let printed = ok(
        &db.url,
        &key,
        &["audit-verify", "--checkpoint", cp.to_str().unwrap()],
    );
    assert!(printed.contains("intact"), "{printed}");
    assert!(ok(&db.url, &key, &["audit-verify"]).contains("intact"));

    // Delete the newest event and move the head back.
    let store = trainyard_store::Store::connect(&db.url).await.unwrap();
    let prev: String = sqlx::Row::get(
        &sqlx::query("SELECT prev_hash FROM audit_events WHERE id = $1")
            .bind(event)
            .fetch_one(store.pool())
            .await
            .unwrap(),
        "prev_hash",
    );
    sqlx::query("DELETE FROM audit_events WHERE id >= $1")
        .bind(event)
        .execute(store.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE audit_head SET last_id = $1, last_hash = $2 WHERE singleton = 1")
        .bind(event - 1)
        .bind(prev)
        .execute(store.pool())
        .await
        .unwrap();
    store.close().await;
    assert!(
        ok(&db.url, &key, &["audit-verify"]).contains("intact"),
        "the truncated chain is consistent on its own"
    );
    let err = fails(
        &db.url,
        &key,
        &["audit-verify", "--checkpoint", cp.to_str().unwrap()],
    );
    assert!(err.contains(&format!("event {event} is gone")), "{err}");

    // Another key (a new key file) is refused at start.
    let err = fails(&db.url, &dir.join("other.audit-key"), &["audit-verify"]);
    assert!(err.contains("not the key"), "{err}");

    db.remove().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn checkpoints_find_a_truncated_trail_on_sqlite() {
    checkpoints_find_a_truncated_trail(Kind::Sqlite).await;
}

#[tokio::test]
async fn checkpoints_find_a_truncated_trail_on_postgres() {
    if postgres_url().is_none() {
        eprintln!("TRAINYARD_TEST_PG_URL is not set: PostgreSQL variant not run");
        return;
    }
    checkpoints_find_a_truncated_trail(Kind::Postgres).await;
}
