#!/usr/bin/env bash
# SCIM 2.0 compliance, checked by a tester nobody here wrote: scim2-tester (PyPI, the
# python-scim project), pinned below with its dependencies, installed once into a venv under
# $E2E_CACHE, runs every check against /scim/v2 (discovery, create, read, list, attribute
# selection, search, replace, PATCH add/replace/remove on every attribute, delete, unknown
# URLs) through tests/e2e/scim2_tester_run.py, which prints the report and fails on any ERROR.
#
#   BASE_URL=http://127.0.0.1:3000 USER_ID=... AUTH_TOKEN=... tests/e2e/scim2_tester.sh
#
# USER_ID/AUTH_TOKEN are an admin's session: it creates a SCIM token for the run with
# rocketlite.scimTokens.create and revokes it afterwards. The users the tester creates it
# deletes again. Env: E2E_CACHE (default /tmp/rocketlite-e2e).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
: "${BASE_URL:?set BASE_URL}" "${USER_ID:?set USER_ID}" "${AUTH_TOKEN:?set AUTH_TOKEN}"
E2E_CACHE=${E2E_CACHE:-/tmp/rocketlite-e2e}
TESTER_VERSION=0.5.2
PINS=(
  "scim2-tester==$TESTER_VERSION" scim2-client==0.13.2 scim2-models==0.12.3
  httpx2==2.16.2 httpcore2==2.16.2 anyio==4.16.0 h11==0.16.0 truststore==0.10.5
  pydantic==2.14.4 pydantic_core==2.50.5 annotated-types==0.8.0 typing-inspection==0.4.5
  typing_extensions==4.16.0 email-validator==2.4.0 dnspython==2.9.2 idna==3.20 lark==1.3.1
)
VENV=$E2E_CACHE/scim2-tester-$TESTER_VERSION
STAMP=$VENV/.rocketlite-pins

python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' \
  || { echo "!! Python 3.10 or newer is required (found $(python3 --version))"; exit 2; }

if [ "$(cat "$STAMP" 2>/dev/null)" != "${PINS[*]}" ]; then
  echo "== installing ${PINS[*]} into $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "${PINS[@]}"
  echo "${PINS[*]}" > "$STAMP"
else
  echo "== using $VENV (scim2-tester $TESTER_VERSION)"
fi

api() {
  curl -sS "$BASE_URL/api/v1/$1" -H "X-User-Id: $USER_ID" -H "X-Auth-Token: $AUTH_TOKEN" \
    -H 'Content-Type: application/json' "${@:2}"
}
created=$(api rocketlite.scimTokens.create -d '{"name":"scim2-tester e2e"}')
read -r TOKEN_ID SCIM_TOKEN < <(printf '%s' "$created" | python3 -c \
  'import sys, json; d = json.load(sys.stdin); print(d["token"]["_id"], d["secret"])') \
  || { echo "!! rocketlite.scimTokens.create failed: $created"; exit 1; }
trap 'api rocketlite.scimTokens.revoke -d "{\"tokenId\":\"$TOKEN_ID\"}" >/dev/null || true' EXIT

echo "== running scim2-tester against $BASE_URL/scim/v2"
BASE_URL=$BASE_URL SCIM_TOKEN=$SCIM_TOKEN "$VENV/bin/python" "$HERE/scim2_tester_run.py"
