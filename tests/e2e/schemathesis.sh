#!/usr/bin/env bash
# Fuzz a live rocketlite against its committed OpenAPI spec with Schemathesis.
#
#   BASE_URL=http://127.0.0.1:3000 USER_ID=... AUTH_TOKEN=... tests/e2e/schemathesis.sh
#
# USER_ID/AUTH_TOKEN must belong to an admin. Every operation but `logout` and `users.logout`
# (which would end the session the run uses) is tested, with the checks not_a_server_error,
# status_code_conformance, content_type_conformance and response_schema_conformance. Before
# the run it seeds three users, a channel and a private group (owned by the first user, the
# others members) and hands their ids, names and password
# to Schemathesis as dictionaries, so a part of the generated requests reach the success paths
# (and the user-last-owner refusal) instead of dying on "room not found".
#
# Login is fuzzed too: start the server with large --login-max-failures-per-user/-ip or the
# admin's name gets blocked. The run mutates the server (creates users and rooms, deactivates
# seeded users, may change permissions): run it on a throwaway server, after other checks.
#
# The caller's own account: while it is the only admin the server refuses to deactivate it
# (last active admin), so the token survives; after the run GET /api/v1/me must still be 200.
#
# Env: SPEC (default: the committed openapi/openapi.json), MAX_EXAMPLES (default 30),
# TIMEOUT (hard cap in seconds, default 600; a normal run takes under a minute),
# SEED (default random; printed), E2E_CACHE (venvs, default /tmp/rocketlite-e2e),
# REPORT_DIR (default: a temp dir; JUnit + HAR land there).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
: "${BASE_URL:?set BASE_URL}" "${USER_ID:?set USER_ID}" "${AUTH_TOKEN:?set AUTH_TOKEN}"
SPEC=${SPEC:-$HERE/../../openapi/openapi.json}
MAX_EXAMPLES=${MAX_EXAMPLES:-30}
TIMEOUT=${TIMEOUT:-600}
E2E_CACHE=${E2E_CACHE:-/tmp/rocketlite-e2e}
ST_VERSION=4.32.5
VENV=$E2E_CACHE/schemathesis-$ST_VERSION

if ! "$VENV/bin/st" --version 2>/dev/null | grep -q "version $ST_VERSION\$"; then
  echo "== installing schemathesis==$ST_VERSION into $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$ST_VERSION"
fi
"$VENV/bin/st" --version

WORK=$(mktemp -d /tmp/rl-schemathesis.XXXXXX)
REPORT_DIR=${REPORT_DIR:-$WORK/report}
mkdir -p "$REPORT_DIR"

echo "== seeding users and rooms"
BASE_URL=$BASE_URL USER_ID=$USER_ID AUTH_TOKEN=$AUTH_TOKEN "$VENV/bin/python" - "$WORK/schemathesis.toml" <<'PY'
import json, os, secrets, sys, urllib.request, urllib.error

base, uid, tok = os.environ["BASE_URL"].rstrip("/"), os.environ["USER_ID"], os.environ["AUTH_TOKEN"]

def call(method, path, body=None, auth=(uid, tok)):
    req = urllib.request.Request(base + path, method=method,
                                 data=None if body is None else json.dumps(body).encode())
    req.add_header("Content-Type", "application/json")
    if auth:
        req.add_header("X-User-Id", auth[0]); req.add_header("X-Auth-Token", auth[1])
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        sys.exit(f"seeding: {method} {path} -> {e.code} {e.read().decode()[:300]}")

sfx = secrets.token_hex(3)
password = f"Fz-pass-{sfx}"
users = {}
for tag in "abc":
    name = f"fz{sfx}{tag}"
    r = call("POST", "/api/v1/users.create",
             {"username": name, "email": f"{name}@example.org", "name": f"Fuzz {tag}", "password": password})
    users[name] = r["user"]["_id"]
