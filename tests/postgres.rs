//! The PostgreSQL engine on a throwaway server (`rocketlite_testkit::pg_server`): conflicting
//! writes are re-run or refused whole, the schema refuses a newer version, and a database
//! that cannot be reached is named without its password. Skipped, loudly, without
//! PostgreSQL's binaries; `.ci/run` installs them.

// Test code states its expectations with `unwrap` (denied in the server's code).
#![allow(clippy::unwrap_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};

use rand::SeedableRng;
use rocketlite::model::{ScimToken, UserId};
use rocketlite::store::{Store, StoreError};
use rocketlite_testkit::pg_server;

fn token(id: &str) -> ScimToken {
    ScimToken {
        id: id.into(),
        name: id.into(),
        secret_sha256: String::new(),
        created_at: 0,
        created_by: UserId("u".into()),
    }
}

/// Two writes in write skew: each reads both tokens and, seeing both, removes its own. Run
/// serially, one removal sees the other's and keeps its token; SERIALIZABLE must get the
/// same. Both writes read before either writes (a barrier on their first attempt).
fn race_write_skew(store: Arc<Store>) -> (Vec<Result<(), StoreError>>, usize) {
    store
        .write(|tx| {
            tx.put_scim_token(&token("a"))?;
            tx.put_scim_token(&token("b"))
        })
        .unwrap();
    let barrier = Arc::new(Barrier::new(2));
    let attempts = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = ["a", "b"]
        .into_iter()
        .map(|mine| {
            let (store, barrier, attempts) = (store.clone(), barrier.clone(), attempts.clone());
            std::thread::spawn(move || {
                let first = AtomicUsize::new(0);
                store.write(move |tx| {
                    attempts.fetch_add(1, Ordering::SeqCst);
                    let both = tx.scim_token("a")?.is_some() && tx.scim_token("b")?.is_some();
                    if first.fetch_add(1, Ordering::SeqCst) == 0 {
                        barrier.wait();
                    }
                    if both {
                        tx.remove_scim_token(mine)?;
                    }
                    Ok::<(), StoreError>(())
                })
            })
        })
        .collect();
    let results = handles.into_iter().map(|h| h.join().unwrap()).collect();
    (results, attempts.load(Ordering::SeqCst))
}

fn tokens_left(store: &Store) -> usize {
    store.read(|tx| tx.scim_tokens()).unwrap().len()
}

#[test]
fn a_conflicting_write_is_rerun_and_the_outcome_is_serial() {
    let Some(server) = pg_server::server() else {
        return;
    };
    let store = Arc::new(Store::open_postgres(&server.fresh("skew_retry"), 4).unwrap());
    let (results, attempts) = race_write_skew(store.clone());
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert!(
        attempts >= 3,
        "one write must have been re-run: {attempts} attempts"
    );
    assert_eq!(tokens_left(&store), 1, "as if one ran after the other");
}

#[test]
fn a_write_out_of_retries_fails_clearly_and_writes_nothing() {
    let Some(server) = pg_server::server() else {
        return;
    };
    let url = server.fresh("skew_refused");
    let store = Arc::new(Store::open_postgres(&url, 4).unwrap().with_write_retries(0));
    let (results, attempts) = race_write_skew(store.clone());
    assert_eq!(attempts, 2);
    let refused: Vec<_> = results.iter().filter(|r| r.is_err()).collect();
    assert_eq!(refused.len(), 1, "{results:?}");
    assert!(
        matches!(refused[0], Err(StoreError::Conflict)),
        "{results:?}"
    );
    // The refused write removed nothing: only the other's removal happened.
    assert_eq!(tokens_left(&store), 1);
}

