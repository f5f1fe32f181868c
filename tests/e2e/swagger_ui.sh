#!/usr/bin/env bash
# Check rocketlite's Swagger UI in a real browser: Debian's Chromium driven by playwright-core
# (tests/e2e/swagger_ui.mjs). Creates a plain user with curl, then deactivates it through the
# page's Authorize dialog, "Try it out" and Execute, and reads the 200 body from the page.
#
#   BASE_URL=http://127.0.0.1:3000 USER_ID=... AUTH_TOKEN=... tests/e2e/swagger_ui.sh
#
# USER_ID/AUTH_TOKEN must belong to an admin. Env: SCREENSHOT (default /tmp/swagger-ui.png).
# Installs chromium with apt-get (as root) when missing and playwright-core (pinned in
# package.json / package-lock.json) into tests/e2e/node_modules.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
: "${BASE_URL:?set BASE_URL}" "${USER_ID:?set USER_ID}" "${AUTH_TOKEN:?set AUTH_TOKEN}"
export SCREENSHOT=${SCREENSHOT:-/tmp/swagger-ui.png}

if [ ! -x /usr/bin/chromium ]; then
  echo "== installing chromium (apt-get)"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
/usr/bin/chromium --version 2>/dev/null || true

want=$(node -p "require('$HERE/package.json').dependencies['playwright-core']")
have=$(node -p "try { require('$HERE/node_modules/playwright-core/package.json').version } catch { '' }")
if [ "$have" != "$want" ]; then
  echo "== installing playwright-core@$want into $HERE/node_modules"
  (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error)
fi

echo "== creating a plain user to deactivate"
sfx=$(head -c3 /dev/urandom | od -An -tx1 | tr -d ' \n')
name="swagger-$sfx"
resp=$(curl -sS "$BASE_URL/api/v1/users.create" -H 'Content-Type: application/json' \
  -H "X-User-Id: $USER_ID" -H "X-Auth-Token: $AUTH_TOKEN" \
  -d "{\"username\":\"$name\",\"email\":\"$name@example.org\",\"name\":\"Swagger $sfx\",\"password\":\"pw-$name\"}")
target=$(printf '%s' "$resp" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);if(!j.success)process.exit(1);console.log(j.user._id)})') \
  || { echo "!! users.create failed: $resp"; exit 1; }
echo "  created $name ($target)"

echo "== driving Swagger UI"
BASE_URL=$BASE_URL USER_ID=$USER_ID AUTH_TOKEN=$AUTH_TOKEN TARGET_USER_ID=$target \
  ADMIN_USER=$ADMIN_USER ADMIN_PASS=$ADMIN_PASS node "$HERE/swagger_ui.mjs"

# The page said so; make sure the server agrees.
state=$(curl -sS "$BASE_URL/api/v1/users.info?userId=$target" -H "X-User-Id: $USER_ID" -H "X-Auth-Token: $AUTH_TOKEN" \
  | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).user.active))')
if [ "$state" != false ]; then echo "!! users.info says active=$state after the page deactivated $name"; exit 1; fi
echo "  users.info confirms $name is inactive"
