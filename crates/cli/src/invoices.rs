//! `trainyard invoices issue --month 2027-01`: one consolidated invoice per client for the
//! month's delivered sessions, issued and numbered, with a progress bar. The same run the
//! Invoices page starts in the background.

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use trainyard_app::{App, Caller, invoice_runs};

#[derive(clap::Subcommand)]
pub enum InvoicesCommand {
    /// Issue the month's invoices: every client with delivered, not yet invoiced enrollments in
    /// sessions that ended in the month gets one invoice. Safe to rerun: billed enrollments are
    /// skipped.
    Issue {
        /// The month to bill, YYYY-MM.
        #[arg(long)]
        month: String,
        /// The time zone the month's days are counted in.
        #[arg(long, default_value = "UTC")]
        time_zone: String,
    },
}

pub async fn run(app: App, command: InvoicesCommand) -> anyhow::Result<()> {
    match command {
        InvoicesCommand::Issue { month, time_zone } => issue(app, &month, &time_zone).await,
    }
}

async fn issue(app: App, month: &str, time_zone: &str) -> anyhow::Result<()> {
    let mut caller = Caller::system();
    caller.time_zone = time_zone.to_owned();
    let started = std::time::Instant::now();
    let run = invoice_runs::start(&app, &caller, month)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "Invoice run #{} for {}: {} client(s) to bill.",
        run.id, run.month, run.clients_total
    );
    let bar = ProgressBar::new(run.clients_total.max(0) as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} clients · {msg} · {elapsed}")
            .context("progress bar template")?,
    );
    let done = invoice_runs::wait(&app, &caller, run.id, |r| {
        bar.set_position(r.clients_done.max(0) as u64);
        bar.set_message(format!("{} issued, {} refused", r.issued, r.refused));
    })
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    bar.finish_and_clear();
    println!(
        "{}: {} invoice(s) issued, {} client(s) refused, in {:.1} s.",
        done.status,
        done.issued,
        done.refused,
        started.elapsed().as_secs_f64()
    );
    if let Some(m) = &done.message {
        println!("{m}");
    }
    if done.status != "done" {
        anyhow::bail!("the run did not finish");
    }
    Ok(())
}