owner = f"fz{sfx}a"
login = call("POST", "/api/v1/login", {"user": owner, "password": password}, auth=None)["data"]
oauth = (login["userId"], login["authToken"])
members = [f"fz{sfx}b", f"fz{sfx}c"]
chan = call("POST", "/api/v1/channels.create", {"name": f"fz{sfx}chan", "members": members}, auth=oauth)["channel"]["_id"]
grp = call("POST", "/api/v1/groups.create", {"name": f"fz{sfx}grp", "members": members}, auth=oauth)["group"]["_id"]
print(f"seeded users {sorted(users)} (password {password}), channel {chan}, group {grp}")

fresh = [f"fz{sfx}n{i}" for i in range(40)]
def values(xs):
    return "[" + ", ".join(json.dumps(x) for x in xs) + "]"
toml = f"""
# Written by tests/e2e/schemathesis.sh for one run.
[dictionaries.user_ids]
values = {values(list(users.values()))}
[dictionaries.room_ids]
values = {values([chan, grp])}
[dictionaries.usernames]
values = {values(list(users) + fresh)}
[dictionaries.logins]
values = {values(list(users))}
[dictionaries.emails]
values = {values([f"{n}@example.org" for n in fresh] + [f"{owner}@example.org"])}
[dictionaries.names]
values = {values([f"fz{sfx}r{i}" for i in range(40)])}
[dictionaries.passwords]
values = {values([password])}

[parameters]
"query.roomId" = {{ dictionary = "room_ids", probability = 0.6 }}
"body.roomId" = {{ dictionary = "room_ids", probability = 0.6 }}
"query.userId" = {{ dictionary = "user_ids", probability = 0.6 }}
"body.userId" = {{ dictionary = "user_ids", probability = 0.6 }}
"query.username" = {{ dictionary = "logins", probability = 0.5 }}
"body.username" = {{ dictionary = "usernames", probability = 0.6 }}
"body.user" = {{ dictionary = "logins", probability = 0.6 }}
"body.email" = {{ dictionary = "emails", probability = 0.6 }}
"body.name" = {{ dictionary = "names", probability = 0.6 }}
"body.password" = {{ dictionary = "passwords", probability = 0.6 }}
"body.members[*]" = {{ dictionary = "usernames", probability = 0.5 }}
"""
open(sys.argv[1], "w").write(toml)
PY

SEED_ARGS=()
[ -n "${SEED:-}" ] && SEED_ARGS=(--seed "$SEED")

echo "== schemathesis run (at most $MAX_EXAMPLES examples per operation and phase)"
set +e
(cd "$WORK" && timeout "$TIMEOUT" "$VENV/bin/st" --config-file "$WORK/schemathesis.toml" --no-color run "$SPEC" \
  --url "$BASE_URL" \
  -H "X-User-Id: $USER_ID" -H "X-Auth-Token: $AUTH_TOKEN" \
  --exclude-operation-id logout --exclude-operation-id usersLogout \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --max-examples "$MAX_EXAMPLES" --workers 1 \
  --continue-on-failure --generation-database none --request-timeout 30 \
  --report junit,har --report-dir "$REPORT_DIR" \
  "${SEED_ARGS[@]}")
rc=$?
set -e

# Did the run lock its own caller out (for example by deactivating the admin)? Then every
# later request got 401 and the run proved less than it claims.
me=$(curl -s -o /dev/null -w '%{http_code}' "$BASE_URL/api/v1/me" -H "X-User-Id: $USER_ID" -H "X-Auth-Token: $AUTH_TOKEN")
if [ "$me" != 200 ]; then
  echo "!! the caller's token no longer works after the run (GET /api/v1/me -> $me)"
  rc=1
fi
echo "== reports in $REPORT_DIR"
if [ "$rc" = 0 ]; then echo "schemathesis: PASSED"; else echo "schemathesis: FAILED (exit $rc)"; fi
exit "$rc"
