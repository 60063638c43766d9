#!/usr/bin/env bash
# Install what the browser test needs: Debian's chromium + chromium-driver (apt) and Playwright
# (PyPI, used only as a driver; it never downloads a browser). Safe to run twice.
# Usage: scripts/install_browser.sh        (as root, or with sudo available)
set -euo pipefail

if [ ! -x /usr/bin/chromium ]; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update
    $SUDO apt-get install -y chromium chromium-driver
else
    echo "chromium already installed: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
fi

PYTHON="${PYTHON:-python}"
if ! "$PYTHON" -c "import playwright" 2>/dev/null; then
    "$PYTHON" -m pip install "playwright>=1.40"
fi
echo "browser test ready: /usr/bin/chromium + playwright (no 'playwright install' needed)"
