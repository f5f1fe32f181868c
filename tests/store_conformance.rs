//! The storage seam's conformance suite: every method of `Reads` and `Writes` run on redb and
//! on PostgreSQL over the same states, their answers compared. The model tests hold the
//! service to the reference model on each engine; this holds the engines to each other
//! method by method, so that a set-based override (PostgreSQL's) cannot drift from the
//! row-by-row default body (redb's), and a new engine is complete when it passes here.
//!
//! Where a method's contract leaves an order open, the answer is sorted before comparing.

// Test code states its expectations with `unwrap` (denied in the server's code).
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use rocketlite::model::{
    AuditEntry, Email, NotificationSettings, PersonalAccessToken, Role, RoomId, ScimToken,
    TokenHash, UserId,
};
use rocketlite::store::{Reads, StoreError, Writes};
use rocketlite_testkit::harness::{Backing, Harness};
use rocketlite_testkit::model::Op;
use rocketlite_testkit::pg_server;

/// The state both engines are brought to through the service: accounts of every kind,
/// logins and tokens, rooms with owners, bans, a handover, an idle sweep and a SCIM account.
fn script() -> Vec<Op> {
    use Op::*;
    let login = |user| Login {
        user,
        correct_password: true,
    };
    vec![
        CreateUser {
            caller: 0,
            admin: true,
        },
        CreateUser {
            caller: 0,
            admin: false,
        },
        CreateUser {
            caller: 0,
            admin: false,
        },
        CreateUser {
            caller: 0,
            admin: false,
        },
        Register,
        login(1),
        login(2),
        login(3),
        login(4),
        CreateRoom {
            caller: 2,
            private: false,
            members: vec![3, 4],
        },
        CreateRoom {
            caller: 3,
            private: true,
            members: vec![2, 5],
        },
        CreateRoom {
            caller: 4,
            private: false,
            members: vec![2, 3],
        },
        AddOwner {
            caller: 2,
            room: 1,
            target: 3,
        },
        Ban {
            caller: 0,
            room: 3,
            target: 2,
        },
        CreateToken {
            caller: 0,
            target: 3,
        },
        Advance { days: 30 },
        login(3),
        SetActive {
            caller: 0,
            target: 4,
            active: false,
            confirm: true,
        },
        ScimCreate,
        Advance { days: 5 },
        DeactivateIdle {
            caller: 0,
            days: 20,
        },
        Archive {
            caller: 0,
            room: 2,
            archived: true,
            via_rooms: false,
        },
    ]
}

/// Both engines at the end of [`script`], with the same ids (seeded randomness, one clock).
fn engines(name: &str) -> Option<[Harness; 2]> {
    let server = pg_server::server()?;
    let mut redb = Harness::on(Backing::Memory);
    let mut pg = Harness::on(Backing::Postgres(server.fresh(name)));
    for op in script() {
        assert_eq!(redb.apply(&op), pg.apply(&op), "{op:?}");
    }
    assert_eq!(redb.user_ids(), pg.user_ids());
    assert_eq!(redb.room_ids(), pg.room_ids());
    Some([redb, pg])
}

/// The ids the probes ask about: every user and room of the state, and one unknown of each.
#[derive(Clone)]
struct Ids {
    users: Vec<UserId>,
    rooms: Vec<RoomId>,
}

impl Ids {
    fn of(harness: &Harness) -> Ids {
        let mut users = harness.user_ids().to_vec();
        users.push(UserId("nobody".into()));
        let mut rooms = harness.room_ids().to_vec();
        rooms.push(RoomId("nowhere".into()));
        Ids { users, rooms }
    }
}

