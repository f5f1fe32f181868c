//! The disk under the real redb file fails like a full one, then recovers: writes fail
//! cleanly meanwhile, nothing acknowledged is lost, and the server writes again by itself.

use std::sync::Arc;

use rocketlite::service::ServiceError;
use rocketlite::store::{DiskFaults, Store};

use crate::common::{ADMIN_PASSWORD, new_user, service_login, service_over};

/// A service on a real file whose disk can be filled, a user written before, and the admin.
fn on_a_fillable_disk() -> (
    tempfile::TempDir,
    Arc<DiskFaults>,
    Arc<rocketlite::service::Service>,
    rocketlite::service::Caller,
) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rocketlite.redb");
    let faults = Arc::new(DiskFaults::default());
    let service = service_over(Store::open_with_faults(&path, Arc::clone(&faults)).unwrap());
    let admin = service_login(&service, "admin", ADMIN_PASSWORD);
    service.create_user(&admin, user("before")).unwrap();
    (dir, faults, service, admin)
}

fn user(name: &str) -> rocketlite::service::NewUser {
    new_user(name, &["user"])
}

#[test]
fn after_a_full_disk_is_freed_writes_succeed_again_without_a_restart() {
    let (dir, faults, service, admin) = on_a_fillable_disk();
    let path = dir.path().join("rocketlite.redb");

    faults.fill();
    for i in 0..3 {
        let result = service.create_user(&admin, user(&format!("during{i}")));
        assert!(
            matches!(result, Err(ServiceError::Store(_))),
            "a write on a full disk fails as a storage error: {result:?}"
        );
    }
    faults.free();
    // The very next write reopens the database and succeeds: no restart, no failed retry.
    service
        .create_user(&admin, user("after"))
        .expect("the first write after space is back succeeds");
    // Acknowledged writes are all there and nothing from the full-disk period is; the
    // admin's session still works after the reopen.
    let names: Vec<String> = service
        .list_users(&admin, &Default::default())
        .unwrap()
        .0
        .into_iter()
        .map(|u| u.username)
        .collect();
    assert!(names.contains(&"before".into()) && names.contains(&"after".into()));
    assert!(!names.iter().any(|n| n.starts_with("during")), "{names:?}");
    let dump = service.store().dump().unwrap();
    drop(service);
    let reopened = Store::open(&path).unwrap();
    assert_eq!(
        reopened.dump().unwrap(),
        dump,
        "the file holds what was acknowledged"
    );
}

#[test]
fn the_database_file_is_private_to_its_owner() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rocketlite.redb");
    std::fs::write(&path, b"").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::remove_file(&path).unwrap();
    let _store = Store::open(&path).unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "mode {mode:o}");
}

#[test]
fn after_space_is_back_reads_alone_bring_the_database_back() {
    let (_dir, faults, service, admin) = on_a_fillable_disk();
    faults.fill();
    // The first failed write marks the database; the second tries to reopen it, which fails
    // while the disk is full and leaves no database at all.
    assert!(service.create_user(&admin, user("during1")).is_err());
    assert!(service.create_user(&admin, user("during2")).is_err());
    let during: Vec<bool> = (0..5)
        .map(|_| service.list_users(&admin, &Default::default()).is_ok())
        .collect();
    eprintln!("reads while the disk is full: {during:?}");
    assert!(
        during.iter().all(|ok| !ok),
        "no database, yet reads answered"
    );
    faults.free();
    // No write comes; reads ask the writer to reopen, and within a moment they all succeed.
    let start = std::time::Instant::now();
    let mut recovered = false;
    while start.elapsed() < std::time::Duration::from_secs(5) {
        if service.list_users(&admin, &Default::default()).is_ok() && service.store().dump().is_ok()
        {
            recovered = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    eprintln!("reads recovered after {:?}", start.elapsed());
    assert!(recovered, "reads never recovered without a write");
    service.create_user(&admin, user("after")).unwrap();
}
