"""A user story told through the community Python client of Rocket.Chat, rocketchat-API.

Run by tests/e2e/rc_python_client.sh once it has installed `rocketchat_API` (PyPI
rocketchat-API, pinned there). Env: BASE_URL, ADMIN_USER (default admin), ADMIN_PASS.

Every operation rocketlite serves that the client has a method for goes through that method
(login, logout, info, me, users.*, channels.*, groups.*, rooms.info, subscriptions.getOne,
permissions.*, roles.*, licenses.info); nothing here builds a request by hand. Env also:
CREATE_TOKENS_FOR_USERS_SECRET, the server's secret for users.createToken. The client raises its own
exceptions: RocketAuthenticationException for a 401 login, RocketApiException (status_code,
error, error_type, response_json) for any other answer >= 400 whose JSON says success=false.

The story: an admin creates olga, ada and carl; someone registers himself; olga creates a
channel and a private group with ada, invites carl, makes him a co-owner and takes it back, so
she is the sole owner of both. Deactivating olga without confirmRelinquish is refused with
user-last-owner (both rooms in details.shouldChangeOwner); with confirmRelinquish=true ada,
the earliest-joined active member, becomes the owner of both. Then the rest of the day: carl's
profile and status, his presence, a token minted for him, carl made an admin and back, the
channel's owners trimmed to the last one (which roles.removeUserFromRole keeps), the rooms
administered (settings, join code, moderators and leaders, close/open, favorite, the lists,
kick and leave with the last-owner refusal, archive, type changes, add-all and delete), and
the registered user deleted. Prints each step; exits non-zero on the first mismatch.
"""

import os
import secrets
import sys
import time

from rocketchat_API.rocketchat import RocketChat
from rocketchat_API.APIExceptions.RocketExceptions import (
    RocketApiException,
    RocketAuthenticationException,
)

BASE_URL = os.environ["BASE_URL"].rstrip("/")
ADMIN_USER = os.environ.get("ADMIN_USER", "admin")
ADMIN_PASS = os.environ["ADMIN_PASS"]

step_no = 0
covered = []


def step(op, text):
    global step_no
    step_no += 1
    if op not in covered:
        covered.append(op)
    print(f"[{step_no:02d}] {op}: {text}", flush=True)


def check(cond, what):
    if not cond:
        print(f"  FAIL: {what}", flush=True)
        sys.exit(1)
    print(f"  ok: {what}", flush=True)


def expect_api_error(call, status, error_type, what, error_has=None):
    """Run call(); it must raise the client's RocketApiException with this status and errorType
    (None: the body has none, as in Rocket.Chat's 403 and not-found failures) and, if given,
    `error_has` in its `error` text."""
    try:
        result = call()
    except RocketApiException as e:
        print(f"  raised {type(e).__name__}: {e} (status {e.status_code}), body {e.response_json}")
        check(e.status_code == status, f"status {status}")
        check(e.error_type == error_type, f"errorType {e.error_type!r}")
        if error_has:
            check(error_has in e.error, f"error mentions {error_has!r}")
        check(e.response_json.get("success") is False, "success is false")
        return e
    check(False, f"{what}: expected RocketApiException {status} {error_type}, got {result!r}")


def connect(user, password):
    """The client logs in from its constructor (POST /api/v1/login)."""
    return RocketChat(user, password, server_url=BASE_URL, timeout=30)


