"""pyproject.toml, environment.yml and requirements.lock agree, and `make install` uses the lock.

* environment.yml (conda users) lists the same packages and version ranges as pyproject.toml (pip).
* requirements.lock (`make lock`, pip-tools) pins every package a `make install` puts in .venv to
  one exact version, for Python 3.11 on Linux x86_64: each direct dependency of pyproject.toml
  (and of its extras) at a version both pyproject.toml and environment.yml allow, and every
  dependency of those, down to the leaves, so a clone installed next year gets the versions
  the suite was tested with.
* The Makefile installs from the lock unless told `UNPINNED=1`, and installs again when the lock,
  pyproject.toml or the way of installing changes (its stamps are checked with `make -n`).
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
IGNORED = {"python", "pip"}
_REQUIREMENT = re.compile(r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._\-]*)\s*(?:\[[^\]]*\])?\s*(?P<spec>[^;#]*)")


def normalize(requirement: str) -> tuple[str, str]:
    """``"Foo_Bar >= 1.2, <2"`` -> ``("foo-bar", "<2,>=1.2")``: PEP 503 name, sorted specifier."""
    m = _REQUIREMENT.match(requirement)
    assert m, f"cannot parse the requirement {requirement!r}"
    name = re.sub(r"[-_.]+", "-", m["name"]).lower()
    spec = ",".join(sorted(part.replace(" ", "") for part in m["spec"].split(",") if part.strip()))
    return name, spec


def pyproject_requirements(text: str) -> dict[str, str]:
    project = tomllib.loads(text)["project"]
    listed = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        listed += extra
    return dict(normalize(r) for r in listed)


def _yaml_dependencies(text: str) -> list:
    try:
        import yaml
    except ImportError:                                   # a tiny parser for this file's shape
        return _tiny_yaml_dependencies(text)
    return yaml.safe_load(text)["dependencies"]


def _tiny_yaml_dependencies(text: str) -> list:
    deps: list = []
    section = None
    for line in text.splitlines():
        stripped = line.split("#", 1)[0].rstrip()
        if re.match(r"^\S", stripped):
            section = stripped.rstrip(":")
        elif section == "dependencies" and (m := re.match(r"^(\s*)-\s*(.+)$", stripped)):
            if m[2].rstrip(":") == "pip" and m[2].endswith(":"):
                deps.append({"pip": []})
            elif len(m[1]) > 2 and deps and isinstance(deps[-1], dict):
                deps[-1]["pip"].append(m[2])
            else:
                deps.append(m[2])
    return deps


def environment_requirements(text: str) -> dict[str, str]:
    listed: list[str] = []
    for item in _yaml_dependencies(text):
        if isinstance(item, dict):
            listed += [r for r in item.get("pip", []) if not r.strip().startswith("-e")]
        else:
            listed.append(item)
    pairs = [normalize(r) for r in listed]
    return {name: spec for name, spec in pairs if name not in IGNORED}


def drift(pyproject: dict[str, str], environment: dict[str, str]) -> list[str]:
    """What differs, one sentence per package (an empty list when they agree)."""
    problems = [f"{n}{pyproject[n]} is in pyproject.toml but not in environment.yml"
                for n in sorted(set(pyproject) - set(environment))]
    problems += [f"{n}{environment[n]} is in environment.yml but not in pyproject.toml"
                 for n in sorted(set(environment) - set(pyproject))]
    problems += [f"{n}: pyproject.toml says {pyproject[n] or '(any version)'}, environment.yml says "
                 f"{environment[n] or '(any version)'}"
                 for n in sorted(set(pyproject) & set(environment)) if pyproject[n] != environment[n]]
    return problems


def test_environment_yml_matches_pyproject_toml():
    problems = drift(pyproject_requirements((ROOT / "pyproject.toml").read_text()),
                     environment_requirements((ROOT / "environment.yml").read_text()))
    assert not problems, "environment.yml has drifted from pyproject.toml:\n  " + "\n  ".join(problems)


# --------------------------------------------------------------------------- the comparison itself can fail

ENV = """\
name: x
channels:
  - conda-forge
dependencies:
  - python>=3.11
  - pip
  - Foo_Bar >=1.2
  - baz>=2
  - pip:
      - qux>=0.5
      - -e .
