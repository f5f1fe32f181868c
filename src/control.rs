//! The running server's control socket, `control.sock` in its data directory (redb only):
//! how `rocketlite backup` reaches a server that holds the database file. The socket is
//! readable by the owner only, inside the owner-only data directory, so only the operator
//! (and root) can ask. One request per connection, one line: `backup <target file>`; the
//! answer is progress lines, then `ok` or `error <why>`.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::service::Service;

/// The socket's name inside the data directory.
pub const SOCKET: &str = "control.sock";

/// Serves the control socket in `data_dir` until `shutdown` completes; the socket is gone
/// afterwards.
pub async fn serve(
    data_dir: PathBuf,
    service: Arc<Service>,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let path = data_dir.join(SOCKET);
    // A socket left by a server that was killed: this process holds the database now.
    let _ = std::fs::remove_file(&path);
    let listener = tokio::net::UnixListener::bind(&path)?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let Ok(stream) = stream.into_std() else { continue };
                let service = Arc::clone(&service);
                tokio::task::spawn_blocking(move || answer(stream, &service));
            }
        }
    }
    let _ = std::fs::remove_file(&path);
    Ok(())
}

/// Reads one request and answers it.
fn answer(stream: UnixStream, service: &Service) {
    let _ = stream.set_nonblocking(false);
    let mut reader = BufReader::new(&stream);
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let mut out = &stream;
    let outcome = match line.trim_end().split_once(' ') {
        Some(("backup", target)) => {
            tracing::info!(target, "backup asked for on the control socket");
            let mut progress = progress_to(&mut out);
            service
                .store()
                .backup_to(Path::new(target), &mut progress)
                .map_err(|e| e.to_string())
        }
        _ => Err(format!("unknown request {:?}", line.trim_end())),
    };
    let _ = match outcome {
        Ok(()) => writeln!(out, "ok"),
        Err(why) => writeln!(out, "error {why}"),
    };
}

/// A progress callback that writes `progress <table> <rows>` lines to `out`.
pub fn progress_to(out: &mut impl Write) -> impl FnMut(&str, u64) + '_ {
    move |table, rows| {
        let _ = writeln!(out, "progress {table} {rows}");
    }
}

/// `rocketlite backup`'s side: asks the server running on `data_dir` to back up into
/// `target`, passing its progress lines to `progress`.
pub fn request_backup(
    data_dir: &Path,
    target: &Path,
    progress: &mut dyn FnMut(&str, u64),
) -> Result<(), String> {
    let socket = data_dir.join(SOCKET);
    let stream = UnixStream::connect(&socket).map_err(|e| {
        format!(
            "the database is in use, and the process using it does not answer on {}: {e}",
            socket.display()
        )
    })?;
    writeln!(&stream, "backup {}", target.display()).map_err(|e| e.to_string())?;
    for line in BufReader::new(&stream).lines() {
        let line = line.map_err(|e| e.to_string())?;
        match line.split_once(' ') {
            Some(("progress", rest)) => {
                if let Some((table, rows)) = rest.rsplit_once(' ') {
                    progress(table, rows.parse().unwrap_or(0));
                }
            }
            Some(("error", why)) => return Err(why.to_string()),
            _ if line == "ok" => return Ok(()),
            _ => {}
        }
    }
    Err("the server closed the control socket before answering".into())
}

/// The backup's file inside the target directory.
pub fn target_file(target_dir: &Path) -> PathBuf {
    target_dir.join(crate::store::DB_FILE)
}
