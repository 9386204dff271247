//! `trainyard import` and `trainyard export`: spreadsheets on the command line, with a progress
//! bar; and `trainyard bench import`, which generates a workbook and times its dry run and apply.

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use trainyard_app::import::{self, Input, Kind, Mapping, Report};
use trainyard_app::{App, Caller};

#[derive(clap::Args)]
pub struct ImportArgs {
    /// A CSV file (comma, semicolon or tab separated) or an XLSX workbook. A workbook's sheets
    /// named after kinds (courses, venues, rooms, clients, instructors, learners, sessions,
    /// assignments, enrollments) are imported together, in that order.
    file: PathBuf,
    /// What a CSV (or a one-sheet workbook) holds; with a workbook, only that sheet.
    #[arg(long)]
    kind: Option<String>,
    /// Check every row through the real rules and report; change nothing.
    #[arg(long)]
    dry_run: bool,
    /// The sheet's header for a column, as `field=Header` (repeatable); the rest are guessed,
    /// or taken from the mapping remembered at the last import of that kind.
    #[arg(long = "mapping")]
    mapping: Vec<String>,
}

#[derive(clap::Args)]
pub struct ExportArgs {
    /// Write one XLSX workbook with a sheet per kind.
    #[arg(long)]
    xlsx: Option<PathBuf>,
    /// Write one CSV file per kind (courses.csv, …) into this directory.
    #[arg(long)]
    dir: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct BenchImportArgs {
    #[arg(long, default_value_t = 10_000)]
    sessions: usize,
    #[arg(long, default_value_t = 10)]
    enrollments_per_session: usize,
    /// Keep the generated workbook here.
    #[arg(long)]
    keep: Option<PathBuf>,
}

struct Bar(ProgressBar);

impl import::Progress for Bar {
    fn step(&self, phase: &str, done: usize, total: usize) {
        self.0.set_length(total as u64);
        self.0.set_position(done as u64);
        self.0.set_message(phase.to_owned());
    }
}

/// The bar, and when each phase (kind) was first told: where an import's time goes.
struct Phases {
    bar: Bar,
    started: std::sync::Mutex<Vec<(String, std::time::Instant)>>,
}

impl import::Progress for Phases {
    fn step(&self, phase: &str, done: usize, total: usize) {
        self.bar.step(phase, done, total);
        if let Ok(mut s) = self.started.lock()
            && s.last().is_none_or(|(p, _)| p != phase)
        {
            s.push((phase.to_owned(), std::time::Instant::now()));
        }
    }
}

impl Phases {
    /// "start 9.0s, learners 2.0s, …, done 1.2s" (`start`: reading the workbook and the first rows;
    /// `done`: conflicts and the commit), from `t0`.
    fn summary(&self, t0: std::time::Instant, end: std::time::Instant) -> String {
        let Ok(s) = self.started.lock() else {
            return String::new();
        };
        let mut out = Vec::new();
        let mut from = t0;
        let mut name = "start".to_owned();
        for (p, at) in s.iter() {
            out.push(format!("{name} {:.1}s", (*at - from).as_secs_f64()));
            from = *at;
            name.clone_from(p);
        }
        out.push(format!("{name} {:.1}s", (end - from).as_secs_f64()));
        out.join(", ")
    }
}

fn bar() -> Bar {
    let b = ProgressBar::new(0);
    b.set_style(
        ProgressStyle::with_template("{msg:>12} {bar:40} {pos}/{len} rows {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    Bar(b)
}

fn parse_kind(raw: &Option<String>) -> anyhow::Result<Option<Kind>> {
    match raw {
        None => Ok(None),
        Some(k) => Kind::parse(k)
            .map(Some)
            .ok_or_else(|| anyhow::anyhow!("--kind '{k}' is not one of courses, venues, rooms, clients, instructors, learners, sessions, assignments, enrollments")),
    }
}

fn inputs(
    bytes: &[u8],
    name: &str,
    kind: Option<Kind>,
    mapping: &[String],
) -> anyhow::Result<Vec<Input>> {
    let sheets = import::sheet::read(bytes, name).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    let kinds = import::kinds_of(kind, sheets).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    let mut given = Mapping::new();
    for m in mapping {
        let (field, header) = m
            .split_once('=')
            .ok_or_else(|| anyhow::anyhow!("--mapping '{m}' is not field=Header"))?;
        given.insert(field.trim().to_owned(), header.trim().to_owned());
    }
    Ok(kinds
        .into_iter()
        .map(|(kind, sheet)| Input {
            kind,
            // Given columns on top of the guess for this sheet's header.
            mapping: (!given.is_empty()).then(|| {
                let mut m = import::layout::guess(kind, &sheet.header);
                m.extend(given.clone());
                m
            }),
            sheet,
        })
        .collect())
}

fn print(report: &Report) {
    for g in &report.groups {
        eprintln!(
            "{} — {} ({} row(s)), e.g. {}",
            g.kind.as_str(),
            g.group,
            g.count,
            g.example
        );
    }
    for p in &report.problems {
        println!("{} {}: {}", p.kind.as_str(), p.sheet, p.text());
    }
    for c in &report.conflicts {
        println!("conflict: {}", c.message);
    }
    eprintln!("{}", report.summary());
}

pub async fn run(app: &App, args: ImportArgs) -> anyhow::Result<()> {
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let name = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let inputs = inputs(&bytes, &name, parse_kind(&args.kind)?, &args.mapping)?;
    let progress = bar();
    let report = import::run(app, &Caller::system(), inputs, !args.dry_run, &progress)
        .await
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.file.display()))?;
    progress.0.finish_and_clear();
    print(&report);
    if !report.problems.is_empty() {
        std::process::exit(1);
    }
    Ok(())
}

pub async fn export(app: &App, args: ExportArgs) -> anyhow::Result<()> {
    let tables = import::export::export(app, &Caller::system())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    anyhow::ensure!(
        args.xlsx.is_some() || args.dir.is_some(),
        "give --xlsx FILE or --dir DIR"
    );
    if let Some(path) = &args.xlsx {
        let bytes = import::export::to_xlsx(&tables).map_err(|e| anyhow::anyhow!("{e}"))?;
        std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))?;
    }
    if let Some(dir) = &args.dir {
        std::fs::create_dir_all(dir)?;
        for t in &tables {
            let path = dir.join(format!("{}.csv", t.kind.as_str()));
            std::fs::write(&path, t.to_csv().map_err(|e| anyhow::anyhow!("{e}"))?)
                .with_context(|| format!("writing {}", path.display()))?;
        }
    }
    for t in &tables {
        eprintln!("{:>12}: {} row(s)", t.kind.as_str(), t.rows.len());
    }
    Ok(())
}

