//! The `trainyard` binary.

mod audit_key;
mod bench;
mod ctt;
mod hooks;
mod import;
mod invoices;
mod plan;

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::io::IsTerminal;
use trainyard_app::delivery::{self, Mailer, SmtpSettings, WorkerOptions};
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
    /// The address people reach this Trainyard at (e.g. https://training.example.com): every
    /// link in e-mails and calendar feeds is built from it, never from a request's Host header.
    #[arg(
        long = "public-url",
        env = "TRAINYARD_PUBLIC_URL",
        global = true,
        default_value = "http://127.0.0.1:8080"
    )]
    public_url: String,
    /// The file holding the audit trail's key (created, readable by its owner only, if missing).
    /// Default: FILE.audit-key beside a SQLite database FILE, or ./trainyard-audit.key for
    /// PostgreSQL. TRAINYARD_AUDIT_KEY (hex or base64) overrides the file. Back it up apart from
    /// the database: without it the trail cannot be verified.
    #[arg(
        long = "audit-key-file",
        env = "TRAINYARD_AUDIT_KEY_FILE",
        global = true
    )]
    audit_key_file: Option<std::path::PathBuf>,
    /// A PEM file of certificate authorities to trust for outgoing HTTPS (webhook endpoints, the
    /// OpenID provider, the Learning Record Store) beside the Mozilla roots compiled in: an
    /// organisation's own PKI.
    #[arg(long = "ca-file", env = "TRAINYARD_CA_FILE", global = true)]
    ca_file: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Command,
}

/// The certificates of `--ca-file`, for every command that opens the database.
static EXTRA_ROOTS: std::sync::OnceLock<Vec<rustls::pki_types::CertificateDer<'static>>> =
    std::sync::OnceLock::new();

