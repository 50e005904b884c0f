# Sourced by scripts/demo and scripts/test: make .venv (once) and install Qorgau with the
# pinned versions of requirements.lock, and with QORGAU_EXTRAS=test those of requirements-dev.lock
# too (again only when pyproject.toml or a lock changed).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

PY="$(command -v python3.11 || command -v python3 || true)"
if [ -z "$PY" ]; then
  echo "Qorgau needs Python 3.11 or newer (Debian: apt-get install python3 python3-venv)." >&2
  exit 1
fi
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
  echo "Qorgau needs Python 3.11 or newer; $PY is $("$PY" --version)." >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then
  if ! "$PY" -m venv .venv 2>/dev/null; then
    echo "Installing Debian's python3-venv to make a virtual environment..." >&2
    as_root apt-get update -qq && as_root apt-get install -y -qq python3-venv
    rm -rf .venv && "$PY" -m venv .venv
  fi
fi

EXTRAS="${QORGAU_EXTRAS:-}"
LOCKS=(-c requirements.lock)
if [ -n "$EXTRAS" ]; then LOCKS+=(-c requirements-dev.lock); fi
STAMP=".venv/.stamp-$(cat pyproject.toml requirements.lock requirements-dev.lock | sha256sum | cut -c1-16)${EXTRAS:+-$EXTRAS}"
if [ ! -f "$STAMP" ]; then
  echo "Installing Qorgau and its pinned dependencies into .venv ..." >&2
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install -q --disable-pip-version-check "${LOCKS[@]}" -e ".${EXTRAS:+[$EXTRAS]}"
  rm -f .venv/.stamp-* && touch "$STAMP"
fi
export PATH="$ROOT/.venv/bin:$PATH"
