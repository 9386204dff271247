//! The `trainyard` binary.

mod bench;

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::io::IsTerminal;
use trainyard_app::{App, Settings, accounts};
use trainyard_core::Role;
use trainyard_store::Store;

#[derive(Parser)]
#[command(
    name = "trainyard",
    version,
    about = "Trainyard — the training management system: schedule, staff, enroll, invoice, measure."
)]
struct Cli {
    /// Database URL: sqlite://FILE?mode=rwc (embedded, the default) or postgres://USER@HOST/DB.
    #[arg(
        long = "database",
        env = "TRAINYARD_DATABASE_URL",
        global = true,
        default_value = "sqlite://trainyard.db?mode=rwc"
    )]
    database: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web UI and the JSON API (migrates the database first).
    Serve(ServeArgs),
    /// Create (or reuse) a SQLite demo database with a realistic training company, then serve it and
    /// print a login for every role.
    Demo {
        #[command(flatten)]
        serve: ServeArgs,
        /// The demo database file (ignores --database).
        #[arg(long, default_value = "trainyard-demo.db")]
        file: String,
        /// Seed and exit without serving.
        #[arg(long)]
        seed_only: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Verify the audit trail's hash chain.
    AuditVerify,
    /// Reproducible benchmarks (see BENCHMARKS.md).
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Seed N sessions (if fewer exist), then time the sessions list page with filters, in process.
    SessionsList {
        #[arg(long, default_value_t = 100_000)]
        sessions: usize,
        #[arg(long, default_value_t = 30)]
        iterations: usize,
    },
    /// Time the core conflict check against 1,000,000 intervals, then the conflict-check API call
    /// at N sessions with confirmed instructors and rooms (seeded if missing).
    Conflicts {
        #[arg(long, default_value_t = 100_000)]
        sessions: usize,
        #[arg(long, default_value_t = 50)]
        iterations: usize,
    },
}

#[derive(clap::Args, Clone)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "TRAINYARD_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    /// Mark cookies Secure (set when serving behind HTTPS).
    #[arg(long, env = "TRAINYARD_SECURE_COOKIES")]
    secure_cookies: bool,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user. The password is read from TRAINYARD_PASSWORD or prompted for on the terminal.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// admin, manager, coordinator, finance, instructor, client_contact or learner.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[arg(long, env = "TRAINYARD_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        /// The client a client contact belongs to.
        #[arg(long)]
        client_id: Option<i64>,
        #[arg(long, default_value = "Europe/Berlin")]
        time_zone: String,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Issue an API token for a user and print it once.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).map_err(|e| e.to_string())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("TRAINYARD_LOG").unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=warn")
            }),
        )
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => {
            let app = open(&cli.database).await?;
            serve(app, &args).await
        }
        Command::Demo {
            serve: args,
            file,
            seed_only,
        } => {
            let started = std::time::Instant::now();
            let app = open(&format!("sqlite://{file}?mode=rwc")).await?;
            let report = trainyard_app::demo::seed(&app)
                .await
                .context("seeding the demo company")?;
            if report.created {
                eprintln!(
                    "Seeded {} in {:.1}s: {}",
                    file,
                    started.elapsed().as_secs_f64(),
                    report.summary
                );
            } else {
                eprintln!("Reusing the demo company in {file}.");
            }
            if seed_only {
                return Ok(());
            }
            println!("\nTrainyard demo: http://{}/\n", args.listen);
            println!(
                "Sign in as (password for all: {}):",
                trainyard_app::demo::PASSWORD
            );
            for (role, email) in trainyard_app::demo::LOGINS {
                println!("  {role:<15} {email}");
            }
            println!();
            serve(app, &args).await
        }
        Command::Migrate => {
            let store = Store::connect(&cli.database)
                .await
                .context("connecting to the database")?;
            let n = store.migrate().await?;
            println!("{n} migration(s) applied.");
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Create {
                    email,
                    name,
                    role,
                    password,
                    client_id,
                    time_zone,
                },
        } => {
            let app = open(&cli.database).await?;
            let password = match password {
                Some(p) => p,
                None => prompt_password()?,
            };
            let user = accounts::create_user(
                &app,
                None,
                accounts::NewAccount {
                    email,
                    display_name: name,
                    password,
                    role,
                    client_id,
                    instructor_id: None,
                    learner_id: None,
                    time_zone,
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "Created {} ({}) with id {}.",
                user.email, user.role, user.id
            );
            Ok(())
        }
        Command::Token {
            command: TokenCommand::Create { email, name },
        } => {
            let app = open(&cli.database).await?;
            let token = accounts::create_api_token_for(&app, &email, &name)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{}", token.secret);
            Ok(())
        }
        Command::Bench {
            command:
                BenchCommand::SessionsList {
                    sessions,
                    iterations,
                },
        } => {
            let app = open(&cli.database).await?;
            bench::sessions_list(app, sessions, iterations).await
        }
        Command::Bench {
            command:
                BenchCommand::Conflicts {
                    sessions,
                    iterations,
                },
        } => {
            let app = open(&cli.database).await?;
            bench::conflicts(app, sessions, iterations).await
        }
        Command::AuditVerify => {
            let app = open(&cli.database).await?;
            let n = trainyard_app::history::verify(&app, &trainyard_app::Caller::system())
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("The audit trail is intact: {n} events verified.");
            Ok(())
        }
    }
}

async fn open(url: &str) -> anyhow::Result<App> {
    let store = Store::connect(url)
        .await
        .with_context(|| format!("connecting to {}", redact(url)))?;
    store.migrate().await.context("migrating the database")?;
    Ok(App::new(store, Settings::default()))
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{}{}@{}", &url[..s + 3], user, &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

fn prompt_password() -> anyhow::Result<String> {
    use std::io::BufRead;
    eprint!("Password (at least 10 characters): ");
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}

async fn serve(app: App, args: &ServeArgs) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    tracing::info!(address = %listener.local_addr()?, backend = ?app.store.backend(), resident_kib = bench::resident_kib(), "serving");
    let store = app.store.clone();
    trainyard_web::serve(listener, app, args.secure_cookies, shutdown_signal()).await?;
    store.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