def main():
    sfx = secrets.token_hex(3)
    olga, ada, carl, reg = f"olga-{sfx}", f"ada-{sfx}", f"carl-{sfx}", f"reg-{sfx}"
    channel, group = f"pystory-{sfx}", f"pysecret-{sfx}"
    pw = {n: f"pw-{n}" for n in (olga, ada, carl, reg)}

    anon = RocketChat(server_url=BASE_URL)

    step("info", "GET /api/info without a login")
    info = anon.info()
    check(info.get("success") is True and isinstance(info.get("version"), str),
          f"version {info.get('version')!r}")

    step("login", f"a wrong password for {ADMIN_USER}")
    try:
        connect(ADMIN_USER, "not-the-password")
    except RocketAuthenticationException as e:
        check(True, f"raised {type(e).__name__}")
    else:
        check(False, "expected RocketAuthenticationException")

    step("login", f"{ADMIN_USER} (the client sends JSON {{username, password}})")
    admin = connect(ADMIN_USER, ADMIN_PASS)
    admin_id = admin.headers["X-User-Id"]
    check(admin_id and admin.headers["X-Auth-Token"], f"client holds X-User-Id {admin_id} and a token")

    # The client logs in with JSON; older clients and scripts post an HTML form, which
    # Rocket.Chat parses on every route. Same client, same session, form body.
    step("login", "form-encoded user=&password= through the client's own requests session")
    r = admin.session.post(f"{BASE_URL}/api/v1/login",
                           data={"user": ADMIN_USER, "password": ADMIN_PASS})
    check(r.status_code == 200 and r.json()["data"]["userId"] == admin_id,
          f"{r.status_code}, userId {r.json().get('data', {}).get('userId')}")

    step("me", "as admin")
    me = admin.me()
    check(me["_id"] == admin_id and me["username"] == ADMIN_USER and "admin" in me["roles"],
          f"me is {me['username']} with roles {me['roles']}")

    step("licenses.info", "as admin")
    lic = admin.licenses_info()
    check(lic.get("success") is True, f"answer keys {sorted(lic)}")

    ids = {}
    for name in (olga, ada, carl):
        step("users.create", name)
        r = admin.users_create(email=f"{name}@example.org", name=name.title(),
                               password=pw[name], username=name)
        check(r["success"] and r["user"]["username"] == name and r["user"]["active"] is True,
              f"created {name} as {r['user']['_id']}")
        ids[name] = r["user"]["_id"]

    step("users.create", f"{olga} again")
    expect_api_error(lambda: admin.users_create(email=f"x{olga}@example.org", name="X",
                                                password="pw-x-dup", username=olga),
                     400, "error-field-unavailable", "duplicate username")

    step("users.info", f"by user_id {ids[olga]}")
    u = admin.users_info(user_id=ids[olga])["user"]
    check(u["_id"] == ids[olga] and u["username"] == olga and u["active"] is True, f"{u['username']} active")

    step("users.info", f"by username {ada}")
    u = admin.users_info(username=ada)["user"]
    check(u["_id"] == ids[ada] and u["name"] == ada.title(), f"{u['username']} is {u['_id']}")

    step("users.info", f"by email {carl}@example.org")
    u = admin.users_info(email=f"{carl}@example.org")["user"]
    check(u["_id"] == ids[carl], f"{u['username']} is {u['_id']}")

    step("users.info", "an unknown username")
    expect_api_error(lambda: admin.users_info(username=f"nobody-{sfx}"), 400, None, "unknown user",
                     error_has="User not found")

    step("users.list", "all users, paged by the client 2 at a time (offset/count)")
    listed = list(admin.users_list(count=2))
    names = [x["username"] for x in listed]
    check({ADMIN_USER, olga, ada, carl} <= set(names), f"{len(names)} users, ours among them")
    check(len(names) == len(set(names)), "no user listed twice across pages")

    step("users.list", f"filtered by email {ada}@example.org")
    listed = list(admin.users_list(email=f"{ada}@example.org"))
    check([x["_id"] for x in listed] == [ids[ada]], f"{[x['username'] for x in listed]}")

    step("users.register", f"{reg} registers himself, without a login (password sent as `pass`)")
    r = anon.users_register(email=f"{reg}@example.org", name=reg.title(), password=pw[reg], username=reg)
    check(r["success"] and r["user"]["username"] == reg, f"registered {reg} as {r['user']['_id']}")
    ids[reg] = r["user"]["_id"]

    step("login", f"{reg} by email (the client sends JSON {{user, password}} for an email)")
    regc = connect(f"{reg}@example.org", pw[reg])
    check(regc.headers["X-User-Id"] == ids[reg], "logged in as the registered user")
    check(regc.me()["username"] == reg, "me is the registered user")

    step("users.create", f"{reg} (no admin) is refused")
    expect_api_error(lambda: regc.users_create(email=f"z{sfx}@example.org", name="Z",
                                               password="pw-z-nope", username=f"z-{sfx}"),
                     403, None, "users.create without create-user", error_has="[error-unauthorized]")

    step("login", olga)
    oc = connect(olga, pw[olga])
    check(oc.headers["X-User-Id"] == ids[olga], "olga logged in")

    step("channels.create", f"{channel} as {olga}, members [{ada}]")
    r = oc.channels_create(channel, members=[ada])
    ch = r["channel"]
    check(r["success"] and ch["name"] == channel and ch["t"] == "c" and ch["u"]["username"] == olga,
          f"channel {ch['_id']} created by {ch['u']['username']}")
    room = ch["_id"]
    # Let carl's join time be strictly later than ada's (the successor is the earliest-joined).
    time.sleep(0.01)

    step("channels.invite", f"{carl} into {channel} (room_id, user_id)")
    r = oc.channels_invite(room, ids[carl])
    check(r["success"] and r["channel"]["_id"] == room, "invited")

    step("channels.members", f"by room name (channel= sends roomName), paged by the client")
    members = {m["username"] for m in oc.channels_members(channel=channel)}
    check(members == {olga, ada, carl}, f"members {sorted(members)}")

    step("channels.members", "by room_id")
    members = {m["username"] for m in oc.channels_members(room_id=room)}
    check(members == {olga, ada, carl}, f"members {sorted(members)}")

    step("channels.addOwner", f"{carl} by username")
    r = oc.channels_add_owner(room, username=carl)
    check(r["success"] is True, "added")

    step("channels.addOwner", f"{ada} by user_id")
    check(oc.channels_add_owner(room, user_id=ids[ada])["success"] is True, "added")

    step("channels.addOwner", f"{carl} again")
    expect_api_error(lambda: oc.channels_add_owner(room, username=carl), 400,
                     "error-user-already-owner", "already owner")

    step("channels.roles", "by room_name")
    holders = {r["u"]["username"]: r["roles"] for r in oc.channels_roles(room_name=channel)["roles"]}
    check(holders == {olga: ["owner"], ada: ["owner"], carl: ["owner"]}, f"roles {holders}")

    for who in (carl, ada):
        step("channels.removeOwner", who)
        check(oc.channels_remove_owner(room, ids[who])["success"] is True, "removed")

    step("channels.roles", "by room_id")
    holders = {r["u"]["username"]: r["roles"] for r in oc.channels_roles(room_id=room)["roles"]}
    check(holders == {olga: ["owner"]}, f"{olga} is the sole owner: {holders}")

    step("channels.removeOwner", f"{olga}, the last owner")
    expect_api_error(lambda: oc.channels_remove_owner(room, ids[olga]), 400,
                     "error-remove-last-owner", "last owner")

    step("groups.create", f"{group} as {olga}, members [{ada}]")
    r = oc.groups_create(group, members=[ada])
    grp = r["group"]
    check(r["success"] and grp["name"] == group and grp["t"] == "p", f"group {grp['_id']}")
    gid = grp["_id"]
    time.sleep(0.01)

    step("groups.invite", carl)
    r = oc.groups_invite(gid, ids[carl])
    check(r["success"] and r["group"]["_id"] == gid, "invited")

    step("groups.members", "by room_id, paged by the client")
    members = {m["username"] for m in oc.groups_members(room_id=gid)}
    check(members == {olga, ada, carl}, f"members {sorted(members)}")

    step("groups.members", "by room name (group= sends roomName)")
    members = {m["username"] for m in oc.groups_members(group=group)}
    check(members == {olga, ada, carl}, f"members {sorted(members)}")

    step("groups.members", f"by room_id, filter={carl}, status=['offline'] (sent as status[]=offline)")
    members = [m["username"] for m in oc.groups_members(room_id=gid, filter=carl, status=["offline"])]
    check(members == [carl], f"members {members}")

    step("groups.members", f"as {reg}, who is not a member")
    expect_api_error(lambda: list(regc.groups_members(room_id=gid)), 400, "error-room-not-found",
                     "private group of others")

    step("groups.addOwner", carl)
    check(oc.groups_add_owner(gid, ids[carl])["success"] is True, "added")

    step("groups.roles", "by room_name")
    holders = {r["u"]["username"]: r["roles"] for r in oc.groups_roles(room_name=group)["roles"]}
    check(holders == {olga: ["owner"], carl: ["owner"]}, f"roles {holders}")

    step("groups.removeOwner", carl)
    check(oc.groups_remove_owner(gid, ids[carl])["success"] is True, "removed")

    step("groups.roles", "by room_id")
    holders = {r["u"]["username"]: r["roles"] for r in oc.groups_roles(room_id=gid)["roles"]}
    check(holders == {olga: ["owner"]}, f"{olga} is the sole owner: {holders}")

    step("rooms.info", "the channel by room_id")
    r = oc.rooms_info(room_id=room)["room"]
    check(r["_id"] == room and r["name"] == channel and r["t"] == "c", f"{r['name']} ({r['t']})")

    step("rooms.info", "the group by room_name")
    r = oc.rooms_info(room_name=group)["room"]
    check(r["_id"] == gid and r["t"] == "p", f"{r['name']} ({r['t']})")

    step("users.info", f"{olga} by user_id with includeUserRooms=true")
    rooms = admin.users_info(user_id=ids[olga], includeUserRooms="true")["user"].get("rooms", [])
    check({room, gid} <= {r["rid"] for r in rooms}, f"rooms {sorted(r['name'] for r in rooms)}")

    step("subscriptions.getOne", f"{olga}'s subscription to the channel")
    sub = oc.subscriptions_get_one(room)["subscription"]
    check(sub["rid"] == room and sub["name"] == channel and sub["u"]["_id"] == ids[olga]
          and "owner" in sub.get("roles", []), f"rid {sub['rid']}, roles {sub.get('roles')}")

    step("permissions.listAll", "as admin")
    perms = admin.permissions_list_all()
    check(perms.get("success") is True and isinstance(perms.get("update"), list), f"{len(perms['update'])} permissions")
    by_id = {p["_id"]: p for p in perms["update"]}
    check("edit-other-user-active-status" in by_id, "edit-other-user-active-status is listed")
    target = by_id["edit-other-user-active-status"]
    old_roles = list(target["roles"])

    step("permissions.update", "grant edit-other-user-active-status to the role `user` too")
    r = admin.permissions_update([{"_id": target["_id"], "roles": old_roles + ["user"]}])
    upd = {p["_id"]: p for p in r["permissions"]}
    check(r["success"] and "user" in upd[target["_id"]]["roles"], f"roles now {upd[target['_id']]['roles']}")

    step("permissions.update", "restore it")
    r = admin.permissions_update([{"_id": target["_id"], "roles": old_roles}])
    upd = {p["_id"]: p for p in r["permissions"]}
    check(sorted(upd[target["_id"]]["roles"]) == sorted(old_roles), f"roles back to {old_roles}")

    step("permissions.update", f"as {reg} (no access-permissions) is refused")
    expect_api_error(lambda: regc.permissions_update([{"_id": target["_id"], "roles": ["user"]}]),
                     403, None, "no access-permissions", error_has="[error-unauthorized]")

    step("users.setActiveStatus", f"{olga} active_status=\"yes\" is refused by validation")
    expect_api_error(lambda: admin.users_set_active_status(ids[olga], "yes"), 400, "invalid-params",
                     "not a boolean", error_has="must be boolean")

    step("users.setActiveStatus", f"{olga} active_status=False, no confirmRelinquish")
    e = expect_api_error(lambda: admin.users_set_active_status(ids[olga], False), 400,
                         "user-last-owner", "sole owner")
    details = e.response_json.get("details") or {}
    check(sorted(details.get("shouldChangeOwner", [])) == sorted([channel, group]),
          f"details.shouldChangeOwner {details.get('shouldChangeOwner')}")
    check(details.get("shouldBeRemoved") == [], "details.shouldBeRemoved is empty")
    check(admin.users_info(user_id=ids[olga])["user"]["active"] is True, f"{olga} is still active")
    check(oc.me()["username"] == olga, f"{olga}'s token still works")

    step("users.setActiveStatus", f"{olga} active_status=False, confirmRelinquish=True")
    r = admin.users_set_active_status(ids[olga], False, confirmRelinquish=True)
    check(r["success"] and r["user"]["_id"] == ids[olga] and r["user"]["active"] is False,
          f"{olga} active={r['user']['active']}")

    step("channels.roles", "after the handover")
    holders = {r["u"]["username"]: r["roles"] for r in admin.channels_roles(room_id=room)["roles"]}
    check(holders.get(ada) == ["owner"], f"{ada}, the earliest-joined active member, is owner: {holders}")
    check(carl not in holders, f"{carl} (joined later) got nothing")

    step("groups.roles", "after the handover")
    holders = {r["u"]["username"]: r["roles"] for r in admin.groups_roles(room_id=gid)["roles"]}
    check(holders.get(ada) == ["owner"] and carl not in holders, f"roles {holders}")

    step("me", f"{olga}'s token after the deactivation")
    expect_api_error(lambda: oc.me(), 401, None, "revoked token")

    step("login", f"{olga} while inactive")
    try:
        connect(olga, pw[olga])
    except RocketAuthenticationException as e:
        check(True, f"raised {type(e).__name__}")
    else:
        check(False, "expected RocketAuthenticationException for an inactive user")

    step("users.setActiveStatus", f"reactivate {olga}")
    r = admin.users_set_active_status(ids[olga], True)
    check(r["success"] and r["user"]["active"] is True, "active again")
    oc = connect(olga, pw[olga])
    check(oc.me()["username"] == olga, f"{olga} logs in again")

    # The rest of an administrator's day: profiles, status, tokens and roles.
    step("users.update", f"{carl}'s bio, nickname and status message")
    u = admin.users_update(ids[carl], bio="  Plays the oboe  ", nickname="C", statusText="reading")["user"]
    check((u.get("bio"), u.get("nickname"), u.get("statusText")) == ("Plays the oboe", "C", "reading"),
          f"bio {u.get('bio')!r}, nickname {u.get('nickname')!r}, statusText {u.get('statusText')!r}")

    cc = connect(carl, pw[carl])
    step("users.setStatus", f"{carl} is busy in a meeting")
    check(cc.users_set_status("in a meeting", status="busy").get("success") is True, "accepted")
    check(admin.users_info(user_id=ids[carl])["user"].get("statusText") == "in a meeting",
          "users.info shows the new status message")
    expect_api_error(lambda: cc.users_set_status("x", status="invisible"), 400, "error-invalid-status",
                     "not a status", error_has="Valid status types")

    step("users.getPresence", f"{carl} about himself, then about {ada}")
    own = cc.users_get_presence(user_id=ids[carl])
    check(own["presence"] == "offline" and own["connectionStatus"] == "offline" and "lastLogin" in own,
          f"own presence {own}")
    other = cc.users_get_presence(username=ada)
    check(other == {"presence": "offline", "success": True}, f"{ada}'s presence {other}")

    step("users.createToken", f"{carl} may not log {ada} in")
    secret = os.environ["CREATE_TOKENS_FOR_USERS_SECRET"]
    expect_api_error(lambda: cc.users_create_token(ids[ada], secret), 400, "error-not-authorized",
                     "another user's token without user-generate-access-token")
    step("users.createToken", f"the admin logs {carl} in with the server's secret")
    data = admin.users_create_token(ids[carl], secret)["data"]
    minted = RocketChat(user_id=data["userId"], auth_token=data["authToken"], server_url=BASE_URL)
    check(minted.me()["username"] == carl, "the minted token works")

    step("roles.list", "the default roles")
    roles = [r["_id"] for r in admin.roles_list()["roles"]]
    check(roles[:4] == ["admin", "moderator", "leader", "owner"] and len(roles) == 12, f"roles {roles}")
    step("roles.sync", "changed since 2020")
    synced = admin.roles_sync("2020-01-01T00:00:00.000Z")["roles"]
    check(len(synced["update"]) == 12 and synced["remove"] == [], "every role, none removed")

    step("roles.addUserToRole", f"{carl} becomes an admin")
    check(admin.roles_add_user_to_role("admin", carl)["role"]["_id"] == "admin", "granted")
    expect_api_error(lambda: admin.roles_add_user_to_role("admin", carl), 400,
                     "error-user-already-in-role", "twice")
    step("roles.getUsersInRole", "admin")
    holders = [u["username"] for u in admin.roles_get_users_in_role("admin")]
    check(carl in holders and ADMIN_USER in holders, f"holders {holders}")
    step("roles.getUsersInPublicRoles", "admins are public")
    public = {u["username"]: u["roles"] for u in admin.roles_get_users_in_public_roles()["users"]}
    check(public.get(carl) == ["admin"], f"{carl}: {public.get(carl)}")
    step("roles.removeUserFromRole", f"{carl} is an admin no more")
    check(admin.roles_remove_user_from_role("admin", carl)["success"] is True, "taken")

    step("roles.removeUserFromRole", f"{olga}'s ownership of {channel}, then {ada}'s, the last")
    admin.roles_remove_user_from_role("owner", olga, scope=room)
    expect_api_error(lambda: admin.roles_remove_user_from_role("owner", ada, scope=room), 400,
                     "error-remove-last-owner", "the last owner")
    holders = {r["u"]["username"]: r["roles"] for r in admin.channels_roles(room_id=room)["roles"]}
    check(holders == {ada: ["owner"]}, f"roles {holders}")

    step("roles.delete", "a protected role")
    expect_api_error(lambda: admin.roles_delete("user"), 400, "error-role-protected", "protected")

    # Room administration, through the client's channels_*, groups_*, rooms_* methods.
    ac = connect(ada, pw[ada])
    step("channels.info", channel)
    check(admin.channels_info(room_id=room)["channel"]["name"] == channel, "found by id")
    step("channels.list", "every channel, paged by the client")
    check(channel in [c["name"] for c in admin.channels_list()], f"{channel} listed")
    step("channels.list.joined", ada)
    check([c["name"] for c in ac.channels_list_joined()] == [channel] or channel in
          [c["name"] for c in ac.channels_list_joined()], f"{ada} is in {channel}")
    step("groups.list", ada)
    check(group in [g["name"] for g in ac.groups_list()], f"{group} listed")
    step("groups.listAll", "as admin")
    check(group in [g["name"] for g in admin.groups_list_all()], f"{group} listed")
    step("groups.info", group)
    check(ac.groups_info(room_id=gid)["group"]["name"] == group, "found")

    step("channels.setTopic / setDescription / setAnnouncement", channel)
    check(ac.channels_set_topic(room, "plans")["topic"] == "plans", "topic")
    check(ac.channels_set_description(room, "where plans are made")["description"] == "where plans are made", "description")
    check(ac.channels_set_announcement(room, "freeze friday")["announcement"] == "freeze friday", "announcement")
    expect_api_error(lambda: ac.channels_set_topic(room, "plans"), 400, None, "same topic",
                     error_has="is the same as what it would be changed to")
    step("channels.setReadOnly / setCustomFields", channel)
    check(ac.channels_set_read_only(room, True)["channel"]["ro"] is True, "read-only")
    check(ac.channels_set_read_only(room, False)["channel"]["ro"] is False, "writable again")
    check(ac.channels_set_custom_fields(room, {"team": "core"})["channel"]["customFields"] == {"team": "core"}, "custom fields")
    step("channels.rename", f"{channel} and back")
    check(ac.channels_rename(room, f"{channel}-x")["channel"]["name"] == f"{channel}-x", "renamed")
    check(ac.channels_rename(room, channel)["channel"]["name"] == channel, "renamed back")

    step("channels.setJoinCode / channels.join", f"{carl} joins {channel} with its code")
    cc = connect(carl, pw[carl])
    admin.channels_kick(room, ids[carl]) if carl in [m["username"] for m in admin.channels_members(room_id=room)] else None
    check(ac.channels_set_join_code(room, "sesame")["channel"]["joinCodeRequired"] is True, "code set")
    expect_api_error(lambda: cc.channels_join(room, "wrong"), 400, "error-code-invalid", "wrong code")
    check(cc.channels_join(room, "sesame")["channel"]["_id"] == room, f"{carl} joined")
    step("channels.addModerator / moderators / removeModerator", carl)
    check(ac.channels_add_moderator(room, ids[carl])["success"] is True, "made moderator")
    check([m["username"] for m in ac.channels_moderators(room_id=room)["moderators"]] == [carl], "listed")
    expect_api_error(lambda: ac.channels_add_moderator(room, ids[carl]), 400,
                     "error-user-already-moderator", "twice")
    check(ac.channels_remove_moderator(room, ids[carl])["success"] is True, "no longer moderator")
    step("channels.addLeader / removeLeader", carl)
    check(ac.channels_add_leader(room, ids[carl])["success"] is True, "leader")
    check(ac.channels_remove_leader(room, ids[carl])["success"] is True, "not any more")
    step("channels.close / channels.open", f"{carl}'s own view")
    check(cc.channels_close(room)["success"] is True, "closed")
    expect_api_error(lambda: cc.channels_close(room), 400, None, "closed twice", error_has="already closed")
    check(cc.channels_open(room)["success"] is True, "open again")
    step("rooms.favorite", f"{carl} stars {channel}")
    check(cc.rooms_favorite(room_id=room, favorite=True)["success"] is True, "starred")
    check(cc.subscriptions_get_one(room_id=room)["subscription"].get("f") is True, "f is set")
    step("rooms.get / subscriptions.get", carl)
    check(room in [r["_id"] for r in cc.rooms_get()["update"]], "rooms.get lists the channel")
    check(room in [s_["rid"] for s_ in cc.subscriptions_get()["update"]], "subscriptions.get lists it")
    step("rooms.adminRooms", "filtered by name")
    check([r["name"] for r in admin.rooms_admin_rooms(filter=channel, types=["c"])] == [channel],
          "found by filter")
    step("directory", "the client's own query parameter (ignored by 8.8) and a text search")
    found = list(admin.directory({"text": channel, "type": "channels"}, max_count=10))
    check(all("_id" in r for r in found), f"{len(found)} rooms in the first page")
    step("channels.kick", f"{carl} out of {channel}")
    check(ac.channels_kick(room, ids[carl])["channel"]["_id"] == room, "kicked")
    step("channels.leave", f"{ada}, the last owner, may not leave")
    expect_api_error(lambda: ac.channels_leave(room), 400, "error-you-are-last-owner", "last owner")
    step("rooms.leave", f"{carl} leaves {group}")
    gc = ac.groups_invite(room_id=gid, user_id=ids[carl])
    check(gc["success"] is True, "invited first")
    check(cc.rooms_leave(gid)["success"] is True, "left")
    step("groups.kick / groups.leave", group)
    ac.groups_invite(room_id=gid, user_id=ids[carl])
    check(ac.groups_kick(gid, ids[carl])["success"] is True, "kicked")
    check(oc.groups_leave(gid)["success"] is True, f"{olga} leaves: {ada} still owns it")
    expect_api_error(lambda: ac.groups_leave(gid), 400, "error-you-are-last-owner", "now the last owner")
    step("groups.archive / groups.unarchive", group)
    check(ac.groups_archive(gid)["success"] is True, "archived by its owner")
    check(ac.subscriptions_get_one(room_id=gid)["subscription"]["archived"] is True, "subscription archived")
    expect_api_error(lambda: ac.groups_unarchive(gid), 400, "error-not-authorized", "owners may not unarchive")
    check(admin.groups_unarchive(gid)["success"] is True, "unarchived by the admin")
    step("groups.setType / channels.setType", f"{group} public and private again")
    check(ac.groups_set_type(gid, "c")["group"]["t"] == "c", "public")
    check(ac.channels_set_type(gid, "p")["channel"]["t"] == "p", "private again")
    step("channels.addAll / channels.delete", "a throwaway channel")
    spare = admin.channels_create(f"spare-{sfx}")["channel"]["_id"]
    check(admin.channels_add_all(spare)["channel"]["usersCount"] > 1, "everyone joined")
    check(admin.channels_delete(room_id=spare)["success"] is True, "deleted")
    step("channels.setDefault", f"{channel} on and off")
    check(admin.channels_set_default(room, True)["channel"].get("default") is True, "default")
    check(admin.channels_set_default(room, False)["channel"].get("default") is False, "not default: false, as Rocket.Chat 8.8.1 answers")

    step("users.delete", f"{reg}, who signed up himself")
    check(admin.users_delete(ids[reg])["success"] is True, "deleted")
    expect_api_error(lambda: admin.users_info(user_id=ids[reg]), 400, None, "gone")

    step("logout", olga)
    r = oc.logout()
    check(r.get("status") == "success", f"answer {r}")

    step("me", f"{olga}'s token after logout")
    expect_api_error(lambda: oc.me(), 401, None, "logged-out token")

    step("logout", ADMIN_USER)
    check(admin.logout().get("status") == "success", "admin logged out")

    print(f"rc_python_client_story: all {step_no} steps passed; operations: {', '.join(covered)}",
          flush=True)


if __name__ == "__main__":
    main()