"""


@pytest.mark.parametrize("parse", [_yaml_dependencies, _tiny_yaml_dependencies])
def test_both_parsers_read_conda_and_pip_sections(parse):
    assert parse(ENV) == ["python>=3.11", "pip", "Foo_Bar >=1.2", "baz>=2", {"pip": ["qux>=0.5", "-e ."]}]


def test_drift_names_missing_extra_and_different_packages():
    pyproject = pyproject_requirements('[project]\ndependencies = ["foo-bar>=1.2", "baz>=3"]\n'
                                       '[project.optional-dependencies]\ntest = ["only-pip>=1"]\n')
    assert drift(pyproject, environment_requirements(ENV)) == [
        "only-pip>=1 is in pyproject.toml but not in environment.yml",
        "qux>=0.5 is in environment.yml but not in pyproject.toml",
        "baz: pyproject.toml says >=3, environment.yml says >=2",
    ]


def test_readme_gives_the_two_commands_first_and_ci_runs_the_same_test_command():
    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text()
    first_block = readme.split("```")[1]
    assert "make lab" in first_block and "make test" in first_block
    ci = (root / ".ci" / "run").read_text()
    assert "make test" in ci and "CI=true" in ci
    makefile = (root / "Makefile").read_text()
    assert "\ntest: install" in makefile and "\nlab: install" in makefile


# --------------------------------------------------------------------------- requirements.lock

LOCK = ROOT / "requirements.lock"
_PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._\-]*)==(?P<version>[A-Za-z0-9.+!\-]+)$")


def parse_lock(text: str) -> tuple[dict[str, str], list[str]]:
    """``requirements.lock`` -> ({PEP 503 name: version}, problems): every line must be name==version.

    Anything else (a range, an extra, ``-e``, an index URL) would let pip choose, or tie the
    lock to one machine, so each such line is a problem.
    """
    pins: dict[str, str] = {}
    problems: list[str] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if not (m := _PIN.match(line)):
            problems.append(f"line {number} is not an exact pin (name==version): {line!r}")
            continue
        name = canonicalize_name(m["name"])
        if name in pins:
            problems.append(f"line {number} pins {name} a second time")
        pins[name] = m["version"]
    return pins, problems


def lock_problems(required: dict[str, str], pins: dict[str, str], source: str) -> list[str]:
    """Each direct dependency of ``source`` must be pinned, at a version its specifier allows."""
    problems = []
    for name, spec in sorted(required.items()):
        if name not in pins:
            problems.append(f"{name}{spec} is in {source} but requirements.lock does not pin it")
        elif not SpecifierSet(spec).contains(pins[name], prereleases=True):
            problems.append(f"{name}: requirements.lock pins {pins[name]}, which {source}'s "
                            f"{spec} rules out")
    return problems


def closure_problems(roots: list[str], pins: dict[str, str],
                     requires: Callable[[str], list[str] | None],
                     installed: Callable[[str], str | None]) -> list[str]:
    """Walk the dependency graph from ``roots`` (requirement strings) through installed metadata.

    Every package reached must be installed at its pinned version (the metadata read is then
    the locked release's own), and every requirement that applies here (its marker true for
    this interpreter and the extras asked for) must be pinned at a version it allows. Markers
    that do not apply (another OS, another extra) are skipped, as pip skips them.
    """
    problems: list[str] = []
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [("pyproject.toml", Requirement(r), frozenset()) for r in roots]
    while todo:
        parent, req, parent_extras = todo.pop()
        env_extras = parent_extras or frozenset({""})
        if req.marker and not any(req.marker.evaluate({"extra": e}) for e in env_extras):
            continue
        name = canonicalize_name(req.name)
        if name not in pins:
            problems.append(f"{parent} needs {req}, which requirements.lock does not pin")
            continue
        if not req.specifier.contains(pins[name], prereleases=True):
            problems.append(f"{parent} needs {req}, but requirements.lock pins {pins[name]}")
        key = (name, frozenset(req.extras))
        if key in seen:
            continue
        seen.add(key)
        version = installed(name)
        if version is None or Version(version) != Version(pins[name]):
            problems.append(f"{name} is installed at {version or '(nothing)'}, "
                            f"requirements.lock pins {pins[name]}")
            continue
        todo += [(f"{name} {version}", Requirement(r), frozenset(req.extras)) for r in requires(name) or []]
    return problems


def _pyproject_raw_requirements() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return list(project["dependencies"]) + [r for extra in project["optional-dependencies"].values()
                                            for r in extra]


def _installed_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


@pytest.mark.parametrize("source", ["pyproject.toml", "environment.yml"])
def test_requirements_lock_pins_every_direct_dependency_within_its_range(source):
    pins, malformed = parse_lock(LOCK.read_text())
    read = pyproject_requirements if source == "pyproject.toml" else environment_requirements
    problems = malformed + lock_problems(read((ROOT / source).read_text()), pins, source)
    assert not problems, ("requirements.lock disagrees with " + source + " (after changing "
                          "dependencies, run `make lock`):\n  " + "\n  ".join(problems))


def test_requirements_lock_is_for_the_python_that_pyproject_and_environment_yml_allow():
    header = LOCK.read_text().split("\n", 4)[:4]
    assert any("with Python 3.11" in line for line in header), header
    assert "make lock" in LOCK.read_text().split("\n", 8)[4]
    assert SpecifierSet(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
                        ["requires-python"]).contains("3.11")
    python = [r for r in _yaml_dependencies((ROOT / "environment.yml").read_text())
              if isinstance(r, str) and normalize(r)[0] == "python"]
    assert python and SpecifierSet(normalize(python[0])[1]).contains("3.11")


def test_requirements_lock_is_the_whole_installed_dependency_set():
    """Run in a .venv that `make install` filled from the lock: CI's, and a learner's."""
    locked_here = Path(sys.prefix, ".installed-locked").exists()
    lock_platform = (sys.version_info[:2] == (3, 11) and sys.platform == "linux"
                     and platform.machine() == "x86_64")
    if not (locked_here and lock_platform):
        why = ("this interpreter is not a .venv that `make install` filled from requirements.lock"
               if not locked_here else "requirements.lock is for Python 3.11 on Linux x86_64")
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must install from the lock on its platform: {why} ({sys.prefix})")
        pytest.skip(why)
    pins, _ = parse_lock(LOCK.read_text())
    problems = closure_problems(_pyproject_raw_requirements(), pins,
                                importlib.metadata.requires, _installed_version)
    assert not problems, ("requirements.lock is not the installed set (run `make lock`, then "
                          "`make install`):\n  " + "\n  ".join(problems))


# --------------------------------------------------------------------------- the lock checks can fail

LOCK_TEXT = """\
# a comment
foo-bar==1.2.0
    # via x
