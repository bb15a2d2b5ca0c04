#!/usr/bin/env bash
# Make sure axe-core (the accessibility engine the browser tests inject into every
# dashboard page, tests/e2e/test_accessibility.py) is installed from the npm registry into
# .cache/axe/ (git-ignored). Idempotent: nothing is fetched when the pinned release line
# is already there. Never served by the app, never loaded from a CDN.
set -euo pipefail

AXE_RANGE="${AXE_RANGE:-~4.11.4}"   # axe-core 4.11.x (WCAG 2.1 AA rules); bump deliberately
AXE_LINE="${AXE_RANGE#\~}"; AXE_LINE="${AXE_LINE%.*}"   # "4.10"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PREFIX="$ROOT/.cache/axe"
PACKAGE="$PREFIX/node_modules/axe-core"

installed() {
  [ -f "$PACKAGE/axe.min.js" ] && [ -f "$PACKAGE/package.json" ] || return 1
  local version
  version="$(sed -n 's/^[[:space:]]*"version":[[:space:]]*"\([^"]*\)".*/\1/p' "$PACKAGE/package.json" | head -1)"
  [ "${version%.*}" = "$AXE_LINE" ]
}

if installed; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "ensure_axe: npm is missing (install Node.js/npm: apt-get install npm)" >&2
  exit 1
fi
mkdir -p "$PREFIX"
[ -f "$PREFIX/package.json" ] || echo '{"private": true}' > "$PREFIX/package.json"
npm install --prefix "$PREFIX" --no-audit --no-fund --loglevel=error "axe-core@$AXE_RANGE"
if ! installed; then
  echo "ensure_axe: installed, but $PACKAGE/axe.min.js ($AXE_LINE.x) is still missing" >&2
  exit 1
fi
echo "ensure_axe: axe-core $(sed -n 's/^[[:space:]]*"version":[[:space:]]*"\([^"]*\)".*/\1/p' "$PACKAGE/package.json" | head -1)"
