//! The `rocketlite` binary: parse the command line and hand over to the library.

use clap::Parser;

// glibc's per-thread arenas grow in small mprotect steps and fragment under many blocking
// threads; profiles of the write path showed a quarter of the writer's time in that growth.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use rocketlite::cli::{Cli, Command, LogFormat, serve, shutdown_signal};

/// How long, after the server stopped serving, threads still waiting on the database may
/// hold the process: a stop ends in bounded time whatever the database does.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

fn main() -> std::process::ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("rocketlite: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(run());
    // Dropping the runtime would wait for every blocking thread, one of them perhaps stuck
    // on a database that stopped answering.
    runtime.shutdown_timeout(SHUTDOWN_GRACE);
    code
}

async fn run() -> std::process::ExitCode {
    let cli = Cli::parse();
    // Logs go to stderr, coloured only on a terminal; stdout carries only what a command
    // prints on purpose (the spec, the one-time admin password).
    use std::io::IsTerminal;
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Json => logs.json().init(),
        LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).init(),
    }
    no_transparent_huge_pages();
    let config = match cli.command {
        Some(Command::Openapi) => {
            print!("{}", rocketlite::api::spec_json());
            return std::process::ExitCode::SUCCESS;
        }
        Some(Command::RestorePermissions { data_dir }) => {
            return report(rocketlite::cli::restore_permissions(&data_dir));
        }
        Some(Command::Backup { data_dir, to }) => {
            return report(rocketlite::cli::backup(&data_dir, &to));
        }
        Some(Command::ResetPassword {
            username,
            data_dir,
            database,
        }) => {
            return report(rocketlite::cli::reset_password(
                &username,
                &data_dir,
                database.as_deref(),
            ));
        }
        Some(Command::Healthcheck { url }) => {
            return report(rocketlite::cli::healthcheck(&url));
        }
        Some(Command::Copy { from, to }) => {
            return report(rocketlite::cli::copy(&from, &to));
        }
        Some(Command::Serve(config)) => *config,
        None => cli.serve,
    };
    match serve(config, shutdown_signal(), |_| {}).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rocketlite: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The outcome of a one-shot command, for the operator: what it did, or why it failed.
fn report(outcome: Result<String, rocketlite::cli::StartError>) -> std::process::ExitCode {
    match outcome {
        Ok(done) => {
            println!("rocketlite: {done}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("rocketlite: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Turns transparent huge pages off for this process. mimalloc's arenas are eligible for them,
/// and the first touch of each 2 MiB page zeroes all of it: measured with
/// `cargo bench --bench load`, deactivating the owner of 10,000 rooms spent a third of its
/// time in that zeroing (620 ms with them, 415 ms without).
#[cfg(target_os = "linux")]
fn no_transparent_huge_pages() {
    if let Err(error) = rustix::thread::disable_transparent_huge_pages(true) {
        tracing::debug!(%error, "transparent huge pages stay on");
    }
}

#[cfg(not(target_os = "linux"))]
fn no_transparent_huge_pages() {}