/// `--audit-key-file`, for every command that opens the database.
static AUDIT_KEY_FILE: std::sync::OnceLock<Option<std::path::PathBuf>> = std::sync::OnceLock::new();

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
    /// Plan the draft sessions that have a planning window (the auto-scheduler).
    Plan(plan::PlanArgs),
    /// Invoicing from the command line.
    Invoices {
        #[command(subcommand)]
        command: invoices::InvoicesCommand,
    },
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
    /// Single sign-on: the break-glass way back to passwords.
    Sso {
        #[command(subcommand)]
        command: SsoCommand,
    },
    /// Verify the audit trail's keyed hash chain; with --checkpoint, also that nothing up to the
    /// checkpoint was changed or removed.
    AuditVerify {
        /// A checkpoint file written by `trainyard audit checkpoint`.
        #[arg(long)]
        checkpoint: Option<std::path::PathBuf>,
    },
    /// Audit trail checkpoints.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Check that the data obeys the scheduling rules: every accepted or confirmed assignment
    /// and confirmed room booking holds its slots, and no instructor or room is in two places
    /// at once. Prints each finding; exits with status 1 if there is any.
    Doctor,
    /// Deliver the outbox over SMTP and webhooks until stopped (any number of workers may run, in any number of
    /// processes; `serve` runs one too unless --no-worker).
    Worker {
        #[command(flatten)]
        smtp: SmtpArgs,
        #[command(flatten)]
        hooks: hooks::HookArgs,
        /// Deliver what is due now, then exit.
        #[arg(long)]
        once: bool,
    },
    /// Print the API's OpenAPI document (as served at /api/v1/openapi.json), e.g. to refresh the
    /// contract snapshot: `trainyard openapi > contract/openapi.json`.
    Openapi,
    /// Costs per session.
    Costs {
        #[command(subcommand)]
        command: CostsCommand,
    },
    /// Import a spreadsheet (CSV or XLSX) all or nothing, with a progress bar; --dry-run only
    /// checks it. Prints every row's problem and the sheet's own conflicts; exits with status 1
    /// if any row has a problem (nothing is imported then).
    Import(import::ImportArgs),
    /// Export everything in the import's layouts (an XLSX workbook and/or CSV files).
    Export(import::ExportArgs),
    /// Reproducible benchmarks (see BENCHMARKS.md).
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Solve an ITC2007 track 3 instance with the planner; write and evaluate the solution.
    Ctt(ctt::CttArgs),
    /// Generate a Trainyard-shaped quarter and plan it.
    Plan(ctt::PlanArgs),
    /// Generate an XLSX workbook of N sessions with their enrollments, then time its dry run and
    /// its import into the target database (use an empty one).
    Import(import::BenchImportArgs),
    /// Seed N sessions (if fewer exist), then time the sessions list page with filters, in process.
    SessionsList {
        #[arg(long, default_value_t = 100_000)]
        sessions: usize,
        #[arg(long, default_value_t = 30)]
        iterations: usize,
    },
    /// Seed N certificates (if fewer exist), then time the public verification of a code: the
    /// lookup, the page and the API route (server time, in process).
    Verify {
        #[arg(long, default_value_t = 1_000_000)]
        certificates: usize,
        #[arg(long, default_value_t = 1000)]
        iterations: usize,
    },
    /// Seed N sessions (if fewer exist), then time the sessions list and a session page in
    /// English and in German, in process.
    PageLanguage {
        #[arg(long, default_value_t = 10_000)]
        sessions: usize,
        /// Measure the demo world instead (seeded first if the database has none; no
        /// benchmark sessions are added): e.g. `trainyard demo --seed-only --file d.db` then
        /// `trainyard --database sqlite://d.db bench page-language --demo`.
        #[arg(long)]
        demo: bool,
        #[arg(long, default_value_t = 50)]
        iterations: usize,
    },
    /// Issue an invoice of N lines, then time its PDF (server time, in process).
    InvoicePdf {
        #[arg(long, default_value_t = 20)]
        lines: usize,
        #[arg(long, default_value_t = 50)]
        iterations: usize,
    },
    /// Fill a year of operations (sessions, enrollments, instructors; set-based, with a progress
    /// bar) unless it is there, then time the pages over it: the reports page for the whole year
    /// (every tile and chart), the dashboard and the year's profitability report (server time, in
    /// process). Use a fresh database for the first run.
    Year {
        #[arg(long, default_value_t = 100_000)]
        sessions: i64,
        #[arg(long, default_value_t = 10)]
        enrollments_per_session: i64,
        #[arg(long, default_value_t = 2_000)]
        instructors: i64,
        #[arg(long, default_value_t = 100_000)]
        learners: i64,
        #[arg(long, default_value_t = 10)]
        iterations: usize,
    },
    /// Seed last month with N clients' delivered, unbilled enrollments, then issue the month's
    /// invoices (one per client) as `trainyard invoices issue` does, timed. Use a fresh database.
    InvoiceRun {
        #[arg(long, default_value_t = 1000)]
        clients: usize,
        /// Learners of each client enrolled last month (each a line on its invoice).
        #[arg(long, default_value_t = 2)]
        per_client: usize,
    },
    /// Fill next month with confirmed sessions for N instructors (if missing), then time the month
    /// timeline of every instructor, in process.
    Timeline {
        #[arg(long, default_value_t = 200)]
        instructors: usize,
        /// Sessions per instructor in the month (one weekday each).
        #[arg(long, default_value_t = 8)]
        per_instructor: usize,
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
    /// Sustained enrollment through HTTP: concurrent clients enrolling distinct learners.
    Enroll {
        #[arg(long, default_value_t = 32)]
        clients: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Seats per session; each session receives twice as many requests, so half waitlist.
        #[arg(long, default_value_t = 20)]
        seats: i64,
    },
    /// Queue N messages, then time their delivery to the SMTP server given by the --smtp-*
    /// settings (start a local sink first: `python3 crates/web/tests/smtp_sink.py 2525 /tmp/sink`).
    /// Use a scratch database: the messages stay in its outbox.
    Outbox {
        #[arg(long, default_value_t = 2000)]
        messages: usize,
        /// Workers delivering side by side, as several processes would.
        #[arg(long, default_value_t = 1)]
        workers: usize,
        #[command(flatten)]
        smtp: SmtpArgs,
    },
    /// Queue N events for each of E endpoints on an in-process receiver (which checks every
    /// signature and the order per endpoint), then time their delivery by the webhook workers.
    /// Use a scratch database.
    Webhooks {
        #[arg(long, default_value_t = 5000)]
        events: usize,
        #[arg(long, default_value_t = 2)]
        endpoints: usize,
        #[arg(long, default_value_t = 2)]
        workers: usize,
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
    /// Do not deliver e-mail from this process (run `trainyard worker` elsewhere).
    #[arg(long, env = "TRAINYARD_NO_WORKER")]
    no_worker: bool,
    /// JSON API requests allowed per token (per client address without one) per minute; 0 turns
    /// the limit off. Each `serve` process counts on its own.
    #[arg(long, env = "TRAINYARD_API_RATE_LIMIT", default_value_t = 600)]
    api_rate_limit: u32,
    #[command(flatten)]
    hooks: hooks::HookArgs,
    #[command(flatten)]
    smtp: SmtpArgs,
}

/// Where outgoing e-mail goes, and how the delivery worker paces itself.
#[derive(clap::Args, Clone)]
struct SmtpArgs {
    /// SMTP server host.
    #[arg(long, env = "TRAINYARD_SMTP_HOST", default_value = "127.0.0.1")]
    smtp_host: String,
    /// SMTP server port.
    #[arg(long, env = "TRAINYARD_SMTP_PORT", default_value_t = 2525)]
    smtp_port: u16,
    /// The From of every message.
    #[arg(
        long,
        env = "TRAINYARD_SMTP_FROM",
        default_value = "Trainyard <noreply@trainyard.local>"
    )]
    smtp_from: String,
    /// SMTP user name (AUTH), with --smtp-password.
    #[arg(long, env = "TRAINYARD_SMTP_USER")]
    smtp_user: Option<String>,
    /// SMTP password; prefer the environment variable to the flag.
    #[arg(long, env = "TRAINYARD_SMTP_PASSWORD", hide_env_values = true)]
    smtp_password: Option<String>,
    /// Require STARTTLS (needs a build with trainyard-app's `smtp-tls` feature).
    #[arg(long, env = "TRAINYARD_SMTP_STARTTLS")]
    smtp_starttls: bool,
    /// The name to greet the SMTP server with (EHLO).
    #[arg(long, env = "TRAINYARD_SMTP_HELO")]
    smtp_helo: Option<String>,
    /// Messages a worker sends at once (and SMTP connections it keeps open).
    #[arg(long, env = "TRAINYARD_WORKER_CONCURRENCY", default_value_t = 8)]
    worker_concurrency: usize,
    /// Messages a worker claims per pass.
    #[arg(long, env = "TRAINYARD_WORKER_BATCH", default_value_t = 100)]
    worker_batch: i64,
}

