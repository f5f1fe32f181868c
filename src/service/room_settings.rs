//! How a room is set up: its name, texts, read-only flag, custom fields, type and default
//! mark (`edit-room`), archiving (`archive-room` / `unarchive-room`), deletion (`delete-c` /
//! `delete-p`), and each member's own view of it (closed, favorite).
//!
//! Archiving is one of the two causes of an archived subscription (the other is a
//! deactivated user, `active_status`): each is stored on its own, so neither undoes the other.

use super::audit::{Stamp, Subject};
use super::caller::has_permission;
use super::limits;
use super::lookup::RoomRef;
use super::room_rules::not_archived;
use super::room_rules::visible_room;
use super::{Caller, Service, ServiceError, ServiceResult, SettingValues};
use crate::model::{Permission, Room, RoomKind, User};
use crate::store::prelude::*;

/// One change `edit-room` covers.
#[derive(Clone, Debug)]
pub enum RoomEdit {
    Rename(String),
    Topic(String),
    Description(String),
    /// `*.setPurpose`: the description under Rocket.Chat's older name.
    Purpose(String),
    Announcement(String),
    ReadOnly(bool),
    CustomFields(serde_json::Map<String, serde_json::Value>),
    /// To `c` or `p`; anything else is refused as an invalid room type.
    Type(String),
    /// `channels.setDefault`; also needs `view-room-administration`.
    Default(bool),
    /// The code `channels.join` asks for; empty removes it (`rooms.saveRoomSettings`).
    JoinCode(String),
    /// The kinds of system message the room shows (`rooms.saveRoomSettings`).
    SystemMessages(Vec<String>),
}

/// Bytes in a topic, description or announcement: none of Rocket.Chat's own, but nothing
/// may grow the file without bound.
const TEXT_MAX: usize = 4096;

/// Refuses custom fields larger than a topic may be.
pub(super) fn check_custom_fields(
    fields: &serde_json::Map<String, serde_json::Value>,
) -> ServiceResult<()> {
    super::limits::check_json_size("customFields", fields, TEXT_MAX)
}

/// Whether `edit` would leave `room` as it is.
fn is_unchanged(room: &Room, edit: &RoomEdit) -> bool {
    match edit {
        RoomEdit::Rename(name) => *name == room.name,
        RoomEdit::Topic(t) => room.topic.as_deref().unwrap_or("") == t,
        RoomEdit::Description(d) | RoomEdit::Purpose(d) => {
            room.description.as_deref().unwrap_or("") == d
        }
        RoomEdit::Announcement(a) => room.announcement.as_deref().unwrap_or("") == a,
        RoomEdit::ReadOnly(ro) => *ro == room.read_only,
        RoomEdit::Type(t) => t == room.kind.letter(),
        RoomEdit::Default(d) => *d == room.default,
        RoomEdit::CustomFields(fields) => *fields == room.custom_fields,
        RoomEdit::JoinCode(code) => room.join_code.as_deref().unwrap_or("") == code,
        RoomEdit::SystemMessages(types) => room.sys_mes.as_ref() == Some(types),
    }
}

/// What a room edit refuses before it writes, in Rocket.Chat's order: the same value again
/// (channels' own routes only; announcements and custom fields are always written),
/// `edit-room`, then the edit's own rules.
fn check_edit(
    tx: &dyn Reads,
    settings: &SettingValues,
    me: &User,
    room: &Room,
    edit: &RoomEdit,
) -> ServiceResult<()> {
    let refuses_same = room.kind == RoomKind::Channel
        || matches!(
            edit,
            RoomEdit::ReadOnly(_) | RoomEdit::Type(_) | RoomEdit::Default(_)
        );
    let always_written = matches!(edit, RoomEdit::Announcement(_) | RoomEdit::CustomFields(_));
    if refuses_same && !always_written && is_unchanged(room, edit) {
        return Err(ServiceError::Unchanged(edit.what()));
    }
    check_edit_rights(tx, settings, me, room, edit)
}