/// A write that reads every row loses to narrow writes under SERIALIZABLE again and again;
/// after three conflicts it runs alone and cannot lose any more. 20 such writes under four
/// threads of narrow writes: all succeed, none after more than four attempts.
#[test]
fn a_wide_write_under_constant_narrow_writes_runs_alone_and_succeeds() {
    use std::sync::atomic::AtomicBool;
    let Some(server) = pg_server::server() else {
        return;
    };
    let store = Arc::new(Store::open_postgres(&server.fresh("wide_write"), 8).unwrap());
    let stop = Arc::new(AtomicBool::new(false));
    let narrow: Vec<_> = (0..4)
        .map(|i| {
            let (store, stop) = (store.clone(), stop.clone());
            std::thread::spawn(move || {
                let mine = format!("narrow{i}");
                let mut writes = 0;
                while !stop.load(Ordering::Relaxed) {
                    let mine = mine.clone();
                    store
                        .write(move |tx| {
                            // Reads what the wide write writes, and writes what it reads.
                            tx.scim_token("wide")?;
                            let count = tx.scim_token(&mine)?.map_or(0, |t| t.created_at);
                            let mut token = token(&mine);
                            token.created_at = count + 1;
                            tx.put_scim_token(&token)
                        })
                        .unwrap();
                    writes += 1;
                }
                writes
            })
        })
        .collect();
    let mut most_attempts = 0;
    for round in 0..20 {
        let attempts = Arc::new(AtomicUsize::new(0));
        let counted = attempts.clone();
        store
            .write(move |tx| {
                counted.fetch_add(1, Ordering::SeqCst);
                let seen = tx.scim_tokens()?.len() as i64;
                // Long enough for narrow writes to commit in between.
                std::thread::sleep(std::time::Duration::from_millis(5));
                let mut wide = token("wide");
                wide.created_at = seen + round;
                tx.put_scim_token(&wide)
            })
            .unwrap();
        most_attempts = most_attempts.max(attempts.load(Ordering::SeqCst));
    }
    stop.store(true, Ordering::Relaxed);
    let narrow_writes: usize = narrow.into_iter().map(|h| h.join().unwrap()).sum();
    eprintln!(
        "wide writes: at most {most_attempts} attempts, beside {narrow_writes} narrow writes"
    );
    assert!(most_attempts <= 4, "{most_attempts} attempts");
    assert!(narrow_writes > 0);
}

/// Several nodes may start at once on an empty database: each checks for an admin, hashes
/// the password, then writes. The one that writes second must take the first one's admin
/// as the bootstrap, not refuse to start because the name is taken.
#[test]
fn two_nodes_bootstrapping_one_empty_database_at_once_both_start_with_one_admin() {
    use rocketlite::service::{AdminSeed, BootstrapOutcome, Service, system_clock};
    let Some(server) = pg_server::server() else {
        return;
    };
    let url = server.fresh("bootstrap_race");
    let barrier = Arc::new(Barrier::new(2));
    let nodes: Vec<_> = (0..2)
        .map(|seed| {
            let (url, barrier) = (url.clone(), barrier.clone());
            std::thread::spawn(move || {
                let store = Store::open_postgres(&url, 2).unwrap();
                let rng = rand::rngs::StdRng::seed_from_u64(seed);
                let service = Service::new(store, system_clock(), Box::new(rng));
                service.seed_permissions().unwrap();
                barrier.wait();
                service.bootstrap_admin(&AdminSeed {
                    username: "admin".into(),
                    password: Some("bootstrap-pass".into()),
                    email: None,
                    name: "Admin".into(),
                })
            })
        })
        .collect();
    let outcomes: Vec<_> = nodes.into_iter().map(|n| n.join().unwrap()).collect();
    let created = outcomes
        .iter()
        .filter(|o| matches!(o, Ok(BootstrapOutcome::Created { .. })))
        .count();
    let existing = outcomes
        .iter()
        .filter(|o| matches!(o, Ok(BootstrapOutcome::Existing)))
        .count();
    assert_eq!((created, existing), (1, 1), "{outcomes:?}");
    let store = Store::open_postgres(&url, 1).unwrap();
    let admins = store
        .read(|tx| tx.user_ids_with_role(rocketlite::model::Role::Admin))
        .unwrap();
    assert_eq!(admins.len(), 1);
}