impl SmtpArgs {
    fn mailer(&self) -> anyhow::Result<Mailer> {
        let settings = SmtpSettings {
            host: self.smtp_host.clone(),
            port: self.smtp_port,
            from: self.smtp_from.clone(),
            username: self.smtp_user.clone().filter(|u| !u.is_empty()),
            password: self.smtp_password.clone(),
            starttls: self.smtp_starttls,
            helo_name: self.smtp_helo.clone(),
        };
        let options = WorkerOptions {
            batch: self.worker_batch,
            concurrency: self.worker_concurrency,
            ..WorkerOptions::default()
        };
        Mailer::new(&settings, options).map_err(|e| anyhow::anyhow!("SMTP settings: {e}"))
    }
}

#[derive(Subcommand)]
enum CostsCommand {
    /// Import actual costs from a CSV file (`session reference, kind, description, amount,
    /// currency`, after a header row). All or nothing: with any bad row nothing changes, and
    /// every row's problem is printed. Exits with status 1 if any row has a problem.
    Import {
        file: std::path::PathBuf,
        /// Only check the file: print what each row would do and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Verify the trail and write its signed head (event number and hash) as JSON, to keep
    /// outside the database; run it on a schedule (cron, a systemd timer). See the README.
    Checkpoint {
        /// Write the checkpoint to this file (default: print it).
        #[arg(long)]
        out: Option<std::path::PathBuf>,
        /// Also e-mail it to every admin (queued in the outbox, sent by the delivery worker).
        #[arg(long)]
        email: bool,
    },
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
        /// The instructor record an instructor account belongs to (required for instructors).
        #[arg(long = "instructor", value_name = "ID")]
        instructor_id: Option<i64>,
        /// The client a client contact belongs to (required for client contacts).
        #[arg(long = "client", alias = "client-id", value_name = "ID")]
        client_id: Option<i64>,
        /// The learner record a learner account belongs to (required for learners).
        #[arg(long = "learner", value_name = "ID")]
        learner_id: Option<i64>,
        #[arg(long, default_value = "Europe/Berlin")]
        time_zone: String,
    },
}