/// Generates a workbook of `sessions` sessions with `per` enrollments each, then times its
/// dry run and its apply on the target database (use an empty one).
pub async fn bench(app: &App, args: BenchImportArgs) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let tables = import::export::sample(args.sessions, args.enrollments_per_session);
    let bytes = import::export::to_xlsx(&tables).map_err(|e| anyhow::anyhow!("{e}"))?;
    eprintln!(
        "generated {} sessions, {} enrollments, {} learners: {:.1} MB of XLSX in {:.1}s",
        args.sessions,
        args.sessions * args.enrollments_per_session,
        tables
            .iter()
            .find(|t| t.kind == Kind::Learners)
            .map_or(0, |t| t.rows.len()),
        bytes.len() as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    if let Some(path) = &args.keep {
        std::fs::write(path, &bytes)?;
    }
    for commit in [false, true] {
        let t = std::time::Instant::now();
        let inputs = inputs(&bytes, "bench.xlsx", None, &[])?;
        let read = t.elapsed().as_secs_f64();
        let progress = Phases {
            bar: bar(),
            started: std::sync::Mutex::new(Vec::new()),
        };
        let report = import::run(app, &Caller::system(), inputs, commit, &progress)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        progress.bar.0.finish_and_clear();
        let total = t.elapsed().as_secs_f64();
        // When each kind's rows began (told every 200 rows; `done`: conflicts and the commit).
        eprintln!(
            "  phases: {}",
            progress.summary(t, std::time::Instant::now())
        );
        println!(
            "{}: {:.1}s (reading the workbook {:.1}s) — {} problem(s), {} conflict(s), created {:?}",
            if commit { "apply" } else { "dry run" },
            total,
            read,
            report.problems.len(),
            report.conflicts.len(),
            report.created
        );
        if let Some(p) = report.problems.first() {
            anyhow::bail!("the generated workbook has problems, e.g. {}", p.text());
        }
    }
    Ok(())
}
