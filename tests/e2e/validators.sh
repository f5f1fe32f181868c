#!/usr/bin/env bash
# Rocket.Chat's own request validators against a live rocketlite. The ajv validators of
# @rocket.chat/rest-typings 8.8.1 (npm, pinned in validators/package-lock.json, bundled by
# esbuild because Node 20 cannot load the package's dist/) and the server get the same inputs
# (validators/corpus.json, written by validators/gen-corpus.mjs); each case agrees when the
# validator accepts exactly what rocketlite does not refuse with 400 invalid-params.
# Disagreements listed under docs/compatibility.md's "Validator differences" heading are documented; any
# other one fails the check. See validators/validators.mjs for the details.
#
#   BASE_URL=http://127.0.0.1:3000 USER_ID=... AUTH_TOKEN=... tests/e2e/validators.sh [--verbose] [--propose] [--only=op,op]
#
# USER_ID/AUTH_TOKEN must belong to an admin. Creates users, a channel and a group (named with
# a random suffix), changes only those. Installs its npm packages with `npm ci` into
# tests/e2e/validators/node_modules and builds validators/dist/ once per lockfile; both are
# reused afterwards. Env: REPORT (the JSON report of every case, default /tmp/rl-validators-*.json),
# README (default: the repository's docs/compatibility.md).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
DIR=$HERE/validators
: "${BASE_URL:?set BASE_URL}" "${USER_ID:?set USER_ID}" "${AUTH_TOKEN:?set AUTH_TOKEN}"

node -e 'process.exit(+process.versions.node.split(".")[0] >= 18 ? 0 : 1)' \
  || { echo "!! Node.js 18 or newer is required (found $(node --version))"; exit 2; }

hash_of() { cat "$@" | sha256sum | cut -d' ' -f1; }

# npm packages: once per lockfile.
lock=$(hash_of "$DIR/package-lock.json")
if [ "$(cat "$DIR/node_modules/.rocketlite-lock" 2>/dev/null)" != "$lock" ]; then
  echo "== installing @rocket.chat/rest-typings and esbuild (npm ci) into $DIR/node_modules"
  # @rocket.chat/message-parser asks for Node 22 but runs on 20: keep that a warning.
  (cd "$DIR" && npm ci --no-audit --no-fund --loglevel=error --engine-strict=false)
  echo "$lock" > "$DIR/node_modules/.rocketlite-lock"
fi

# The bundle: once per lockfile and entry.
bundle=$(hash_of "$DIR/package-lock.json" "$DIR/entry.mjs")
if [ "$(cat "$DIR/dist/.rocketlite-bundle" 2>/dev/null)" != "$bundle" ]; then
  echo "== bundling the validators (esbuild) into $DIR/dist"
  rm -rf "$DIR/dist"
  (cd "$DIR" && ./node_modules/.bin/esbuild entry.mjs --bundle --platform=node --target=node18 \
    --format=cjs --outfile=dist/rest-typings.cjs --log-level=warning)
  echo "$bundle" > "$DIR/dist/.rocketlite-bundle"
fi

echo "== running $(node -p "require('$DIR/corpus.json').cases.length") cases against $BASE_URL"
node "$DIR/validators.mjs" "$@"
