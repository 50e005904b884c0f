"""The import layers hold (pyproject.toml, [tool.importlinter]), and they would catch a wrong
import: the same contracts run over a scratch copy of the source with deliberate violations."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

pytestmark = pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is not installed")


def _lint(project: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(project / "src")}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_contracts_hold() -> None:
    run = _lint(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


# (file, line added to it, what the report must name): one wrong import of each kind.
WRONG_IMPORTS = [
    # the kernel's web kit reaching into a room
    ("web/render.py", "from qorgau.nrm import labels as _wrong", "qorgau.web.render -> qorgau.nrm.labels"),
    # the audit room reaching up to accounts (the cycle of old)
    ("audit/service.py", "from qorgau.auth import service as _wrong", "qorgau.audit.service -> qorgau.auth"),
    # plumbing knowing a domain
    ("config.py", "from qorgau.screening import profiles as _wrong", "qorgau.config -> qorgau.screening"),
    # a room reaching up to a room built on it
    ("nrm/service.py", "from qorgau.screening import service as _wrong", "qorgau.nrm.service -> qorgau"),
    # two independent rooms
    ("fund/service.py", "from qorgau.nrm import service as _wrong", "qorgau.fund.service -> qorgau.nrm"),
    # another room's internals rather than its public API
    ("screening/service.py", "from qorgau.nrm.models import Case as _wrong", "qorgau.nrm.models"),
    # a room into the composition root
    ("auth/service.py", "from qorgau import app as _wrong", "qorgau.auth.service -> qorgau.app"),
]


def test_a_wrong_import_breaks_them(tmp_path: Path) -> None:
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(
        ROOT / "src" / "qorgau",
        tmp_path / "src" / "qorgau",
        ignore=shutil.ignore_patterns("locale", "templates", "static", "__pycache__", "*.json"),
    )
    package = tmp_path / "src" / "qorgau"
    for file, line, _named in WRONG_IMPORTS:
        with (package / file).open("a", encoding="utf-8") as f:
            f.write(f"\n{line}  # noqa\n")
    # A room to come, born into the structure: its contracts hold from its first import.
    (package / "exchange").mkdir()
    (package / "exchange" / "__init__.py").write_text("from qorgau.screening import service  # noqa\n")

    run = _lint(tmp_path)
    assert run.returncode == 1, run.stdout + run.stderr
    for _file, _line, named in WRONG_IMPORTS:
        assert named in run.stdout, f"{named} not reported:\n{run.stdout}"
    assert "qorgau.exchange" in run.stdout