Baz_Qux==3.0
wide>=1
extra[thing]==2
-e .
--index-url https://example.invalid/simple
foo.bar==1.3
"""


def test_parse_lock_takes_exact_pins_and_names_every_other_line():
    pins, problems = parse_lock(LOCK_TEXT)
    assert pins == {"foo-bar": "1.3", "baz-qux": "3.0"}
    assert problems == [
        "line 5 is not an exact pin (name==version): 'wide>=1'",
        "line 6 is not an exact pin (name==version): 'extra[thing]==2'",
        "line 7 is not an exact pin (name==version): '-e .'",
        "line 8 is not an exact pin (name==version): '--index-url https://example.invalid/simple'",
        "line 9 pins foo-bar a second time",
    ]


@pytest.mark.parametrize("required, pins, expected", [
    ({"a": ">=1.0"}, {"a": "1.5"}, []),
    ({"a": ""}, {"a": "0.1"}, []),
    ({"a": ">=1.0"}, {}, ["a>=1.0 is in pyproject.toml but requirements.lock does not pin it"]),
    ({"a": ">=2"}, {"a": "1.9"}, ["a: requirements.lock pins 1.9, which pyproject.toml's >=2 rules out"]),
    ({"a": "<2,>=1"}, {"a": "2.0"}, ["a: requirements.lock pins 2.0, which pyproject.toml's <2,>=1 rules out"]),
])
def test_lock_problems_names_missing_and_out_of_range_pins(required, pins, expected):
    assert lock_problems(required, pins, "pyproject.toml") == expected


FAKE_METADATA = {
    "app": ["lib>=1", 'winonly; sys_platform == "win32"', 'docs-tool; extra == "docs"',
            'fast>=2; extra == "speed"'],
    "lib": ["leaf"],
    "leaf": [],
    "fast": [],
}


@pytest.mark.parametrize("pins, installed, expected", [
    ({"app": "1", "lib": "1.0", "leaf": "9"}, None, []),
    ({"app": "1", "lib": "1.0"}, None, ["lib 1.0 needs leaf, which requirements.lock does not pin"]),
    ({"app": "1", "lib": "0.9", "leaf": "9"}, None,
     ["app 1 needs lib>=1, but requirements.lock pins 0.9"]),
    ({"app": "1", "lib": "1.0", "leaf": "9"}, {"leaf": "8"},
     ["leaf is installed at 8, requirements.lock pins 9"]),
    ({"app": "1", "lib": "1.0", "leaf": "9"}, {"lib": None},
     ["lib is installed at (nothing), requirements.lock pins 1.0"]),
])
def test_closure_problems_follows_dependencies_that_apply_here(pins, installed, expected):
    versions = {**pins, **(installed or {})}
    assert closure_problems(["app"], pins, FAKE_METADATA.get, versions.get) == expected


def test_closure_problems_follows_the_extras_asked_for():
    pins = {"app": "1", "lib": "1.0", "leaf": "9"}
    assert closure_problems(["app[speed]"], pins, FAKE_METADATA.get, pins.get) == [
        'app 1 needs fast>=2; extra == "speed", which requirements.lock does not pin']


# --------------------------------------------------------------------------- make install's stamps

def _dry_run_install(tmp_path: Path, stamps: dict[str, int], touched: dict[str, int],
                     unpinned: bool) -> str:
    """`make -n install` in a copy of the Makefile, with files dated (seconds ago) as given."""
    for name in ("Makefile", "pyproject.toml", "requirements.lock"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / ".venv").mkdir()
    now = 1_700_000_000
    dated = {"pyproject.toml": 1000, "requirements.lock": 1000, **touched}
    dated.update({f".venv/{stamp}": ago for stamp, ago in stamps.items()})
    for name, ago in dated.items():
        (tmp_path / name).touch()
        os.utime(tmp_path / name, (now - ago, now - ago))
    cmd = ["make", "-n", "install", f"PYTHON={sys.executable}"] + (["UNPINNED=1"] if unpinned else [])
    env = {k: v for k, v in os.environ.items() if k not in ("UNPINNED", "MAKEFLAGS", "MFLAGS")}
    done = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


LOCKED = "--constraint requirements.lock --build-constraint requirements.lock"


STAMP_CASES = [  # (case, stamps in .venv with their age in seconds, files touched since, UNPINNED=1, install)
    ("a fresh clone", {}, {}, False, "locked"),
    ("installed from the lock, nothing changed since", {".installed-locked": 10}, {}, False, None),
    ("the lock changed since", {".installed-locked": 10}, {"requirements.lock": 5}, False, "locked"),
    ("pyproject.toml changed since", {".installed-locked": 10}, {"pyproject.toml": 5}, False, "locked"),
    ("a .venv from before the lock", {".installed": 10}, {}, False, "locked"),
    ("UNPINNED=1 after a locked install", {".installed-locked": 10}, {}, True, "unpinned"),
    ("the lock after an unpinned install", {".installed-unpinned": 10}, {}, False, "locked"),
    ("unpinned, only the lock changed", {".installed-unpinned": 10}, {"requirements.lock": 5}, True, None),
]


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
@pytest.mark.parametrize("case, stamps, touched, unpinned, expected", STAMP_CASES,
                         ids=[c[0] for c in STAMP_CASES])
def test_make_install_uses_the_lock_and_installs_again_when_it_changes(
        tmp_path, case, stamps, touched, unpinned, expected):
    out = _dry_run_install(tmp_path, stamps, touched, unpinned)
    installs = [line for line in out.splitlines() if "pip install" in line and "-e " in line]
    if expected is None:
        assert not installs, f"{case}: installed again\n{out}"
        return
    assert len(installs) == 1, f"{case}: no install\n{out}"
    if expected == "locked":
        assert LOCKED in installs[0], case
        assert "pip==" in out and ".installed-unpinned" in out, case   # pinned pip; the other stamp goes
    else:
        assert "requirements.lock" not in installs[0] and "--upgrade" in installs[0], case
        assert ".installed-locked" in out, case


def test_ci_installs_from_the_lock():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci and "UNPINNED" not in ci
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^install: \$\(STAMP\)$", makefile, re.M)
