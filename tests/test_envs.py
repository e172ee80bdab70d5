"""envs/*.yaml, the conda environments of the rules, and the lock file, against pyproject.toml.

The rule: a rule's environment holds exactly the package's dependencies, its
`workflow` extra and its `notebooks` extra (the render_notebook jobs execute
notebooks) except those only the driver needs, each pinned (==) to the version
of requirements/lock-cpu-py311.txt, which pyproject allows. Snakemake is
driver-only: it runs the DAG and validates the config on the submitting
machine, and it makes itself importable inside script jobs; pygments only
serves `snakemake --report`, and the rich logger plugin the terminal. The lock
pins every package of the `test` extra (and what they need) but torch,
installed first with its own pin, and liegg.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parents[1]
DRIVER_ONLY = {"snakemake", "pygments", "snakemake-logger-plugin-rich"}
LOCK = REPO / "requirements/lock-cpu-py311.txt"
# Code that runs inside jobs: the library and what `script:` runs.
JOB_CODE = ["src/liegg", "workflow/scripts", "workflow/notebooks"]


def _pyproject():
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]


def _requirements(extras=("workflow", "notebooks")) -> dict[str, Requirement]:
    project = _pyproject()
    listed = project["dependencies"] + [r for extra in extras for r in project["optional-dependencies"][extra]]
    reqs = (Requirement(r) for r in listed)
    return {canonicalize_name(r.name): r for r in reqs if canonicalize_name(r.name) != "liegg"}


def _lock() -> dict[str, Version]:
    """{package: version} pinned by the lock file."""
    pins = {}
    for line in LOCK.read_text().splitlines():
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)==([0-9][0-9A-Za-z.+]*)", line.strip())
        if match:
            pins[canonicalize_name(match.group(1))] = Version(match.group(2))
    return pins


def _conda_envs() -> list[Path]:
    return sorted((REPO / "envs").glob("*.yaml"))


def _rule_envs() -> set[str]:
    """The env files the rules name in `conda:`."""
    names = set()
    for smk in (REPO / "workflow/rules").glob("*.smk"):
        names |= set(re.findall(r'conda:\s*\n\s*"\.\./\.\./envs/([\w.-]+\.yaml)"', smk.read_text()))
    return names


def _pins(env_file: Path) -> tuple[str | None, dict[str, Version]]:
    """(python version, {package: pinned version}) of a conda env file."""
    env = yaml.safe_load(env_file.read_text())
    python, pins = None, {}
    for dep in env["dependencies"]:
        entries = dep["pip"] if isinstance(dep, dict) else [dep]
        for entry in entries:
            if entry == "pip":
                continue
            match = re.fullmatch(r"([A-Za-z0-9_.-]+)\s*=?=\s*([0-9][0-9A-Za-z.+]*)", entry)
            assert match, f"{env_file.name}: '{entry}' is not pinned to one version (name==version)"
            name, version = canonicalize_name(match.group(1)), Version(match.group(2))
            if name == "python":
                python = match.group(2)
            else:
                pins[name] = version
    return python, pins


def _imported_distributions() -> set[str]:
    """Third-party distributions that job code imports (stdlib and liegg excluded)."""
    modules = set()
    for folder in JOB_CODE:
        for path in (REPO / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    modules |= {a.name.split(".")[0] for a in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules.add(node.module.split(".")[0])
    modules -= set(sys.stdlib_module_names) | {"liegg", "__future__"}
    owners = importlib.metadata.packages_distributions()
    return {canonicalize_name(owners[m][0]) for m in modules}


def test_every_rule_env_exists():
    assert _rule_envs(), "no rule names a conda env"
    assert _rule_envs() <= {p.name for p in _conda_envs()}


@pytest.mark.parametrize("env_file", _conda_envs(), ids=lambda p: p.name)
def test_env_lists_the_dependencies_jobs_need_pinned_within_pyproject(env_file):
    python, pins = _pins(env_file)
    requirements = _requirements()
    assert set(pins) == set(requirements) - DRIVER_ONLY
    lock = _lock()
    for name, version in pins.items():
        assert requirements[name].specifier.contains(version), (
            f"{env_file.name} pins {name}=={version}, outside pyproject's '{requirements[name]}'"
        )
        if name != "torch":  # installed before the lock, with its own pin
            assert lock.get(name) == version, f"{env_file.name} pins {name}=={version}, the lock {lock.get(name)}"
    assert python is not None, f"{env_file.name} does not pin python"
    allowed = SpecifierSet(_pyproject()["requires-python"])
    assert allowed.contains(Version(python + ".0") if python.count(".") == 1 else Version(python))


def _with_dependencies(names: set[str]) -> set[str]:
    """``names`` and everything they install, from the installed packages' metadata."""
    seen, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        for line in requires:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(canonicalize_name(req.name))
    return seen


def test_job_code_imports_only_what_the_env_holds():
    for env_file in _conda_envs():
        _, pins = _pins(env_file)
        missing = _imported_distributions() - _with_dependencies(set(pins))
        assert not missing, f"job code imports {sorted(missing)}, which {env_file.name} lacks"


def test_the_lock_pins_every_requirement_within_pyproject():
    """What the README and .ci/run install: a version pyproject allows for every package of
    the test extra (and the workflow extra it includes), torch aside."""
    lock = _lock()
    requirements = _requirements(("workflow", "test", "notebooks"))
    for name, requirement in requirements.items():
        if name == "torch":
            assert name not in lock
            continue
        assert name in lock, f"the lock lacks {name}; regenerate it (README, 'Pinned versions')"
        pinned = lock[name]
        assert requirement.specifier.contains(pinned), f"the lock pins {name}=={pinned}, outside '{requirement}'"
    assert "liegg" not in lock and "file://" not in LOCK.read_text()


def test_the_cpu_lock_holds_no_cuda_library():
    """pip-compile resolves torch's PyPI build, whose CUDA libraries (several GB) a CPU install
    does not need: they are deleted from the lock (README, 'Pinned versions')."""
    cuda = sorted(name for name in _lock() if name.startswith(("nvidia-", "cuda-")) or name == "triton")
    assert not cuda, f"the CPU lock pins CUDA libraries {cuda}; delete them (README, 'Pinned versions')"


def test_ci_and_the_readme_install_from_the_lock():
    readme, ci = (REPO / "README.md").read_text(), (REPO / ".ci/run").read_text()
    for text in (readme, ci):
        assert "pip install -r requirements/lock-cpu-py311.txt" in text
