#!/usr/bin/env bash
# Installs the test dependencies, then runs pytest with the given arguments.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-test-deps.sh

source scripts/python-env.sh
status=0
"$PYTHON" -m pytest "$@" || status=$?

# pytest exits with 5 when it collected nothing, which would otherwise pass for a green run.
if [[ $status -eq 5 ]]; then
    echo "test.sh: pytest collected no tests (exit status 5); failing, because a run that tests nothing proves nothing" >&2
    exit 1
fi
exit "$status"
