#!/usr/bin/env bash
# End-to-end checks of a built rocketlite binary, for CI after the Rust build:
#
#   tests/e2e/run.sh target/debug/rocketlite
#
# Starts the binary on 127.0.0.1 with a random free port, a fresh data directory and a random
# admin password, waits for GET /api/info, logs in, then runs in sequence
#   deploy.sh       the systemd unit, the nginx example and the container health check
#   python_sdk.sh   a Python client generated from openapi/openapi.json tells a user story
#   swagger_ui.sh   Chromium drives /docs: Authorize, Try it out, Execute
#   validators.sh   Rocket.Chat 8.8.1's own request validators against the same inputs
#   rc_python_client.sh, rc_node_client.sh  real Rocket.Chat clients (PyPI rocketchat-API,
#                   npm @rocket.chat/api-client) tell a story through every served operation
#   scim2_tester.sh SCIM 2.0 compliance of /scim/v2 by PyPI's scim2-tester
#   schemathesis.sh property-based fuzzing of every operation but logout against the spec
# (Schemathesis last: it mutates the server the most.) Stops the server and exits non-zero if
# any check failed. Each check installs what it needs (apt chromium, pip venvs under
# $E2E_CACHE, npm playwright-core in tests/e2e/node_modules) and skips what is already there.
# Env: E2E_CACHE (default /tmp/rocketlite-e2e), E2E_CHECKS (default: every check above
# in that order), SCREENSHOT, MAX_EXAMPLES.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
BIN=${1:?usage: tests/e2e/run.sh PATH-TO-ROCKETLITE-BINARY}
[ -x "$BIN" ] || { echo "not an executable: $BIN"; exit 2; }
export E2E_CACHE=${E2E_CACHE:-/tmp/rocketlite-e2e}
CHECKS=${E2E_CHECKS:-spec_lint deploy validators rc_python_client rc_node_client python_sdk rust_sdk swagger_ui scim2_tester schemathesis}
mkdir -p "$E2E_CACHE"

# Tools the checks need from the machine itself.
if ! command -v java >/dev/null; then
  echo "== installing a Java runtime (apt-get)"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq default-jre-headless >/dev/null
fi
for tool in python3 node npm curl java; do
  command -v "$tool" >/dev/null || { echo "!! $tool is required"; exit 2; }
done

WORK=$(mktemp -d /tmp/rl-e2e.XXXXXX)
export WORK
cp "$BIN" "$WORK/rocketlite"   # a copy, so a rebuild cannot swap the binary under the run
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export BASE_URL="http://127.0.0.1:$PORT"
export ADMIN_USER=admin
export ADMIN_PASS="e2e-$(head -c12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
# users.createToken's secret, for the stories that mint a token.
export CREATE_TOKENS_FOR_USERS_SECRET="e2e-$(head -c12 /dev/urandom | od -An -tx1 | tr -d ' \n')"

echo "== starting $BIN on $BASE_URL (data in $WORK/data, log in $WORK/server.log)"
# Schemathesis fuzzes login too: lift the brute-force blocking so admin is not locked out.
# The REST rate limiter is off, as Rocket.Chat's own client suites run it (every check here
# comes from one address); tests/api/rate_limit.rs covers it.
OVERWRITE_SETTING_API_Enable_Rate_Limiter=false \
ADMIN_USERNAME=$ADMIN_USER ADMIN_PASS=$ADMIN_PASS "$WORK/rocketlite" --listen "127.0.0.1:$PORT" \
  --data-dir "$WORK/data" \
  --login-max-failures-per-user 1000000 --login-max-failures-per-ip 1000000 \
  > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
stop_server() {
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  wait "$SERVER_PID" 2>/dev/null
  rm -f "$WORK/rocketlite"
}
trap stop_server EXIT

up=""
for _ in $(seq 150); do
  if curl -sf "$BASE_URL/api/info" >/dev/null 2>&1; then up=1; break; fi
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.2
done
if [ -z "$up" ]; then
  echo "!! the server did not answer GET /api/info"; tail -n 50 "$WORK/server.log"; exit 1
fi

login=$(curl -sS "$BASE_URL/api/v1/login" -H 'Content-Type: application/json' \
  -d "{\"user\":\"$ADMIN_USER\",\"password\":\"$ADMIN_PASS\"}")
read -r USER_ID AUTH_TOKEN < <(printf '%s' "$login" | python3 -c \
  'import sys, json; d = json.load(sys.stdin)["data"]; print(d["userId"], d["authToken"])') \
  || { echo "!! login failed: $login"; exit 1; }
export USER_ID AUTH_TOKEN
echo "== logged in as $ADMIN_USER ($USER_ID)"

passed=0; failed=0; summary=()
for check in $CHECKS; do
  echo
  echo "==================== $check ===================="
  start=$SECONDS
  bash "$HERE/$check.sh"
  rc=$?
  took=$((SECONDS - start))
  if [ "$rc" = 0 ]; then passed=$((passed + 1)); summary+=("PASS $check (${took}s)")
  else failed=$((failed + 1)); summary+=("FAIL $check (${took}s, exit $rc)"); fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "!! the server died during $check"; tail -n 50 "$WORK/server.log"; failed=$((failed + 1)); break
  fi
done

stop_server
if grep -qi 'panic' "$WORK/server.log"; then
  echo "!! the server log mentions a panic:"; grep -i -m5 -A3 'panic' "$WORK/server.log"
  failed=$((failed + 1)); summary+=("FAIL server log has a panic")
fi

echo
echo "==================== e2e summary ===================="
printf '  %s\n' "${summary[@]}"
echo "  server log: $WORK/server.log"
echo "e2e: $passed passed, $failed failed"
[ "$failed" = 0 ]