/// `edit-room`, then the rules of the edit itself.
fn check_edit_rights(
    tx: &dyn Reads,
    settings: &SettingValues,
    me: &User,
    room: &Room,
    edit: &RoomEdit,
) -> ServiceResult<()> {
    if !has_permission(tx, me, Permission::EditRoom, Some(&room.id))? {
        return Err(ServiceError::EditRoomNotAllowed);
    }
    match edit {
        RoomEdit::Rename(name) => {
            limits::check_len("name", name, limits::ROOM_NAME)?;
            if !settings.valid_room_name(name) {
                return Err(ServiceError::InvalidRoomName(name.clone()));
            }
            if tx
                .room_id_by_name(name)?
                .is_some_and(|other| other != room.id)
            {
                return Err(ServiceError::DuplicateRoomName(name.clone()));
            }
        }
        RoomEdit::Topic(text)
        | RoomEdit::Description(text)
        | RoomEdit::Purpose(text)
        | RoomEdit::Announcement(text) => {
            limits::check_len(edit.what(), text, TEXT_MAX)?;
        }
        RoomEdit::CustomFields(fields) => check_custom_fields(fields)?,
        RoomEdit::Type(t) => {
            let to = match t.as_str() {
                "c" => RoomKind::Channel,
                "p" => RoomKind::Group,
                _ => return Err(ServiceError::InvalidRoomType(t.clone())),
            };
            let permission = match to {
                RoomKind::Channel => Permission::CreateC,
                RoomKind::Group => Permission::CreateP,
            };
            if !has_permission(tx, me, permission, None)? {
                return Err(ServiceError::ChangeTypeNotAllowed(to));
            }
        }
        RoomEdit::Default(_) => {
            if !has_permission(tx, me, Permission::ViewRoomAdministration, None)? {
                return Err(ServiceError::ViewRoomAdministrationNotAllowed);
            }
        }
        RoomEdit::JoinCode(code) => limits::check_len("joinCode", code, limits::ROOM_NAME)?,
        RoomEdit::SystemMessages(types) => {
            limits::check_count("systemMessages", types.len(), limits::SYSTEM_MESSAGE_TYPES)?;
            for kind in types {
                limits::check_len("systemMessages", kind, limits::ROOM_NAME)?;
            }
        }
        RoomEdit::ReadOnly(_) => {}
    }
    Ok(())
}

impl RoomEdit {
    /// The setting's name in Rocket.Chat's "is the same as" refusals.
    pub fn what(&self) -> &'static str {
        match self {
            RoomEdit::Rename(_) => "name",
            RoomEdit::Topic(_) => "topic",
            RoomEdit::Description(_) => "description",
            RoomEdit::Purpose(_) => "purpose (description)",
            RoomEdit::Announcement(_) => "announcement",
            RoomEdit::ReadOnly(_) => "read only setting",
            RoomEdit::CustomFields(_) => "customFields",
            RoomEdit::Type(_) => "type",
            RoomEdit::Default(_) => "default setting",
            RoomEdit::JoinCode(_) => "join code",
            RoomEdit::SystemMessages(_) => "system messages",
        }
    }

    fn apply(self, room: &mut Room) {
        let text = |t: String| Some(t).filter(|t| !t.is_empty());
        match self {
            RoomEdit::Rename(name) => {
                room.fname = name.clone();
                room.name = name;
            }
            RoomEdit::Topic(t) => room.topic = text(t),
            RoomEdit::Description(d) | RoomEdit::Purpose(d) => room.description = text(d),
            RoomEdit::Announcement(a) => room.announcement = text(a),
            RoomEdit::ReadOnly(ro) => room.read_only = ro,
            RoomEdit::CustomFields(fields) => room.custom_fields = fields,
            RoomEdit::Type(t) => {
                room.kind = match t.as_str() {
                    "p" => RoomKind::Group,
                    _ => RoomKind::Channel,
                }
            }
            RoomEdit::Default(d) => {
                room.default = d;
                room.default_turned_off = !d;
            }
            RoomEdit::JoinCode(code) => room.join_code = text(code),
            RoomEdit::SystemMessages(types) => room.sys_mes = Some(types),
        }
    }
}

