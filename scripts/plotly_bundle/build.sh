#!/usr/bin/env bash
# Rebuild src/revlake/web/static/plotly-revlake.min.js: plotly.js (the version the
# installed Python plotly ships, pinned in package.json and package-lock.json) with only
# the trace types in entry.js, minified by esbuild. Needs node and npm (the npm registry);
# the output is committed, so neither is needed to install or run revlake.
#   bash scripts/plotly_bundle/build.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/../../src/revlake/web/static/plotly-revlake.min.js"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$here/package.json" "$here/package-lock.json" "$here/entry.js" "$work/"
cd "$work"
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
version="$(node -p "require('plotly.js/package.json').version")"
# The maplibre stylesheet plotly.js requires for map traces only is left out (.css=empty).
npx --no-install esbuild entry.js --bundle --minify --format=iife --global-name=Plotly \
  --target=es2016 --define:global=window --define:define.amd=false \
  --define:process.env.NODE_DEBUG=false --loader:.css=empty --legal-comments=eof \
  --banner:js="/*! plotly.js v$version (MIT License, Plotly, Inc.): revlake's partial bundle (bar, scatter, heatmap, funnel, waterfall), built by scripts/plotly_bundle/build.sh */" \
  --log-level=warning --outfile="$out"
echo "wrote $out ($(wc -c <"$out") bytes, plotly.js v$version)"
