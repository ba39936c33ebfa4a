#!/usr/bin/env bash
# Installs what test/package/ runs the packed package on: Node 22 and 24, Bun, Deno and Miniflare (workerd) from
# the npm registry into .cache/runtimes/, pinned by scripts/runtimes/package-lock.json, and Debian's Chromium.
# Run again, it does nothing unless the lockfile changed. `npm run runtimes` runs it; .ci/run does too.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=.cache/runtimes
lock=scripts/runtimes/package-lock.json
if cmp -s "$lock" "$dir/package-lock.json" && [ -d "$dir/node_modules" ]; then
  echo "runtimes: $dir is up to date"
else
  start=$SECONDS
  rm -rf "$dir"
  mkdir -p "$dir"
  cp scripts/runtimes/package.json "$lock" "$dir/"
  # miniflare asks for Node 22+, so npm on Node 20 warns EBADENGINE: the tests run it on the Node 22 binary.
  (cd "$dir" && npm ci --no-audit --no-fund --prefer-offline)
  echo "runtimes: installed into $dir in $((SECONDS - start)) s"
fi

if [ -x /usr/bin/chromium ]; then
  echo "runtimes: $(/usr/bin/chromium --version 2>/dev/null)"
elif [ "$(id -u)" = 0 ]; then
  start=$SECONDS
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  echo "runtimes: $(/usr/bin/chromium --version 2>/dev/null) installed in $((SECONDS - start)) s"
else
  echo 'runtimes: no /usr/bin/chromium; as root: apt-get update && apt-get install -y chromium' >&2
  exit 1
fi
