#!/usr/bin/env bash
# A real Rocket.Chat client against a live rocketlite: Rocket.Chat's own REST client,
# @rocket.chat/api-client 0.2.57 (npm, pinned in rc-node-client/package-lock.json), the
# `RestClient` class of its web app, runs rc-node-client/story.mjs: every served operation,
# including the last-owner refusal arriving as the client's rejection (the fetch Response,
# errorType user-last-owner) and the confirmRelinquish handover.
#
#   BASE_URL=http://127.0.0.1:3000 ADMIN_PASS=... [ADMIN_USER=admin] tests/e2e/rc_node_client.sh
#
# Creates users, a channel and a group (named with a random suffix) and changes only those,
# apart from one permission that it changes and restores. Installs its npm packages with
# `npm ci` into tests/e2e/rc-node-client/node_modules once per lockfile. The package ships
# CommonJS (dist/index.js), so Node loads it as it is: no bundling. Its type-only dependency
# @rocket.chat/core-typings names typia with a Yarn-only `patch:` spec that npm cannot parse,
# hence `"overrides": {"typia": "9.7.2"}` in package.json.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
DIR=$HERE/rc-node-client
: "${BASE_URL:?set BASE_URL}" "${ADMIN_PASS:?set ADMIN_PASS}"

# Node 20: the client uses the global fetch, FormData and File.
node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' \
  || { echo "!! Node.js 20 or newer is required (found $(node --version))"; exit 2; }

lock=$(sha256sum "$DIR/package.json" "$DIR/package-lock.json" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$DIR/node_modules/.rocketlite-lock" 2>/dev/null)" != "$lock" ]; then
  echo "== installing @rocket.chat/api-client (npm ci) into $DIR/node_modules"
  # @rocket.chat/message-parser asks for Node 22 but is never loaded: keep that a warning.
  (cd "$DIR" && npm ci --no-audit --no-fund --loglevel=error --engine-strict=false)
  echo "$lock" > "$DIR/node_modules/.rocketlite-lock"
else
  echo "== using $DIR/node_modules"
fi
echo "== @rocket.chat/api-client $(node -p "require('$DIR/node_modules/@rocket.chat/api-client/package.json').version")"

echo "== running the story against $BASE_URL"
cd "$DIR"
BASE_URL=$BASE_URL ADMIN_PASS=$ADMIN_PASS ADMIN_USER=${ADMIN_USER:-admin} node story.mjs