/// A row the script set up is not there: the step cannot run.
fn missing() -> StoreError {
    StoreError::Unsupported("the conformance state lacks a row it set up")
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

/// Every read method of the seam, over every user and room: one line per call.
fn probes(tx: &dyn Reads, ids: &Ids) -> Result<Vec<String>, StoreError> {
    let mut out = Vec::new();
    let mut say = |call: String, answer: String| out.push(format!("{call} = {answer}"));
    let (users, rooms) = (&ids.users, &ids.rooms);
    // Users.
    for user in users {
        let record = tx.user(user)?;
        say(format!("user({user:?})"), format!("{record:?}"));
        if let Some(record) = &record {
            say(
                format!("user_id_by_username({})", record.username),
                format!(
                    "{:?}",
                    tx.user_id_by_username(&record.username.to_uppercase())?
                ),
            );
            for email in &record.emails {
                say(
                    format!("user_id_by_email({})", email.address),
                    format!("{:?}", tx.user_id_by_email(&email.address)?),
                );
            }
        }
        let hashes = sorted(tx.token_hashes_of(user)?);
        say(format!("token_hashes_of({user:?})"), format!("{hashes:?}"));
        for hash in &hashes {
            let hash = TokenHash(hash.clone());
            say(
                format!("user_id_by_token({hash:?})"),
                format!("{:?}", tx.user_id_by_token(&hash)?),
            );
            say(
                format!("token_user({hash:?})"),
                format!("{:?}", tx.token_user(&hash)?),
            );
        }
        say(
            format!("was_deleted({user:?})"),
            format!("{:?}", tx.was_deleted(user)?),
        );
        say(
            format!("preferences({user:?})"),
            format!("{:?}", tx.preferences(user)?),
        );
        say(
            format!("custom_fields({user:?})"),
            format!("{:?}", tx.custom_fields(user)?),
        );
        let scim_name = tx.scim_user_name(user)?;
        say(
            format!("scim_user_name({user:?})"),
            format!("{scim_name:?}"),
        );
        if let Some(name) = scim_name {
            say(
                format!("user_id_by_scim_user_name({name})"),
                format!("{:?}", tx.user_id_by_scim_user_name(&name.to_uppercase())?),
            );
        }
        say(
            format!("personal_access_tokens({user:?})"),
            format!("{:?}", tx.personal_access_tokens(user)?),
        );
        say(
            format!("is_active({user:?})"),
            format!("{:?}", tx.is_active(user)?),
        );
        say(
            format!("room_ids_of({user:?})"),
            format!("{:?}", tx.room_ids_of(user)?),
        );
        say(
            format!("sole_owned_rooms({user:?})"),
            format!("{:?}", tx.sole_owned_rooms(user)?),
        );
    }
    say(
        "token_user(unknown)".into(),
        format!("{:?}", tx.token_user(&TokenHash("unknown".into()))?),
    );
    for base in ["user", "User", "nobody", "us.r"] {
        say(
            format!("count_numbered_usernames({base})"),
            format!("{:?}", tx.count_numbered_usernames(base)?),
        );
    }
    for role in [Role::Admin, Role::User, Role::Guest, Role::Bot] {
        say(
            format!("user_ids_with_role({role:?})"),
            format!("{:?}", sorted(tx.user_ids_with_role(role)?)),
        );
        say(
            format!("users_with_role({role:?})"),
            format!("{:?}", tx.users_with_role(role)?),
        );
        for cutoff in [0, 1_764_000_000_100, 1_767_000_000_000, i64::MAX] {
            say(
                format!("idle_users_with_role({role:?}, {cutoff})"),
                format!("{:?}", tx.idle_users_with_role(role, cutoff)?),
            );
        }
    }
    for (offset, count) in [(0, 100), (1, 2), (4, 10), (50, 5)] {
        say(
            format!("users_page({offset}, {count})"),
            format!("{:?}", tx.users_page(offset, count)?),
        );
    }
    say(
        "count_active_users".into(),
        format!("{:?}", tx.count_active_users()?),
    );
    say(
        "scim_user_names".into(),
        format!("{:?}", tx.scim_user_names()?),
    );
    say(
        "all_personal_access_tokens".into(),
        format!("{:?}", tx.all_personal_access_tokens()?),
    );
    // Rooms and memberships.
    for room in rooms {
        let record = tx.room(room)?;
        say(format!("room({room:?})"), format!("{record:?}"));
        if let Some(record) = &record {
            say(
                format!("room_id_by_name({})", record.name),
                format!("{:?}", tx.room_id_by_name(&record.name.to_uppercase())?),
            );
        }
        let members = tx.member_ids_in_join_order(room)?;
        say(
            format!("member_ids_in_join_order({room:?})"),
            format!("{members:?}"),
        );
        for skip in 0..=members.len() {
            let mut seen = 0;
            let first = tx.first_member_where(room, &mut |_| {
                seen += 1;
                Ok(seen > skip)
            })?;
            say(
                format!("first_member_where({room:?}, skip {skip})"),
                format!("{first:?}"),
            );
        }
        say(
            format!("owner_ids({room:?})"),
            format!("{:?}", sorted(tx.owner_ids(room)?)),
        );
        for user in users {
            say(
                format!("subscription({room:?}, {user:?})"),
                format!("{:?}", tx.subscription(room, user)?),
            );
            say(
                format!("is_owner({room:?}, {user:?})"),
                format!("{:?}", tx.is_owner(room, user)?),
            );
            say(
                format!("has_active_owner({room:?}, except {user:?})"),
                format!("{:?}", tx.has_active_owner(room, Some(user))?),
            );
            say(
                format!("banned_at({room:?}, {user:?})"),
                format!("{:?}", tx.banned_at(room, user)?),
            );
            say(
                format!("notifications({room:?}, {user:?})"),
                format!("{:?}", tx.notifications(room, user)?),
            );
        }
        say(
            format!("has_active_owner({room:?})"),
            format!("{:?}", tx.has_active_owner(room, None)?),
        );
        say(
            format!("bans_in({room:?})"),
            format!("{:?}", tx.bans_in(room)?),
        );
    }
    let pairs: Vec<(RoomId, UserId)> = rooms
        .iter()
        .flat_map(|r| users.iter().rev().map(move |u| (r.clone(), u.clone())))
        .collect();
    say(
        "subscriptions_of_pairs(all, users reversed)".into(),
        format!("{:?}", tx.subscriptions_of_pairs(&pairs)?),
    );
    let reversed: Vec<UserId> = users.iter().rev().cloned().collect();
    say(
        "subscriptions_of_users(reversed)".into(),
        format!("{:?}", tx.subscriptions_of_users(&reversed)?),
    );
    for end in 0..=users.len() {
        let set: BTreeSet<UserId> = tx
            .members_of_rooms_owned_among(&users[..end])?
            .into_iter()
            .collect();
        say(
            format!("members_of_rooms_owned_among(first {end})"),
            format!("{set:?}"),
        );
    }
    say(
        "default_room_ids".into(),
        format!("{:?}", tx.default_room_ids()?),
    );
    say("all_rooms".into(), format!("{:?}", tx.all_rooms()?));
    say(
        "default_channel_seeded".into(),
        format!("{:?}", tx.default_channel_seeded()?),
    );
    say("all_bans".into(), format!("{:?}", tx.all_bans()?));
    say(
        "all_notifications".into(),
        format!("{:?}", tx.all_notifications()?),
    );
    // Permissions, roles, the trail, SCIM tokens, settings.
    for id in [
        "view-room-administration",
        "edit-other-user-active-status",
        "nope",
    ] {
        say(
            format!("permission({id})"),
            format!("{:?}", tx.permission(id)?),
        );
    }
    say(
        "all_permissions".into(),
        format!("{:?}", tx.all_permissions()?),
    );
    for id in ["admin", "owner", "nope"] {
        say(format!("role({id})"), format!("{:?}", tx.role(id)?));
    }
    say("all_roles".into(), format!("{:?}", tx.all_roles()?));
    say("audit_entries".into(), format!("{:?}", tx.audit_entries()?));
    for (before, limit) in [(None, 3), (Some(5), 2), (Some(1), 10), (None, 0)] {
        say(
            format!("audit_newest({before:?}, {limit})"),
            format!("{:?}", tx.audit_newest(before, limit)?),
        );
    }
    let tokens = tx.scim_tokens()?;
    say("scim_tokens".into(), format!("{tokens:?}"));
    for token in tokens.iter().map(|t| t.id.as_str()).chain(["nope"]) {
        say(
            format!("scim_token({token})"),
            format!("{:?}", tx.scim_token(token)?),
        );
    }
    say(
        "stored_settings".into(),
        format!("{:?}", tx.stored_settings()?),
    );
    Ok(out)
}

/// Asserts both engines answer every probe alike and hold the same rows (the copy digests).
fn assert_agree(engines: &[Harness; 2], after: &str) {
    let ids = Ids::of(&engines[0]);
    let answers: Vec<Vec<String>> = engines
        .iter()
        .map(|h| h.store().read(|tx| probes(tx, &ids)).unwrap())
        .collect();
    assert!(answers[0].len() > 300, "{} probes", answers[0].len());
    if std::env::var_os("ROCKETLITE_CONFORMANCE_STATS").is_some() {
        eprintln!("{} probes agree after {after}", answers[0].len());
    }
    for (redb, pg) in answers[0].iter().zip(&answers[1]) {
        assert_eq!(redb, pg, "after {after}: redb, then PostgreSQL");
    }
    assert_eq!(answers[0].len(), answers[1].len());
    let digests: Vec<_> = engines
        .iter()
        .map(|h| h.store().digests().unwrap())
        .collect();
    assert_eq!(
        format!("{:?}", digests[0]),
        format!("{:?}", digests[1]),
        "after {after}"
    );
}

/// One direct write, given the state's ids; returns what the method returned.
type Step = fn(&dyn Writes, &Ids) -> Result<String, StoreError>;

fn user_of(tx: &dyn Writes, ids: &Ids, slot: usize) -> Result<rocketlite::model::User, StoreError> {
    tx.user(&ids.users[slot])?
        .ok_or(StoreError::Corrupt("no such user".into()))
}

/// Every write method of the seam, each as one step on the state [`script`] left.
fn steps() -> Vec<(&'static str, Step)> {
    vec![
        ("put_user: name, emails and roles change", |tx, ids| {
            let old = user_of(tx, ids, 2)?;
            let mut new = old.clone();
            new.name = "Renamed".into();
            new.username = format!("{}-renamed", old.username);
            new.emails = vec![Email {
                address: "Renamed@Example.org".into(),
                verified: true,
                kind: None,
                primary: Some(true),
            }];
            new.roles.push("guest".into());
            tx.put_user(&new, Some(&old))?;
            Ok(String::new())
        }),
        ("put_users: activity changes", |tx, ids| {
            let changes = [1, 3]
                .iter()
                .map(|&slot| {
                    let old = user_of(tx, ids, slot)?;
                    let mut new = old.clone();
                    new.active = !old.active;
                    new.inactive_reason = (!new.active).then(|| "deactivated".into());
                    new.updated_at += 1;
                    Ok((new, old))
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            tx.put_users(&changes)?;
            Ok(String::new())
        }),
        ("insert_token, remove_token", |tx, ids| {
            tx.insert_token(&ids.users[1], &TokenHash("t-one".into()), 5)?;
            tx.insert_token(&ids.users[1], &TokenHash("t-two".into()), 6)?;
            tx.insert_token(&ids.users[3], &TokenHash("t-three".into()), 7)?;
            tx.remove_token(&ids.users[1], &TokenHash("t-one".into()))?;
            Ok(String::new())
        }),
        ("remove_tokens_issued_before", |tx, _| {
            Ok(format!("{:?}", tx.remove_tokens_issued_before(7, 10)?))
        }),
        ("remove_all_tokens", |tx, ids| {
            Ok(format!("{:?}", tx.remove_all_tokens(&ids.users[2])?))
        }),
        ("remove_all_tokens_of", |tx, ids| {
            tx.remove_all_tokens_of(&ids.users[3..])?;
            Ok(String::new())
        }),
        ("put_preferences, put_custom_fields", |tx, ids| {
            tx.put_preferences(&ids.users[1], &serde_json::json!({"language": "de"}))?;
            tx.put_custom_fields(&ids.users[1], &serde_json::json!({"team": "blue"}))?;
            tx.put_custom_fields(&ids.users[1], &serde_json::json!({"team": "red"}))?;
            Ok(String::new())
        }),
        ("put/remove_personal_access_token", |tx, ids| {
            for name in ["ci", "backup"] {
                let token = PersonalAccessToken {
                    name: name.into(),
                    token_hash: format!("pat-{name}"),
                    created_at: 9,
                    last_token_part: "abcdef".into(),
                    bypass_two_factor: false,
                };
                tx.put_personal_access_token(&ids.users[1], &token)?;
            }
            tx.remove_personal_access_token(&ids.users[1], "ci")?;
            Ok(String::new())
        }),
        ("put_scim_user_name", |tx, ids| {
            tx.put_scim_user_name(&ids.users[1], Some("Ada@Idp"))?;
            tx.put_scim_user_name(&ids.users[2], Some("bob@idp"))?;
            tx.put_scim_user_name(&ids.users[2], None)?;
            Ok(String::new())
        }),
        ("put_room: renamed", |tx, ids| {
            let mut room = tx.room(&ids.rooms[1])?.ok_or_else(missing)?;
            room.name = "renamed-room".into();
            room.fname = "Renamed Room".into();
            room.default = true;
            tx.put_room(&room)?;
            Ok(String::new())
        }),
        (
            "put_subscription: a new member and a changed one",
            |tx, ids| {
                let (room, user) = (&ids.rooms[1], &ids.users[1]);
                let template = tx
                    .subscription(room, &tx.member_ids_in_join_order(room)?[0])?
                    .ok_or_else(missing)?;
                let mut joined = template.clone();
                joined.id = "sub-new".into();
                joined.user_id = user.clone();
                joined.join_seq = tx.next_join_seq()?;
                joined.roles = vec!["moderator".into()];
                tx.put_subscription(&joined, None)?;
                let mut owner = joined.clone();
                owner.roles = vec!["owner".into()];
                tx.put_subscription(&owner, Some(&joined))?;
                Ok(String::new())
            },
        ),
        ("put_subscriptions: owners taken and given", |tx, ids| {
            let room = &ids.rooms[1];
            let mut changes = Vec::new();
            for member in tx.member_ids_in_join_order(room)? {
                let old = tx.subscription(room, &member)?.ok_or_else(missing)?;
                let mut new = old.clone();
                new.roles = match old.roles.iter().any(|r| r == "owner") {
                    true => Vec::new(),
                    false => vec!["owner".into()],
                };
                new.user_archived = !old.user_archived;
                changes.push((new, old));
            }
            tx.put_subscriptions(&changes)?;
            Ok(String::new())
        }),
        ("put_notifications", |tx, ids| {
            let settings = NotificationSettings {
                desktop_notifications: Some("mentions".into()),
                ..Default::default()
            };
            tx.put_notifications(&ids.rooms[1], &ids.users[2], &settings)?;
            Ok(String::new())
        }),
        ("put_ban, remove_ban, remove_bans_of", |tx, ids| {
            tx.put_ban(&ids.rooms[1], &ids.users[3], 11)?;
            tx.put_ban(&ids.rooms[2], &ids.users[3], 12)?;
            tx.put_ban(&ids.rooms[2], &ids.users[4], 13)?;
            tx.remove_ban(&ids.rooms[2], &ids.users[4])?;
            tx.remove_bans_of(&ids.users[2])?;
            Ok(String::new())
        }),
        ("remove_subscription, remove_room", |tx, ids| {
            let room = tx.room(&ids.rooms[3])?.ok_or_else(missing)?;
            for member in tx.member_ids_in_join_order(&room.id)? {
                let sub = tx.subscription(&room.id, &member)?.ok_or_else(missing)?;
                tx.remove_subscription(&sub)?;
            }
            tx.remove_room(&room)?;
            Ok(String::new())
        }),
        ("mark_default_channel_seeded", |tx, _| {
            tx.mark_default_channel_seeded()?;
            Ok(String::new())
        }),
        ("put_permission, put_role", |tx, _| {
            let mut permission = tx
                .permission("view-room-administration")?
                .ok_or_else(missing)?;
            permission.roles.push("moderator".into());
            tx.put_permission("view-room-administration", &permission)?;
            let mut role = tx.role("owner")?.ok_or_else(missing)?;
            role.description = "Owns rooms".into();
            tx.put_role(&role)?;
            let mut custom = role.clone();
            custom.id = "auditor".into();
            custom.name = "auditor".into();
            tx.put_role(&custom)?;
            Ok(String::new())
        }),
        ("append_audit, append_audits", |tx, _| {
            let newest = tx.audit_newest(None, 1)?;
            let template: AuditEntry = newest.into_iter().next().ok_or_else(missing)?;
            let mut one = template.clone();
            one.action = "test.one".into();
            tx.append_audit(one.clone())?;
            let many = (0..3)
                .map(|i| {
                    let mut e = one.clone();
                    e.action = format!("test.many.{i}");
                    e.at += i;
                    e
                })
                .collect();
            tx.append_audits(many)?;
            tx.append_audits(Vec::new())?;
            Ok(String::new())
        }),
        ("prune_audit_before, prune_audit_beyond", |tx, _| {
            let first = tx.audit_entries()?.first().map_or(0, |e| e.at);
            let before = tx.prune_audit_before(first + 1, 2)?;
            let beyond = tx.prune_audit_beyond(5, 3)?;
            Ok(format!("{before} {beyond}"))
        }),
        ("put_scim_token, remove_scim_token", |tx, ids| {
            for id in ["tok-a", "tok-b"] {
                tx.put_scim_token(&ScimToken {
                    id: id.into(),
                    name: format!("token {id}"),
                    secret_sha256: format!("sha-{id}"),
                    created_at: 3,
                    created_by: ids.users[0].clone(),
                })?;
            }
            let removed = (
                tx.remove_scim_token("tok-a")?,
                tx.remove_scim_token("nope")?,
            );
            Ok(format!("{removed:?}"))
        }),
        ("put_setting", |tx, _| {
            tx.put_setting("Site_Name", &serde_json::json!("Conformance"))?;
            tx.put_setting("API_User_Limit", &serde_json::json!(42))?;
            tx.put_setting("API_User_Limit", &serde_json::json!(43))?;
            Ok(String::new())
        }),
        ("remove_user", |tx, ids| {
            let user = user_of(tx, ids, 5)?;
            tx.remove_all_tokens(&user.id)?;
            for room in tx.room_ids_of(&user.id)? {
                let sub = tx.subscription(&room, &user.id)?.ok_or_else(missing)?;
                tx.remove_subscription(&sub)?;
            }
            tx.remove_user(&user, 99)?;
            Ok(String::new())
        }),
    ]
}

#[test]
fn both_engines_answer_every_read_of_the_seam_alike() {
    let Some(engines) = engines("conformance_reads") else {
        return;
    };
    assert_agree(&engines, "the script");
}

#[test]
fn both_engines_apply_every_write_of_the_seam_alike() {
    let Some(engines) = engines("conformance_writes") else {
        return;
    };
    let ids = Ids::of(&engines[0]);
    for (name, step) in steps() {
        let answers: Vec<String> = engines
            .iter()
            .map(|h| {
                let ids = ids.clone();
                h.store().write(move |tx| step(tx, &ids)).unwrap()
            })
            .collect();
        assert_eq!(answers[0], answers[1], "{name}: redb, then PostgreSQL");
        assert_agree(&engines, name);
    }
}
