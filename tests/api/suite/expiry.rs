//! Login tokens expire after `Accounts_LoginExpiration` days, answer 401 and are pruned.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use rand::{SeedableRng, rngs::StdRng};
use rocketlite::service::{AdminSeed, LoginName, Secret, Service, ServiceError};

const DAY: i64 = 24 * 60 * 60 * 1000;

fn service_at(clock: Arc<AtomicI64>, days: u32) -> Service {
    let service = Service::new(
        crate::common::test_store(),
        Arc::new(move || clock.load(Ordering::SeqCst)),
        Box::new(StdRng::seed_from_u64(7)),
    )
    .with_login_expiration_days(days);
    service.seed_permissions().unwrap();
    service
        .bootstrap_admin(&AdminSeed {
            username: "admin".into(),
            password: Some("pw".into()),
            email: None,
            name: "Admin".into(),
        })
        .unwrap();
    service
}

#[test]
fn a_token_works_until_its_lifetime_ends_then_answers_401_and_is_pruned() {
    let clock = Arc::new(AtomicI64::new(1_764_000_000_000));
    let service = service_at(Arc::clone(&clock), 90);
    let admin = LoginName::Username("admin".into());
    let (user, old) = service
        .login(&admin, &Secret::Plain("pw".into()), None)
        .unwrap();
    clock.fetch_add(89 * DAY, Ordering::SeqCst);
    let (_, newer) = service
        .login(&admin, &Secret::Plain("pw".into()), None)
        .unwrap();
    clock.fetch_add(DAY - 1, Ordering::SeqCst);
    assert!(
        service.authenticate(&user.id, old.clone()).is_ok(),
        "valid for 90 days"
    );
    clock.fetch_add(1, Ordering::SeqCst);
    assert!(
        matches!(
            service.authenticate(&user.id, old.clone()),
            Err(ServiceError::Unauthorized)
        ),
        "expired after 90 days"
    );
    assert!(service.authenticate(&user.id, newer.clone()).is_ok());

    let has_row = |hash: &str| {
        service
            .store()
            .dump()
            .unwrap()
            .iter()
            .any(|r| r.contains(hash))
    };
    assert!(has_row(&old.hash().0), "still stored before the sweep");
    assert_eq!(service.prune_expired_tokens(1000).unwrap(), 1);
    assert!(
        !has_row(&old.hash().0),
        "an expired token leaves no row behind"
    );
    assert!(has_row(&newer.hash().0));
    assert_eq!(service.prune_expired_tokens(1000).unwrap(), 0);
}

#[test]
fn the_lifetime_is_configurable() {
    let clock = Arc::new(AtomicI64::new(1_764_000_000_000));
    let service = service_at(Arc::clone(&clock), 1);
    let (user, token) = service
        .login(
            &LoginName::Username("admin".into()),
            &Secret::Plain("pw".into()),
            None,
        )
        .unwrap();
    clock.fetch_add(DAY, Ordering::SeqCst);
    assert!(service.authenticate(&user.id, token).is_err());
}