#[derive(Subcommand)]
enum SsoCommand {
    /// Turn password sign-in back on (when the identity provider fails and nobody can sign in).
    AllowPasswordLogin,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Issue an API token for a user and print it once.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "cli")]
        name: String,
        /// read, scheduling, enrollment, finance, reports or admin; repeat or separate with
        /// commas. Every scope when left out.
        #[arg(long = "scope", value_name = "SCOPE")]
        scopes: Vec<String>,
        /// Days until it expires (1 to 366).
        #[arg(long, default_value_t = 90)]
        expires_in_days: i64,
    },
    /// List a user's API tokens (never their secrets).
    List {
        #[arg(long)]
        email: String,
    },
    /// Revoke one of a user's API tokens.
    Revoke {
        #[arg(long)]
        email: String,
        #[arg(long)]
        id: i64,
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
    // The TLS provider of every HTTP client of this process (reqwest has no bundled one).
    trainyard_app::http::use_ring();
    let _ = AUDIT_KEY_FILE.set(cli.audit_key_file.clone());
    if let Some(file) = &cli.ca_file {
        let pem =
            std::fs::read(file).with_context(|| format!("reading --ca-file {}", file.display()))?;
        let roots = trainyard_app::http::roots_from_pem(&pem)
            .map_err(|e| anyhow::anyhow!("--ca-file {}: {e}", file.display()))?;
        let _ = EXTRA_ROOTS.set(roots);
    }
    let target = Target {
        database: cli.database.clone(),
        public_url: cli.public_url.clone(),
    };
    match cli.command {
        Command::Bench {
            command: BenchCommand::Ctt(args),
        } => ctt::bench_ctt(args),
        Command::Bench {
            command: BenchCommand::Plan(args),
        } => ctt::bench_plan(args),
        Command::Openapi => {
            println!("{}", trainyard_web::openapi_json());
            Ok(())
        }
        Command::Serve(args) => {
            let app = open(&target).await?;
            serve(app, &args).await
        }
        Command::Demo {
            serve: args,
            file,
            seed_only,
        } => {
            let started = std::time::Instant::now();
            let app = open_url(&format!("sqlite://{file}?mode=rwc"), &cli.public_url).await?;
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
            println!(
                "  {:<15} {} (pages in German)",
                "coordinator",
                trainyard_app::demo::GERMAN_COORDINATOR
            );
            println!();
            serve(app, &args).await
        }
        Command::Plan(args) => plan::plan(open(&target).await?, args).await,
        Command::Import(args) => import::run(&open(&target).await?, args).await,
        Command::Export(args) => import::export(&open(&target).await?, args).await,
        Command::Bench {
            command: BenchCommand::Import(args),
        } => import::bench(&open(&target).await?, args).await,
        Command::Invoices { command } => invoices::run(open(&target).await?, command).await,
        Command::Migrate => {
            let store = Store::connect(&cli.database)
                .await
                .context("connecting to the database")?
                .with_audit_key(audit_key_for(&cli.database)?);
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
                    instructor_id,
                    client_id,
                    learner_id,
                    time_zone,
                },
        } => {
            let app = open(&target).await?;
            let password = match password {
                Some(p) => p,
                None => prompt_password()?,
            };
            let user = accounts::create_user_from_command_line(
                &app,
                accounts::NewAccount {
                    email,
                    display_name: name,
                    password,
                    role,
                    client_id,
                    instructor_id,
                    learner_id,
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
            command:
                TokenCommand::Create {
                    email,
                    name,
                    scopes,
                    expires_in_days,
                },
        } => {
            let app = open(&target).await?;
            let caller = accounts::caller_by_email(&app, &email)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let scopes = if scopes.is_empty() {
                trainyard_core::scope::Scopes::all().to_string()
            } else {
                scopes.join(" ")
            };
            let request = accounts::TokenRequest {
                name,
                scopes,
                expires_in_days: Some(expires_in_days),
            };
            let token = accounts::create_api_token(&app, &caller, &request)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{}", token.secret);
            Ok(())
        }
        Command::Sso {
            command: SsoCommand::AllowPasswordLogin,
        } => {
            let app = open(&target).await?;
            trainyard_app::sso::allow_password_login_from_command_line(&app)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("Password sign-in is on.");
            Ok(())
        }
        Command::Token {
            command: TokenCommand::List { email },
        } => {
            let app = open(&target).await?;
            let caller = accounts::caller_by_email(&app, &email)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let tokens = accounts::list_api_tokens(&app, &caller)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            for t in tokens {
                let when = |ms: Option<i64>| {
                    ms.map(trainyard_core::time::rfc3339)
                        .unwrap_or_else(|| "-".into())
                };
                println!(
                    "{}\t{}\t{}\texpires {}\tlast used {}{}",
                    t.id,
                    t.name,
                    t.scopes,
                    when(t.expires_at),
                    when(t.last_used_at),
                    if t.revoked_at.is_some() {
                        "\trevoked"
                    } else {
                        ""
                    }
                );
            }
            Ok(())
        }
        Command::Token {
            command: TokenCommand::Revoke { email, id },
        } => {
            let app = open(&target).await?;
            let caller = accounts::caller_by_email(&app, &email)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            accounts::revoke_api_token(&app, &caller, id)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("Revoked token {id}.");
            Ok(())
        }
        Command::Bench {
            command:
                BenchCommand::SessionsList {
                    sessions,
                    iterations,
                },
        } => {
            let app = open(&target).await?;
            bench::sessions_list(app, sessions, iterations).await
        }
        Command::Bench {
            command:
                BenchCommand::Year {
                    sessions,
                    enrollments_per_session,
                    instructors,
                    learners,
                    iterations,
                },
        } => {
            let app = open(&target).await?;
            let size = trainyard_app::bench::YearSize {
                sessions,
                enrollments_per_session,
                instructors,
                learners,
            };
            bench::year(app, size, iterations).await
        }
        Command::Bench {
            command:
                BenchCommand::InvoiceRun {
                    clients,
                    per_client,
                },
        } => {
            let app = open(&target).await?;
            bench::invoice_run(app, clients, per_client).await
        }
        Command::Bench {
            command:
                BenchCommand::Verify {
                    certificates,
                    iterations,
                },
        } => {
            let app = open(&target).await?;
            bench::verify(app, certificates, iterations).await
        }
        Command::Bench {
            command:
                BenchCommand::PageLanguage {
                    sessions,
                    demo,
                    iterations,
                },
        } => {
            let app = open(&target).await?;
            bench::page_language(app, sessions, demo, iterations).await
        }
        Command::Bench {
            command: BenchCommand::InvoicePdf { lines, iterations },
        } => {
            let app = open(&target).await?;
            bench::invoice_pdf(app, lines, iterations).await
        }
        Command::Bench {
            command:
                BenchCommand::Timeline {
                    instructors,
                    per_instructor,
                    iterations,
                },
        } => {
            let app = open(&target).await?;
            bench::timeline(app, instructors, per_instructor, iterations).await
        }
        Command::Bench {
            command:
                BenchCommand::Conflicts {
                    sessions,
                    iterations,
                },
        } => {
            let app = open(&target).await?;
            bench::conflicts(app, sessions, iterations).await
        }
        Command::Bench {
            command:
                BenchCommand::Enroll {
                    clients,
                    seconds,
                    seats,
                },
        } => {
            let app = open(&target).await?;
            bench::enroll(app, clients, seconds, seats).await
        }
        Command::Worker { smtp, hooks, once } => {
            let app = open(&target).await?;
            let mailer = smtp.mailer()?;
            let id = delivery::worker_id("worker");
            let hooks_run = hooks.hooks(&app.settings)?;
            if once {
                let r = trainyard_app::webhooks::deliver_pending(&app, &hooks_run, &id)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                println!(
                    "webhooks: {} delivered, {} to be retried, {} given up.",
                    r.delivered, r.retrying, r.given_up
                );
                let mut total = delivery::PassReport::default();
                loop {
                    let r = delivery::deliver_due(&app, &mailer, &id)
                        .await
                        .map_err(|e| anyhow::anyhow!("{e}"))?;
                    total.claimed += r.claimed;
                    total.sent += r.sent;
                    total.retrying += r.retrying;
                    total.failed += r.failed;
                    if r.claimed == 0 || r.sent == 0 {
                        break;
                    }
                }
                println!(
                    "{} sent, {} to be retried, {} failed.",
                    total.sent, total.retrying, total.failed
                );
            } else {
                let (stop, stopped) = tokio::sync::watch::channel(false);
                let sealer = tokio::spawn(trainyard_app::audit::run_sealer(
                    app.clone(),
                    until_stopped(stopped.clone()),
                ));
                let hook_workers = (hooks.webhook_workers > 0).then(|| {
                    tokio::spawn(trainyard_app::webhooks::run(
                        app.clone(),
                        hooks_run,
                        id.clone(),
                        until_stopped(stopped.clone()),
                    ))
                });
                let signal = async move {
                    shutdown_signal().await;
                    let _ = stop.send(true);
                };
                delivery::run(app.clone(), mailer, id, signal).await;
                if let Some(h) = hook_workers {
                    let _ = h.await;
                }
                let _ = sealer.await;
            }
            app.store.close().await;
            Ok(())
        }
        Command::Bench {
            command:
                BenchCommand::Webhooks {
                    events,
                    endpoints,
                    workers,
                },
        } => {
            let app = open(&target).await?;
            hooks::bench(app, events, endpoints, workers).await
        }
        Command::Bench {
            command:
                BenchCommand::Outbox {
                    messages,
                    workers,
                    smtp,
                },
        } => {
            let app = open(&target).await?;
            bench_outbox(app, &smtp, messages, workers).await
        }
        Command::Costs {
            command: CostsCommand::Import { file, dry_run },
        } => {
            let app = open(&target).await?;
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let system = trainyard_app::Caller::system();
            let checked = trainyard_app::costs::import_actuals(&app, &system, &text, true)
                .await
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            for r in &checked.rows {
                match (&r.problem, &r.target) {
                    (Some(p), _) => println!("line {}: {} — {p}", r.line, r.session_reference),
                    (None, Some(t)) if t == "new" => println!(
                        "line {}: {} — adds a {} line of {} {}",
                        r.line, r.session_reference, r.kind, r.amount, r.currency
                    ),
                    (None, t) => println!(
                        "line {}: {} — sets the actual of {} to {} {}",
                        r.line,
                        r.session_reference,
                        t.as_deref().unwrap_or("?"),
                        r.amount,
                        r.currency
                    ),
                }
            }
            if checked.problems > 0 {
                eprintln!(
                    "{} of {} rows have a problem: nothing was imported.",
                    checked.problems,
                    checked.rows.len()
                );
                std::process::exit(1);
            }
            if dry_run {
                eprintln!(
                    "Dry run: all {} rows can be imported; nothing changed.",
                    checked.rows.len()
                );
                return Ok(());
            }
            let done = trainyard_app::costs::import_actuals(&app, &system, &text, false)
                .await
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            eprintln!("Imported {} actual costs.", done.applied);
            Ok(())
        }
        Command::AuditVerify { checkpoint } => {
            let app = open(&target).await?;
            let system = trainyard_app::Caller::system();
            match checkpoint {
                None => {
                    let n = trainyard_app::history::verify(&app, &system)
                        .await
                        .map_err(|e| anyhow::anyhow!("{e}"))?;
                    println!("The audit trail is intact: {n} events verified.");
                }
                Some(file) => {
                    let text = std::fs::read_to_string(&file)
                        .with_context(|| format!("reading {}", file.display()))?;
                    let cp: trainyard_store::audit::Checkpoint = serde_json::from_str(&text)
                        .with_context(|| {
                            format!("{} is not an audit checkpoint", file.display())
                        })?;
                    let n = trainyard_app::history::verify_checkpoint(&app, &system, &cp)
                        .await
                        .map_err(|e| anyhow::anyhow!("{e}"))?;
                    println!(
                        "The audit trail is intact: {n} events verified; event {} is as the \
                         checkpoint of {} recorded it.",
                        cp.event,
                        chrono::DateTime::from_timestamp_millis(cp.created_at)
                            .map(|t| t.to_rfc3339())
                            .unwrap_or_default()
                    );
                }
            }
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Checkpoint { out, email },
        } => {
            let app = open(&target).await?;
            let system = trainyard_app::Caller::system();
            let cp = trainyard_app::history::checkpoint(&app, &system)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let json = serde_json::to_string_pretty(&cp)?;
            match &out {
                Some(file) => {
                    std::fs::write(file, format!("{json}\n"))
                        .with_context(|| format!("writing {}", file.display()))?;
                    eprintln!(
                        "Checkpoint at event {} written to {}.",
                        cp.event,
                        file.display()
                    );
                }
                None => println!("{json}"),
            }
            if email {
                let to = trainyard_app::audit::email_checkpoint(&app, &system, &cp)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                eprintln!(
                    "Checkpoint queued for {} admin(s): {}.",
                    to.len(),
                    to.join(", ")
                );
            }
            app.store.close().await;
            Ok(())
        }
        Command::Doctor => {
            let app = open(&target).await?;
            let findings = trainyard_app::doctor::check(&app, &trainyard_app::Caller::system())
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            for f in &findings {
                println!("{}: {}", f.check, f.message);
            }
            if findings.is_empty() {
                println!("No findings: the scheduling rules hold.");
                Ok(())
            } else {
                eprintln!("{} finding(s).", findings.len());
                std::process::exit(1);
            }
        }
    }
}

/// The database to open and the public address of the instance behind it.
struct Target {
    database: String,
    public_url: String,
}

async fn open(target: &Target) -> anyhow::Result<App> {
    open_url(&target.database, &target.public_url).await
}

async fn open_url(url: &str, public_url: &str) -> anyhow::Result<App> {
    let public_url = public_url.trim().trim_end_matches('/');
    anyhow::ensure!(
        public_url.starts_with("http://") || public_url.starts_with("https://"),
        "--public-url must start with http:// or https:// (got '{public_url}')"
    );
    let store = Store::connect(url)
        .await
        .with_context(|| format!("connecting to {}", redact(url)))?
        .with_audit_key(audit_key_for(url)?);
    store.migrate().await.context("migrating the database")?;
    Ok(App::new(
        store,
        Settings {
            public_url: public_url.to_owned(),
            extra_roots: EXTRA_ROOTS.get().cloned().unwrap_or_default(),
            ..Settings::default()
        },
    ))
}

/// The audit key for the database at `url` (see `audit_key`).
fn audit_key_for(url: &str) -> anyhow::Result<trainyard_store::audit::AuditKey> {
    let file = AUDIT_KEY_FILE.get().cloned().flatten();
    audit_key::load(url, file.as_deref())
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

async fn serve(mut app: App, args: &ServeArgs) -> anyhow::Result<()> {
    app.settings.api_rate_limit_per_minute = args.api_rate_limit;
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    tracing::info!(address = %listener.local_addr()?, backend = ?app.store.backend(), resident_kib = bench::resident_kib(), "serving");
    let store = app.store.clone();
    // One signal stops both the server and the delivery worker (which finishes its pass first).
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = if args.no_worker {
        None
    } else {
        let mailer = args.smtp.mailer()?;
        Some(tokio::spawn(delivery::run(
            app.clone(),
            mailer,
            delivery::worker_id("serve"),
            until_stopped(stopped.clone()),
        )))
    };
    let sealer = tokio::spawn(trainyard_app::audit::run_sealer(
        app.clone(),
        until_stopped(stopped.clone()),
    ));
    // Spreadsheet imports queued by any process (the file is in the database).
    let importer = tokio::spawn(trainyard_app::import::jobs::run_worker(
        app.clone(),
        until_stopped(stopped.clone()),
    ));
    // Webhooks: as many workers as asked, unless this process delivers nothing.
    let hook_workers = if args.no_worker || args.hooks.webhook_workers == 0 {
        None
    } else {
        Some(tokio::spawn(trainyard_app::webhooks::run(
            app.clone(),
            args.hooks.hooks(&app.settings)?,
            trainyard_app::webhooks::worker_id("serve"),
            until_stopped(stopped.clone()),
        )))
    };
    let signal = async move {
        shutdown_signal().await;
        let _ = stop.send(true);
    };
    let served = trainyard_web::serve(listener, app, args.secure_cookies, signal).await;
    if let Some(w) = worker {
        let _ = w.await;
    }
    if let Some(h) = hook_workers {
        let _ = h.await;
    }
    let _ = sealer.await;
    let _ = importer.await;
    store.close().await;
    served?;
    Ok(())
}

/// Resolves once `stop` says so, or its sender is gone.
async fn until_stopped(mut stop: tokio::sync::watch::Receiver<bool>) {
    while !*stop.borrow_and_update() {
        if stop.changed().await.is_err() {
            return;
        }
    }
}

/// `trainyard bench outbox`: queue `n` messages, then deliver them with `workers` workers and
/// report messages per second.
async fn bench_outbox(app: App, smtp: &SmtpArgs, n: usize, workers: usize) -> anyhow::Result<()> {
    let mailer = smtp.mailer()?;
    match mailer.test_connection().await {
        Ok(true) => {}
        other => anyhow::bail!(
            "no SMTP server answers at {}:{} ({other:?}). Start a local sink first, e.g.\n  \
             python3 crates/web/tests/smtp_sink.py {} /tmp/trainyard-sink",
            smtp.smtp_host,
            smtp.smtp_port,
            smtp.smtp_port
        ),
    }
    let mut conn = app.store.read().await?;
    let (pending_before, sent_before, _) = trainyard_store::outbox::counts(&mut conn).await?;
    drop(conn);
    let run = trainyard_core::time::now_ms();
    let bar = indicatif::ProgressBar::new(n as u64).with_message("queueing");
    let body = "Hello,\n\nthis is a benchmark message from Trainyard's outbox. It is about as long as a \
        booking confirmation: a greeting, two or three lines about the session, where and when, \
        and a closing line.\n\nSee you there!\n";
    let mut queued = 0;
    while queued < n {
        let mut tx = app.store.write().await?;
        let upto = (queued + 500).min(n);
        for i in queued..upto {
            let recipient = format!("learner{i}@bench.trainyard.test");
            let subject = format!("Booked: Benchmark course #{i}");
            let key = format!("bench-{run}-{i}");
            trainyard_store::outbox::enqueue(
                &mut tx,
                &trainyard_store::outbox::NewMessage {
                    kind: "bench",
                    recipient: &recipient,
                    subject: &subject,
                    body,
                    entity_type: "bench",
                    entity_id: i as i64,
                    idempotency_key: &key,
                },
                trainyard_core::time::now_ms(),
            )
            .await?;
        }
        tx.commit().await?;
        bar.inc((upto - queued) as u64);
        queued = upto;
    }
    bar.finish_and_clear();
    let workers = workers.max(1);
    let started = std::time::Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for w in 0..workers {
        let (app, mailer) = (app.clone(), mailer.clone());
        tasks.spawn(async move {
            let id = delivery::worker_id(&format!("bench{w}"));
            let mut total = delivery::PassReport::default();
            loop {
                let r = delivery::deliver_due(&app, &mailer, &id).await?;
                total.sent += r.sent;
                total.retrying += r.retrying;
                total.failed += r.failed;
                if r.claimed == 0 {
                    return Ok::<_, trainyard_app::AppError>(total);
                }
            }
        });
    }
    let mut total = delivery::PassReport::default();
    while let Some(r) = tasks.join_next().await {
        let r = r?.map_err(|e| anyhow::anyhow!("{e}"))?;
        total.sent += r.sent;
        total.retrying += r.retrying;
        total.failed += r.failed;
    }
    let secs = started.elapsed().as_secs_f64();
    let mut conn = app.store.read().await?;
    let (pending, sent, _) = trainyard_store::outbox::counts(&mut conn).await?;
    drop(conn);
    let opts = mailer.options();
    println!(
        "outbox: {} messages delivered over SMTP to {}:{} in {:.2} s = {:.0} messages/s \
         ({:?}, {} worker(s) x {} concurrent sends, batch {}; {} retried, {} failed; \
         {} pending before, {} after; sent {} -> {})",
        total.sent,
        smtp.smtp_host,
        smtp.smtp_port,
        secs,
        total.sent as f64 / secs.max(1e-9),
        app.store.backend(),
        workers,
        opts.concurrency,
        opts.batch,
        total.retrying,
        total.failed,
        pending_before,
        pending,
        sent_before,
        sent
    );
    app.store.close().await;
    if total.retrying + total.failed > 0 {
        anyhow::bail!("some messages were not accepted by the SMTP server");
    }
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
