#!/usr/bin/env bash
# Make sure Debian's Chromium (and its driver) are installed for the browser tests.
# Playwright drives /usr/bin/chromium directly; nothing is downloaded by Playwright itself.
# Runs `apt-get update` only when the packages cannot be found in the current lists.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "ensure_chromium: /usr/bin/chromium is missing and we are not root (no sudo)" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
if ! apt-cache show chromium >/dev/null 2>&1 || ! apt-cache show chromium-driver >/dev/null 2>&1; then
  $SUDO apt-get update -q
fi
if ! $SUDO apt-get install -y -q --no-install-recommends chromium chromium-driver; then
  # stale package lists: refresh once and retry
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends chromium chromium-driver
fi

if [ ! -x /usr/bin/chromium ]; then
  echo "ensure_chromium: installed, but /usr/bin/chromium is still missing" >&2
  exit 1
fi
echo "ensure_chromium: $(/usr/bin/chromium --version 2>/dev/null || echo chromium installed)"
