#!/usr/bin/env bash
# A real Rocket.Chat client against a live rocketlite: the community Python package
# rocketchat-API (PyPI, import name rocketchat_API, class RocketChat), pinned below with its
# dependencies, installed once into a venv under $E2E_CACHE, runs
# tests/e2e/rc_python_client_story.py: every served operation the client has a method for,
# including the last-owner refusal arriving as the client's RocketApiException.
#
#   BASE_URL=http://127.0.0.1:3000 ADMIN_PASS=... CREATE_TOKENS_FOR_USERS_SECRET=... \
#     [ADMIN_USER=admin] tests/e2e/rc_python_client.sh
#
# Creates users, a channel and a group (named with a random suffix) and changes only those,
# apart from one permission that it changes and restores. Env: E2E_CACHE (default
# /tmp/rocketlite-e2e).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
: "${BASE_URL:?set BASE_URL}" "${ADMIN_PASS:?set ADMIN_PASS}"
E2E_CACHE=${E2E_CACHE:-/tmp/rocketlite-e2e}
CLIENT_VERSION=3.7.1
# The client and everything it pulls in, so a run next year installs the same code.
PINS=(
  "rocketchat-API==$CLIENT_VERSION"
  requests==2.34.2 urllib3==2.8.0 idna==3.20 charset-normalizer==3.5.3
  certifi==2026.10.19.post1 packaging==26.4
)
VENV=$E2E_CACHE/rc-python-client-$CLIENT_VERSION
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
  echo "== using $VENV (rocketchat-API $CLIENT_VERSION)"
fi

echo "== running the story against $BASE_URL"
BASE_URL=$BASE_URL ADMIN_PASS=$ADMIN_PASS ADMIN_USER=${ADMIN_USER:-admin} \
  "$VENV/bin/python" "$HERE/rc_python_client_story.py"
