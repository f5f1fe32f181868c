//! `rooms.saveRoomSettings`: the administration form's one call for every room setting.

use std::collections::BTreeMap;
use std::sync::Arc;

use poem::web::Data;
use poem_openapi::{Object, OpenApi};
use serde_json::Value;

use super::auth::Auth;
use super::body::{Body, RequestSchema};
use super::errors::Operation;
use super::{ApiResult, ApiTags, call};
use crate::api::examples::ROOM_ID;
use crate::model::RoomId;
use crate::service::{RoomEdit, RoomRef, Service};
use serde_json::json;

/// What `rooms.saveRoomSettings` takes: the room and any of its settings.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct SaveRoomSettingsBody {
    /// The room's `_id`.
    pub rid: String,
    pub room_name: Option<String>,
    pub room_topic: Option<String>,
    pub room_announcement: Option<String>,
    pub room_description: Option<String>,
    pub room_custom_fields: Option<BTreeMap<String, Value>>,
    /// `c` or `p`; needs `create-c` / `create-p`.
    pub room_type: Option<String>,
    pub read_only: Option<bool>,
    /// Needs `view-room-administration`.
    pub default: Option<bool>,
    /// The code `channels.join` asks for; empty removes it.
    pub join_code: Option<String>,
    /// The kinds of system message the room shows (`sysMes`).
    pub system_messages: Option<Vec<String>>,
    /// Accepted for compatibility; rocketlite keeps no avatars.
    pub room_avatar: Option<String>,
    /// Accepted for compatibility; ignored.
    pub featured: Option<bool>,
    /// Accepted for compatibility; rocketlite keeps no messages.
    pub react_when_read_only: Option<bool>,
    /// Accepted for compatibility; rocketlite has no end-to-end encryption.
    pub encrypted: Option<bool>,
    /// Accepted for compatibility; ignored.
    pub favorite: Option<FavoriteSetting>,
    /// Accepted for compatibility; rocketlite keeps no messages to prune.
    pub retention_enabled: Option<bool>,
    pub retention_max_age: Option<f64>,
    pub retention_exclude_pinned: Option<bool>,
    pub retention_files_only: Option<bool>,
    pub retention_ignore_threads: Option<bool>,
    pub retention_override_global: Option<bool>,
}

impl RequestSchema for SaveRoomSettingsBody {
    const CLOSED: bool = true;
    const NULLABLE: &'static [&'static str] = &["favorite"];
}

/// `favorite` as 8.8.1's schema has it (both keys required); rocketlite keeps no
/// favourites, so it is checked and ignored.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct FavoriteSetting {
    pub default_value: bool,
    pub favorite: bool,
}

/// What `rooms.saveRoomSettings` answers.
#[derive(Object)]
pub struct SavedOk {
    pub rid: String,
    pub success: bool,
}

/// Room settings, several at once.
#[derive(Default)]
pub struct RoomSettingsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Rooms")]
impl RoomSettingsApi {
    /// Save a room's settings
    ///
    /// Any of name, topic, announcement, description, custom fields, type, read-only,
    /// default, join code and system messages, in one change; each is checked as its own
    /// route checks it (`edit-room` first) before any is written, and a value the room
    /// already has changes nothing.
    #[oai(
        path = "/rooms.saveRoomSettings",
        method = "post",
        operation_id = "roomsSaveRoomSettings"
    )]
    async fn save_room_settings(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
        body: Body<SaveRoomSettingsBody>,
    ) -> ApiResult<SavedOk> {
        let b = body.0;
        let mut edits = Vec::new();
        edits.extend(b.room_name.map(RoomEdit::Rename));
        edits.extend(b.room_topic.map(RoomEdit::Topic));
        edits.extend(b.room_announcement.map(RoomEdit::Announcement));
        edits.extend(b.room_description.map(RoomEdit::Description));
        edits.extend(
            b.room_custom_fields
                .map(|fields| RoomEdit::CustomFields(fields.into_iter().collect())),
        );
        edits.extend(b.room_type.map(RoomEdit::Type));
        edits.extend(b.read_only.map(RoomEdit::ReadOnly));
        edits.extend(b.default.map(RoomEdit::Default));
        edits.extend(b.join_code.map(RoomEdit::JoinCode));
        edits.extend(b.system_messages.map(RoomEdit::SystemMessages));
        let caller = auth.0;
        let room = RoomRef::Id(RoomId(b.rid));
        call(
            &s,
            Operation::RoomsSaveRoomSettings,
            move |s| s.save_room_settings(&caller, &room, edits),
            |room| SavedOk {
                rid: room.id.to_string(),
                success: true,
            },
        )
        .await
    }
}

/// The success bodies of this file's operations, for the spec's examples.
pub(super) fn ok_example(operation: &str) -> Option<Value> {
    Some(match operation {
        "roomsSaveRoomSettings" => json!({"rid": ROOM_ID, "success": true}),
        _ => return None,
    })
}
