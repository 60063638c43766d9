#!/usr/bin/env bash
# Install everything the tests need (CPU torch first, then the package with its test extras and
# the browser for the UI test), then run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install --quiet --disable-pip-version-check torch==2.13.0
python -m pip install --quiet --disable-pip-version-check -e ".[test]"
if [ -f scripts/install_browser.sh ]; then
    bash scripts/install_browser.sh || echo "browser install failed: the browser test will skip"
fi
python -m pytest -q -m "not slow" "$@"
