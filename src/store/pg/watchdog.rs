//! The commit deadline: PostgreSQL lifts `statement_timeout` for a commit, so one thread
//! cancels any commit still waiting when its deadline passes.

use super::*;

/// Cancels a commit still waiting at the deadline. PostgreSQL lifts `statement_timeout`
/// before it commits, so a commit that waits for a synchronous standby that went away would
/// wait forever; cancelled, it ends with a warning and counts as done on the primary alone.
/// One thread watches every commit's deadline, so a commit costs a message, not a thread.
pub(super) struct CommitWatchdog {
    /// `PENDING` until the commit returns (`DONE`) or the deadline passes (`FIRED`); the
    /// first to change it wins.
    state: Arc<AtomicU8>,
}

const PENDING: u8 = 0;
const DONE: u8 = 1;
const FIRED: u8 = 2;

/// A commit the watchdog thread waits on.
struct Armed {
    at: std::time::Instant,
    token: postgres::CancelToken,
    state: Arc<AtomicU8>,
}

/// The watchdog thread's inbox; `None` if the thread could not start (commits then wait
/// without a deadline, as before one existed).
fn watchdog() -> Option<&'static std::sync::mpsc::Sender<Armed>> {
    static INBOX: std::sync::OnceLock<Option<std::sync::mpsc::Sender<Armed>>> =
        std::sync::OnceLock::new();
    INBOX
        .get_or_init(|| {
            let (inbox, arms) = std::sync::mpsc::channel::<Armed>();
            std::thread::Builder::new()
                .name("pg-commit-deadline".into())
                .spawn(move || watch(&arms))
                .ok()
                .map(|_| inbox)
        })
        .as_ref()
}

/// Waits for the nearest deadline or a new commit; at a deadline, a commit still pending is
/// marked fired and cancelled (on a thread of its own: a cancel opens a connection, and the
/// other deadlines must not wait for it).
fn watch(arms: &std::sync::mpsc::Receiver<Armed>) {
    use std::sync::mpsc::RecvTimeoutError;
    let mut pending: Vec<Armed> = Vec::new();
    loop {
        let next = pending.iter().map(|a| a.at).min();
        let received = match next {
            None => arms.recv().map_err(|_| RecvTimeoutError::Disconnected),
            Some(at) => arms.recv_timeout(at.saturating_duration_since(std::time::Instant::now())),
        };
        match received {
            Ok(armed) => pending.push(armed),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        let now = std::time::Instant::now();
        pending.retain(|a| {
            if a.state.load(Ordering::Acquire) != PENDING {
                return false;
            }
            if a.at > now {
                return true;
            }
            if a.state
                .compare_exchange(PENDING, FIRED, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                let token = a.token.clone();
                let _ = std::thread::Builder::new()
                    .name("pg-commit-cancel".into())
                    .spawn(move || token.cancel_query(NoTls));
            }
            false
        });
    }
}

impl CommitWatchdog {
    pub(super) fn arm(token: postgres::CancelToken, deadline: Duration) -> Self {
        let state = Arc::new(AtomicU8::new(PENDING));
        if let Some(inbox) = watchdog() {
            let _ = inbox.send(Armed {
                at: std::time::Instant::now() + deadline,
                token,
                state: Arc::clone(&state),
            });
        }
        CommitWatchdog { state }
    }

    /// Disarms it; whether it had cancelled the commit.
    pub(super) fn fired(self) -> bool {
        self.state
            .compare_exchange(PENDING, DONE, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
    }
}
