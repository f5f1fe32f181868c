"""A user story told through a Python client generated from rocketlite's OpenAPI spec.

Run by tests/e2e/python_sdk.sh once it has generated and installed `rocketlite_client`.
Env: BASE_URL, ADMIN_USER (default admin), ADMIN_PASS.

An admin creates two users; the first logs in and creates a channel with the second as a
member, so it is the channel's creator and sole owner. Deactivating the owner without
confirmRelinquish must fail with a typed 400 whose Failure body says `user-last-owner`;
with confirmRelinquish=true it succeeds and channels.roles then names the second user as the
owner. Prints each step; exits non-zero on the first mismatch.
"""

import os
import secrets
import sys

import rocketlite_client as rc
from rocketlite_client.exceptions import BadRequestException, UnauthorizedException

BASE_URL = os.environ["BASE_URL"].rstrip("/")
ADMIN_USER = os.environ.get("ADMIN_USER", "admin")
ADMIN_PASS = os.environ["ADMIN_PASS"]

step_no = 0


def step(text):
    global step_no
    step_no += 1
    print(f"[{step_no:02d}] {text}", flush=True)


def check(cond, what):
    if not cond:
        print(f"  FAIL: {what}", flush=True)
        sys.exit(1)
    print(f"  ok: {what}", flush=True)


def client(user_id=None, token=None):
    conf = rc.Configuration(host=BASE_URL)
    if user_id:
        # The two apiKey schemes of the spec, named UserId and AuthToken.
        conf.api_key["UserId"] = user_id
        conf.api_key["AuthToken"] = token
    return rc.ApiClient(conf)


def login(user, password):
    body = rc.LoginBody(user=rc.LoginUser(user), password=rc.LoginPassword(password))
    ok = rc.AuthenticationApi(client()).login(body)
    return ok.data.user_id, ok.data.auth_token


def main():
    sfx = secrets.token_hex(3)
    owner_name, member_name = f"olga-{sfx}", f"ada-{sfx}"
    channel_name = f"story-{sfx}"

    step("GET /api/info")
    info = rc.InfoApi(client()).info()
    check(isinstance(info, rc.InfoOk) and info.success, f"InfoOk, version {info.version}")

    step(f"log in as {ADMIN_USER}")
    admin_id, admin_token = login(ADMIN_USER, ADMIN_PASS)
    admin = client(admin_id, admin_token)
    me = rc.AuthenticationApi(admin).me()
    check(me.username == ADMIN_USER and "admin" in me.roles, f"me is {me.username} with roles {me.roles}")

    users = rc.UsersApi(admin)
    ids = {}
    for name in (owner_name, member_name):
        step(f"users.create {name}")
        ok = users.users_create(rc.CreateUserBody(
            username=name, email=f"{name}@example.org", name=name.title(), password=f"pw-{name}"))
        check(ok.success and ok.user.username == name and ok.user.active, f"created {name} as {ok.user.id}")
        ids[name] = ok.user.id

    step(f"log in as {owner_name}")
    owner_id, owner_token = login(owner_name, f"pw-{owner_name}")
    check(owner_id == ids[owner_name], "login returns the owner's id")
    owner = client(owner_id, owner_token)

    step(f"channels.create {channel_name} as {owner_name}, members [{member_name}]")
    ch = rc.ChannelsApi(owner).channels_create(rc.CreateRoomBody(name=channel_name, members=[member_name]))
    check(ch.success and ch.channel.u.username == owner_name, f"channel {ch.channel.id} created by {ch.channel.u.username}")
    check(ch.channel.users_count == 2, f"usersCount is {ch.channel.users_count}")
    room_id = ch.channel.id

    step("channels.roles before")
    roles = rc.ChannelsApi(owner).channels_roles(room_id=room_id)
    holders = {r.u.username: r.roles for r in roles.roles}
    print(f"  roles: {holders}")
    check(holders == {owner_name: ["owner"]}, f"{owner_name} is the sole owner")

    step(f"users.setActiveStatus {owner_name} activeStatus=false, no confirmRelinquish")
    try:
        users.users_set_active_status(rc.SetActiveStatusBody(user_id=owner_id, active_status=False))
    except BadRequestException as e:
        print(f"  raised {type(e).__name__}: status {e.status}, body {e.body}")
        check(e.status == 400, "status 400")
        check(isinstance(e.data, rc.Failure), f"body deserialized to a typed Failure ({type(e.data).__name__})")
        check(e.data.error_type == "user-last-owner", f"errorType is {e.data.error_type!r}")
        check(e.data.success is False, "success is false")
        details = e.data.details or {}
        check(channel_name in details.get("shouldChangeOwner", []),
              f"details.shouldChangeOwner names the channel: {details.get('shouldChangeOwner')}")
    else:
        check(False, "expected BadRequestException (400 user-last-owner), the call succeeded")

    step(f"users.info {owner_name} is still active")
    check(users.users_info(user_id=owner_id).user.active is True, "still active after the refusal")

    step(f"users.setActiveStatus {owner_name} activeStatus=false, confirmRelinquish=true")
    ok = users.users_set_active_status(
        rc.SetActiveStatusBody(user_id=owner_id, active_status=False, confirm_relinquish=True))
    check(isinstance(ok, rc.SetActiveStatusOk), "typed SetActiveStatusOk")
    check(ok.success and ok.user.id == owner_id and ok.user.active is False, f"user {ok.user.id} active={ok.user.active}")

    step("channels.roles after (as admin)")
    roles = rc.ChannelsApi(admin).channels_roles(room_id=room_id)
    holders = {r.u.username: r.roles for r in roles.roles}
    print(f"  roles: {holders}")
    new_owners = [u for u, rs in holders.items() if "owner" in rs and u != owner_name]
    check(new_owners == [member_name], f"the new owner is {new_owners}")

    step(f"the deactivated {owner_name}'s token is refused")
    try:
        rc.AuthenticationApi(owner).me()
    except UnauthorizedException as e:
        check(e.status == 401 and isinstance(e.data, rc.Failure), f"401 typed Failure: {e.data.error!r}")
    else:
        check(False, "expected UnauthorizedException for a revoked token")

    print("python_sdk_story: all steps passed", flush=True)


if __name__ == "__main__":
    main()
