"""environment.yml (conda users) lists the same packages and version ranges as pyproject.toml (pip)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

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
