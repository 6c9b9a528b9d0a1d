"""Check that the lock files agree with pyproject.toml, offline.

`make lock` writes requirements/test.txt (runtime and test dependencies) and requirements/run.txt
(runtime only), each entry annotated with what asked for it. The entries pyproject.toml asked for
must be exactly its pins: a dependency added, changed or removed in pyproject.toml without
`make lock` fails here, naming it.

Usage: python scripts/check_lock.py [ROOT]   (exit 1 and a list of differences when they disagree)
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

PROJECT_MARK = "(pyproject.toml)"
LOCKS = {"requirements/run.txt": ("runtime",), "requirements/test.txt": ("runtime", "test")}

_PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[(?P<extras>[^\]]*)\])?==(?P<version>[^\s;\\]+)")


def normalized(name: str) -> str:
    """PEP 503: `Flask_SQLAlchemy` and `flask-sqlalchemy` are one package."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_pin(text: str) -> tuple[str, tuple[str, frozenset[str]]] | None:
    """`"psycopg[binary]==3.3.9"` -> `("psycopg", ("3.3.9", {"binary"}))`; None when not an exact pin."""
    match = _PIN.match(text.strip())
    if match is None:
        return None
    extras = frozenset(normalized(extra) for extra in (match["extras"] or "").split(",") if extra.strip())
    return normalized(match["name"]), (match["version"], extras)


Pins = dict[str, tuple[str, frozenset[str]]]


def project_pins(pyproject: Path) -> tuple[dict[str, Pins], list[str]]:
    """The direct pins per group ("runtime", "test"), and the requirements that are not exact pins."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    groups = {"runtime": project.get("dependencies", []), **project.get("optional-dependencies", {})}
    pins: dict[str, Pins] = {}
    loose = []
    for group, requirements in groups.items():
        pins[group] = {}
        for requirement in requirements:
            parsed = parse_pin(requirement)
            if parsed is None or ";" in requirement:
                loose.append(requirement)
            else:
                pins[group][parsed[0]] = parsed[1]
    return pins, loose


def locked_direct_pins(lock: Path) -> Pins:
    """The lock's entries whose `# via` annotation names the project itself."""
    direct: Pins = {}
    current: tuple[str, tuple[str, frozenset[str]]] | None = None
    for line in lock.read_text(encoding="utf-8").splitlines():
        if line and not line[0].isspace() and not line.startswith("#"):
            current = parse_pin(line)
        elif current is not None and line.lstrip().startswith("#") and PROJECT_MARK in line:
            direct[current[0]] = current[1]
    return direct


def _describe(name: str, pin: tuple[str, frozenset[str]]) -> str:
    version, extras = pin
    return f"{name}[{','.join(sorted(extras))}]=={version}" if extras else f"{name}=={version}"


def differences(root: Path) -> list[str]:
    pins, loose = project_pins(root / "pyproject.toml")
    problems = [f"pyproject.toml: {requirement!r} is not an exact pin (name==version)" for requirement in loose]
    for lock_name, groups in LOCKS.items():
        lock = root / lock_name
        if not lock.is_file():
            problems.append(f"{lock_name} is missing")
            continue
        wanted: Pins = {}
        for group in groups:
            wanted.update(pins.get(group, {}))
        locked = locked_direct_pins(lock)
        for name in sorted(wanted.keys() | locked.keys()):
            if name not in locked:
                problems.append(f"{lock_name}: {_describe(name, wanted[name])} is in pyproject.toml, not in the lock")
            elif name not in wanted:
                problems.append(f"{lock_name}: {_describe(name, locked[name])} is locked but not in pyproject.toml")
            elif locked[name] != wanted[name]:
                problems.append(
                    f"{lock_name}: pyproject.toml pins {_describe(name, wanted[name])}, "
                    f"the lock has {_describe(name, locked[name])}"
                )
    return problems


def main(argv: list[str]) -> int:
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parents[1]
    problems = differences(root)
    if problems:
        print("The lock files disagree with pyproject.toml; run `make lock` and commit the result:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"Lock files agree with pyproject.toml ({', '.join(LOCKS)}).")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
