#!/bin/sh
# Install everything the test suite needs on a fresh machine, then run it.
# The browser tests drive Debian's Chromium (never a downloaded browser).
set -eu
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'
if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
        echo "scripts/test.sh: chromium is not installed; browser tests will be skipped (apt-get install chromium)" >&2
    fi
fi
exec python3 -m pytest -q "$@"
