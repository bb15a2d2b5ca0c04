#!/usr/bin/env bash
# Make a Java runtime (17+) available for the Spark parity tests (pyspark needs one).
# Idempotent: does nothing when `java` is on PATH; otherwise installs Debian's headless JRE.
set -euo pipefail
if command -v java >/dev/null 2>&1; then
    echo "ensure_java: $(java -version 2>&1 | head -n 1)"
    exit 0
fi
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
echo "ensure_java: no java on PATH; installing Debian's openjdk-17-jre-headless"
export DEBIAN_FRONTEND=noninteractive
as_root apt-get update -qq
as_root apt-get install -y -qq openjdk-17-jre-headless >/dev/null
java -version