#[test]
fn a_newer_schema_is_refused_and_an_unreachable_server_is_named_without_password() {
    let Some(server) = pg_server::server() else {
        return;
    };
    let url = server.fresh("schema_newer");
    drop(Store::open_postgres(&url, 1).unwrap());
    let bump = url.clone();
    let recorded: i64 = std::thread::spawn(move || {
        let mut client = postgres::Client::connect(&bump, postgres::NoTls).unwrap();
        let version = client
            .query_one("SELECT value FROM meta WHERE name = 'schema_version'", &[])
            .unwrap()
            .get(0);
        client
            .execute(
                "UPDATE meta SET value = value + 1 WHERE name = 'schema_version'",
                &[],
            )
            .unwrap();
        version
    })
    .join()
    .unwrap();
    assert_eq!(recorded, 6);
    assert!(matches!(
        Store::open_postgres(&url, 1),
        Err(StoreError::TooNew(_))
    ));
    // A database of an earlier build (schema 3, without `user_preferences`,
    // `scim_user_names` and `user_custom_fields`) is brought along.
    let downgrade = url.clone();
    std::thread::spawn(move || {
        let mut client = postgres::Client::connect(&downgrade, postgres::NoTls).unwrap();
        client
            .batch_execute(
                "UPDATE meta SET value = 3 WHERE name = 'schema_version';
                 DROP TABLE user_preferences; DROP TABLE scim_user_names;
                 DROP TABLE user_custom_fields;",
            )
            .unwrap();
    })
    .join()
    .unwrap();
    let store = Store::open_postgres(&url, 1).unwrap();
    let someone = UserId("someone".into());
    let who = someone.clone();
    store
        .write(move |tx| tx.put_preferences(&who, &serde_json::json!({"hideRoles": true})))
        .unwrap();
    let saved = store.read(|tx| tx.preferences(&someone)).unwrap();
    assert_eq!(saved, Some(serde_json::json!({"hideRoles": true})));
    let who = someone.clone();
    store
        .write(move |tx| tx.put_scim_user_name(&who, Some("Some.One@example.org")))
        .unwrap();
    let found = store
        .read(|tx| tx.user_id_by_scim_user_name("some.one@EXAMPLE.org"))
        .unwrap();
    assert_eq!(found, Some(someone.clone()));
    let who = someone.clone();
    store
        .write(move |tx| tx.put_custom_fields(&who, &serde_json::json!({"team": "red"})))
        .unwrap();
    let held = store.read(|tx| tx.custom_fields(&someone)).unwrap();
    assert_eq!(held, Some(serde_json::json!({"team": "red"})));
    drop(store);

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let started = std::time::Instant::now();
    let err = Store::open_postgres(&format!("postgres://rl:hunter2@127.0.0.1:{port}/x"), 1)
        .err()
        .expect("nothing listens there");
    let message = err.to_string();
    assert!(
        message.contains(&format!("postgres://rl@127.0.0.1:{port}/x")),
        "{message}"
    );
    assert!(!message.contains("hunter2"), "{message}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "fails fast"
    );
}