/// Sets the room's cause of archiving on every membership of `room`.
fn set_room_archived(
    tx: &dyn Writes,
    room: &Room,
    archived: bool,
    now: i64,
) -> Result<(), StoreError> {
    for member in tx.member_ids_in_join_order(&room.id)? {
        if let Some(previous) = tx.subscription(&room.id, &member)?
            && previous.room_archived != archived
        {
            let mut sub = previous.clone();
            sub.room_archived = archived;
            sub.updated_at = now;
            tx.put_subscription(&sub, Some(&previous))?;
        }
    }
    Ok(())
}

impl Service {
    /// Applies one `edit-room` change to the room `room` names (of `kind`); an archived room
    /// is refused. Every subscription follows a new name or type, as the views read both
    /// from the room.
    pub fn edit_room(
        &self,
        caller: &Caller,
        kind: RoomKind,
        room: &RoomRef,
        edit: RoomEdit,
    ) -> ServiceResult<Room> {
        let now = self.now();
        let settings = self.settings();
        let room = room.clone();
        self.write_as(caller, move |tx, me| {
            let mut room = visible_room(tx, &me, Some(kind), &room)?;
            not_archived(&room)?;
            check_edit(tx, &settings, &me, &room, &edit)?;
            edit.clone().apply(&mut room);
            room.updated_at = now;
            tx.put_room(&room)?;
            Ok(room)
        })
    }

    /// `rooms.saveRoomSettings`: several edits of one room of either kind in one
    /// transaction, all checked before any is written (`edit-room` first, even for none); a
    /// value the room already has changes nothing. An archived room is refused.
    pub fn save_room_settings(
        &self,
        caller: &Caller,
        room: &RoomRef,
        edits: Vec<RoomEdit>,
    ) -> ServiceResult<Room> {
        let now = self.now();
        let settings = self.settings();
        let room = room.clone();
        self.write_as(caller, move |tx, me| {
            let mut room = visible_room(tx, &me, None, &room)?;
            not_archived(&room)?;
            if !has_permission(tx, &me, Permission::EditRoom, Some(&room.id))? {
                return Err(ServiceError::EditRoomNotAllowed);
            }
            let changes: Vec<&RoomEdit> =
                edits.iter().filter(|e| !is_unchanged(&room, e)).collect();
            for edit in &changes {
                check_edit_rights(tx, &settings, &me, &room, edit)?;
            }
            if changes.is_empty() {
                return Ok(room);
            }
            for edit in changes {
                edit.clone().apply(&mut room);
            }
            room.updated_at = now;
            tx.put_room(&room)?;
            Ok(room)
        })
    }

    /// `*.archive` (`archive-room`, admins and owners) and `*.unarchive` (`unarchive-room`,
    /// admins). Archiving an archived room is refused; unarchiving one that is not
    /// archived is refused for channels (Rocket.Chat's groups.unarchive lets it pass).
    ///
    /// `kind` is the family's (`None` for `rooms.changeArchivationState`, any room).
    pub fn set_archived(
        &self,
        caller: &Caller,
        kind: Option<RoomKind>,
        room: &RoomRef,
        archived: bool,
    ) -> ServiceResult<()> {
        let now = self.now();
        let room = room.clone();
        self.write_as(caller, move |tx, me| {
            let mut room = visible_room(tx, &me, kind, &room)?;
            match (archived, room.archived) {
                (true, true) => return Err(ServiceError::RoomArchived(room.name.clone())),
                (false, false) if room.kind == RoomKind::Channel => {
                    return Err(ServiceError::RoomNotArchived(room.name.clone()));
                }
                _ => {}
            }
            let permission = match archived {
                true => Permission::ArchiveRoom,
                false => Permission::UnarchiveRoom,
            };
            if !has_permission(tx, &me, permission, Some(&room.id))? {
                return Err(ServiceError::NotAuthorized);
            }
            if room.archived != archived {
                room.archived = archived;
                room.updated_at = now;
                tx.put_room(&room)?;
                set_room_archived(tx, &room, archived, now)?;
            }
            Ok(())
        })
    }

