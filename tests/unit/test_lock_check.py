"""`make check` refuses a pyproject.toml whose dependencies moved without `make lock`."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("check_lock", ROOT / "scripts" / "check_lock.py")
assert _spec is not None and _spec.loader is not None
check_lock = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_lock)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the repository's pyproject.toml and lock files, to edit."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(ROOT / "requirements", tmp_path / "requirements")
    return tmp_path


def edit_pyproject(project: Path, old: str, new: str) -> None:
    path = project / "pyproject.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_committed_locks_agree_with_pyproject():
    assert check_lock.differences(ROOT) == []


def test_a_dependency_added_without_make_lock_is_named(project):
    edit_pyproject(project, '"flask==3.1.3",', '"flask==3.1.3",\n    "tabulate==0.9.0",')
    problems = check_lock.differences(project)
    assert "requirements/run.txt: tabulate==0.9.0 is in pyproject.toml, not in the lock" in problems
    assert "requirements/test.txt: tabulate==0.9.0 is in pyproject.toml, not in the lock" in problems


def test_a_test_dependency_added_without_make_lock_is_named(project):
    edit_pyproject(project, '"pytest==9.2.0",', '"pytest==9.2.0",\n    "pytest-randomly==3.16.0",')
    assert check_lock.differences(project) == [
        "requirements/test.txt: pytest-randomly==3.16.0 is in pyproject.toml, not in the lock"
    ]


def test_a_changed_pin_is_named(project):
    edit_pyproject(project, '"flask==3.1.3"', '"flask==3.1.2"')
    assert "requirements/run.txt: pyproject.toml pins flask==3.1.2, the lock has flask==3.1.3" in (
        check_lock.differences(project)
    )


def test_a_changed_extra_is_named(project):
    edit_pyproject(project, '"psycopg[binary]==3.3.9"', '"psycopg[c]==3.3.9"')
    assert (
        "requirements/run.txt: pyproject.toml pins psycopg[c]==3.3.9, the lock has psycopg[binary]==3.3.9"
        in check_lock.differences(project)
    )


def test_a_removed_dependency_is_named(project):
    edit_pyproject(project, '    "simplejson==4.3.0",\n', "")
    problems = check_lock.differences(project)
    assert "requirements/run.txt: simplejson==4.3.0 is locked but not in pyproject.toml" in problems


def test_a_loose_requirement_is_refused(project):
    edit_pyproject(project, '"flask==3.1.3"', '"flask>=3.1"')
    assert "pyproject.toml: 'flask>=3.1' is not an exact pin (name==version)" in check_lock.differences(project)


def test_the_command_line_fails_and_says_what_to_run(project, capsys):
    edit_pyproject(project, '"flask==3.1.3"', '"flask==3.1.2"')
    assert check_lock.main(["check_lock.py", str(project)]) == 1
    assert "run `make lock`" in capsys.readouterr().err
    assert check_lock.main(["check_lock.py", str(ROOT)]) == 0