/// Runs the real binary's `copy`; its exit status, stdout and stderr.
fn copy_command(from: &str, to: &str) -> (bool, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rocketlite"))
        .args(["copy", "--from", from, "--to", to])
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A data directory holding users, rooms, handovers, a deletion, audit entries, a SCIM
/// token and live sessions, made through the service by the model's operations; returns
/// a session token of the admin, minted last.
fn populated_data_dir(dir: &std::path::Path) -> (UserId, rocketlite::model::LoginToken) {
    use rocketlite::service::{LoginName, Secret, Service, system_clock};
    use rocketlite_testkit::harness::Harness;
    use rocketlite_testkit::model::{Op, Outcome, password, username};
    std::fs::create_dir_all(dir).unwrap();
    let mut harness = Harness::new(Some(dir.join("rocketlite.redb")));
    for op in [
        Op::CreateRoom {
            caller: 0,
            private: true,
            members: vec![2, 3],
        },
        Op::AddOwner {
            caller: 0,
            room: 1,
            target: 2,
        },
        Op::SetActive {
            caller: 1,
            target: 0,
            active: false,
            confirm: true,
        },
        Op::SetActive {
            caller: 1,
            target: 0,
            active: true,
            confirm: false,
        },
        Op::DeleteUser {
            caller: 1,
            target: 3,
            confirm: true,
        },
        Op::ScimCreate,
    ] {
        assert_eq!(harness.apply(&op), Outcome::Ok, "{op:?}");
    }
    drop(harness);
    let store = Store::open(&dir.join("rocketlite.redb")).unwrap();
    let service = Service::new(
        store,
        system_clock(),
        Box::new(rand::rngs::StdRng::seed_from_u64(7)),
    );
    let (admin, token) = service
        .login(
            &LoginName::Username(username(0)),
            &Secret::Plain(password(0)),
            None,
        )
        .unwrap();
    // A SCIM userName kept apart from the username travels too.
    let caller = service.authenticate(&admin.id, token.clone()).unwrap();
    let secret = service.create_scim_token(&caller, "Okta").unwrap().secret;
    let client = service.scim_authenticate(&secret).unwrap();
    let new = rocketlite::service::ScimNewUser {
        user_name: "Kim.Lee@example.org".into(),
        display_name: "Kim Lee".into(),
        emails: Vec::new(),
        active: true,
        external_id: None,
        password: None,
    };
    service.scim_create_user(&client, new).unwrap();
    // So do custom fields, kept apart from the compact user record.
    let definition = serde_json::json!(r#"{"team": {"type": "text"}}"#);
    service
        .set_setting(&caller, "Accounts_CustomFields", &definition)
        .unwrap();
    let fields = serde_json::json!({"team": "red"});
    let changes = rocketlite::service::UserChanges {
        custom_fields: fields.as_object().cloned(),
        ..Default::default()
    };
    let me = rocketlite::service::UserRef::Id(admin.id.clone());
    service
        .update_user(&caller, &me, changes, false, None)
        .unwrap();
    (admin.id, token)
}

#[test]
fn copy_moves_a_data_dir_to_postgres_and_back_and_refuses_a_target_with_data() {
    use rocketlite::service::{Service, system_clock};
    let Some(server) = pg_server::server() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("source");
    let (admin, token) = populated_data_dir(&source);
    let source = source.to_str().unwrap();
    let url = server.fresh("copy_cli");

    let (ok, stdout, stderr) = copy_command(source, &url);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("the target reads back identical"),
        "{stdout}"
    );
    assert!(
        stdout.contains("5 users")
            && stdout.contains("1 deleted users")
            && stdout.contains("1 SCIM userNames")
            && stdout.contains("1 custom fields"),
        "{stdout}"
    );
    let original = Store::open(&dir.path().join("source/rocketlite.redb")).unwrap();
    let on_postgres = Store::open_postgres(&url, 1).unwrap();
    assert_eq!(
        on_postgres.snapshot().unwrap(),
        original.snapshot().unwrap()
    );
    drop(original);

    // A session minted on the file is a session on PostgreSQL.
    let service = Service::new(
        on_postgres,
        system_clock(),
        Box::new(rand::rngs::StdRng::seed_from_u64(7)),
    );
    let caller = service.authenticate(&admin, token).unwrap();
    assert_eq!(caller.user.id, admin);
    let on_postgres = service.into_store();

    // A second copy into the same database is refused and changes nothing in it.
    let before = on_postgres.dump().unwrap();
    let (ok, _, stderr) = copy_command(source, &url);
    assert!(!ok);
    assert!(stderr.contains("already holds data"), "{stderr}");
    assert_eq!(on_postgres.dump().unwrap(), before);

    // And back: a new directory gets the very rows the first file held.
    let back = dir.path().join("back");
    let (ok, _, stderr) = copy_command(&url, back.to_str().unwrap());
    assert!(ok, "{stderr}");
    let original = Store::open(&dir.path().join("source/rocketlite.redb")).unwrap();
    let round_trip = Store::open(&back.join("rocketlite.redb")).unwrap();
    assert_eq!(round_trip.dump().unwrap(), original.dump().unwrap());
    drop((original, round_trip));

    // Into a directory that holds data: refused, the file unchanged.
    let (ok, _, stderr) = copy_command(&url, source);
    assert!(!ok);
    assert!(stderr.contains("already holds data"), "{stderr}");
    let original = Store::open(&dir.path().join("source/rocketlite.redb")).unwrap();
    assert_eq!(
        original.snapshot().unwrap(),
        on_postgres.snapshot().unwrap()
    );

    // A source without a database is named, not created.
    let missing = dir.path().join("missing");
    let (ok, _, stderr) = copy_command(missing.to_str().unwrap(), &server.fresh("copy_none"));
    assert!(!ok);
    assert!(stderr.contains("holds no rocketlite database"), "{stderr}");
    assert!(!missing.exists());
}

/// Each node keeps the permissions table at hand while its version (a new random one per
/// change, read with every authenticated request) stays the same. A change made on another
/// node, by hand in SQL, or earlier in the same transaction is what the next request (or
/// statement) reads.
#[test]
fn a_permission_changed_elsewhere_is_what_the_next_authenticated_request_reads() {
    use rocketlite::model::{PermissionRecord, TokenHash};
    use rocketlite::service::{AdminSeed, LoginName, Secret, Service, system_clock};
    let Some(server) = pg_server::server() else {
        return;
    };
    let url = server.fresh("permission_copy");
    let node = |seed| {
        let store = Store::open_postgres(&url, 2).unwrap();
        let rng = rand::rngs::StdRng::seed_from_u64(seed);
        Service::new(store, system_clock(), Box::new(rng))
    };
    let (a, b) = (node(1), node(2));
    a.seed_permissions().unwrap();
    a.bootstrap_admin(&AdminSeed {
        username: "admin".into(),
        password: Some("copy-pass-1".into()),
        email: None,
        name: "Admin".into(),
    })
    .unwrap();
    let (_, token) = a
        .login(
            &LoginName::Username("admin".into()),
            &Secret::Plain("copy-pass-1".into()),
            None,
        )
        .unwrap();
    let hash: TokenHash = token.hash();
    let grant = |roles: &[&str]| PermissionRecord {
        roles: roles.iter().map(|r| r.to_string()).collect(),
        updated_at: 1,
    };
    // As a request on a node reads it: the token (with the version), then the permission.
    let read_on = |node: &Service| {
        node.store()
            .read(|tx| {
                tx.token_user(&hash)?;
                tx.permission("view-d-room")
            })
            .unwrap()
            .map(|p| p.roles)
    };
    let first = read_on(&a).unwrap();
    assert_eq!(read_on(&a).unwrap(), first, "read again from A's copy");

    b.store()
        .write(move |tx| tx.put_permission("view-d-room", &grant(&["bot"])))
        .unwrap();
    assert_eq!(read_on(&a), Some(vec!["bot".to_string()]), "B's change");

    server.execute_on(
        "permission_copy",
        r#"UPDATE permissions SET roles = '{"roles": ["guest"], "updated_at": 2}' WHERE id = 'view-d-room'"#,
    );
    assert_eq!(
        read_on(&a),
        Some(vec!["guest".to_string()]),
        "a change by hand"
    );

    // A write reads the version in its own transaction, and its own change after it.
    let in_write = {
        let hash = hash.clone();
        a.store()
            .write(move |tx| {
                tx.token_user(&hash)?;
                let before = tx.permission("view-d-room")?.map(|p| p.roles);
                tx.put_permission("view-d-room", &grant(&["admin"]))?;
                let after = tx.permission("view-d-room")?.map(|p| p.roles);
                Ok::<_, StoreError>((before, after))
            })
            .unwrap()
    };
    assert_eq!(
        in_write,
        (
            Some(vec!["guest".to_string()]),
            Some(vec!["admin".to_string()])
        )
    );
    assert_eq!(
        read_on(&b),
        Some(vec!["admin".to_string()]),
        "A's change, on B"
    );
    assert_eq!(read_on(&a), Some(vec!["admin".to_string()]));

    // A database from before the trigger gets it when a node starts on it.
    server.execute_on(
        "permission_copy",
        "DROP TRIGGER permissions_version ON permissions",
    );
    let c = node(3);
    server.execute_on(
        "permission_copy",
        r#"UPDATE permissions SET roles = '{"roles": ["user"], "updated_at": 3}' WHERE id = 'view-d-room'"#,
    );
    assert_eq!(
        read_on(&a),
        Some(vec!["user".to_string()]),
        "after the restart"
    );
    assert_eq!(read_on(&c), Some(vec!["user".to_string()]));
}
