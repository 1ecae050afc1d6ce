"""Pure modules load without the web stack: a fresh interpreter that imports one
of them has none of Flask, SQLAlchemy, Werkzeug or Jinja in sys.modules."""

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# The "pure" contract in pyproject.toml is the one list (lint-imports checks it
# statically); this test proves it at run time, imports of imports included.
PURE_MODULES = next(
    contract["source_modules"]
    for contract in tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    ["tool"]["importlinter"]["contracts"] if contract["id"] == "pure")
WEB_STACK = ["flask", "sqlalchemy", "werkzeug", "flask_sqlalchemy", "jinja2"]

PROBE = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(name for name in sys.argv[2:] if name in sys.modules)))
"""


def _web_modules_loaded_by(module: str) -> list[str]:
    completed = subprocess.run(
        [sys.executable, "-c", PROBE, module, *WEB_STACK],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


@pytest.mark.parametrize("module", PURE_MODULES)
def test_pure_module_imports_without_web_stack(module):
    assert _web_modules_loaded_by(module) == []


def test_probe_notices_web_stack_when_a_module_pulls_it_in():
    """The probe itself works: importing the app factory module loads Flask."""
    assert "flask" in _web_modules_loaded_by("reviewapp.app")