    /// `*.delete`: with `delete-c` / `delete-p` here (admins and owners), the room and every
    /// membership go in one transaction; archived rooms may be deleted.
    ///
    /// `kind` is the family's (`None` for `rooms.delete`, any room).
    pub fn delete_room(
        &self,
        caller: &Caller,
        kind: Option<RoomKind>,
        room: &RoomRef,
    ) -> ServiceResult<()> {
        let now = self.now();
        let room = room.clone();
        self.write_as(caller, move |tx, me| {
            let room = visible_room(tx, &me, kind, &room)?;
            let permission = match room.kind {
                RoomKind::Channel => Permission::DeleteC,
                RoomKind::Group => Permission::DeleteP,
            };
            if !has_permission(tx, &me, permission, Some(&room.id))? {
                return Err(ServiceError::NotAllowed);
            }
            let members = tx.member_ids_in_join_order(&room.id)?;
            Stamp::by(&me, now).record(
                tx,
                "room.delete",
                Subject::Room(&room.id),
                serde_json::json!({
                    "name": room.name,
                    "t": room.kind.letter(),
                    "members": members,
                    "owners": tx.owner_ids(&room.id)?,
                }),
                serde_json::Value::Null,
            )?;
            for member in members {
                if let Some(sub) = tx.subscription(&room.id, &member)? {
                    tx.remove_subscription(&sub)?;
                }
            }
            tx.remove_room(&room)?;
            Ok(())
        })
    }

    /// `*.close` (`open: false`) and `*.open`: the caller's own subscription. Closing a
    /// closed room or opening an open one is refused, as is a non-member.
    pub fn set_hidden(
        &self,
        caller: &Caller,
        kind: RoomKind,
        room: &RoomRef,
        hidden: bool,
    ) -> ServiceResult<()> {
        let now = self.now();
        let room = room.clone();
        self.write_as(caller, move |tx, me| {
            let room = visible_room(tx, &me, Some(kind), &room)?;
            let Some(sub) = tx.subscription(&room.id, &me.id)? else {
                return Err(ServiceError::CallerNotInRoom {
                    name: room.name.clone(),
                    closing: hidden,
                });
            };
            if sub.hidden == hidden {
                return Err(ServiceError::AlreadyOpenOrClosed {
                    name: room.name.clone(),
                    closed: hidden,
                });
            }
            let mut updated = sub.clone();
            updated.hidden = hidden;
            updated.updated_at = now;
            tx.put_subscription(&updated, Some(&sub))?;
            Ok(())
        })
    }

    /// `rooms.favorite`: marks (or unmarks) the room a favorite of the caller, a member; an
    /// archived room is refused.
    pub fn set_favorite(
        &self,
        caller: &Caller,
        room: &RoomRef,
        favorite: bool,
    ) -> ServiceResult<()> {
        let now = self.now();
        let room = room.clone();
        self.write_as(caller, move |tx, me| {
            let room = visible_room(tx, &me, None, &room)?;
            not_archived(&room)?;
            let sub = tx
                .subscription(&room.id, &me.id)?
                .ok_or(ServiceError::NoSubscription)?;
            if sub.favorite != favorite {
                let mut updated = sub.clone();
                updated.favorite = favorite;
                updated.updated_at = now;
                tx.put_subscription(&updated, Some(&sub))?;
            }
            Ok(())
        })
    }
}
