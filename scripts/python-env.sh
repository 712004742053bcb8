# Sourced by install-test-deps.sh and test.sh: the Python environment the tests run in.
# An activated virtual environment is used as it is, so a contributor's own venv gets the
# locked packages; without one, the project keeps its own in .venv/.
TEST_ENV="${VIRTUAL_ENV:-$PWD/.venv}"
PYTHON="$TEST_ENV/bin/python"
# uv installs into this environment rather than into a .venv of its own choosing.
export UV_PROJECT_ENVIRONMENT="$TEST_ENV"
