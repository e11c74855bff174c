"""pyproject.toml names every package of ours and every library our code imports, so a plain install runs."""

import ast
import os
import re
import sys
import tomllib
import warnings
from importlib.metadata import packages_distributions
from pathlib import Path

from setuptools.config.pyprojecttoml import apply_configuration
from setuptools.dist import Distribution

ROOT = Path(__file__).resolve().parent.parent
APPS = {"site": "junxiu", "tenants": "tenants", "registry": "registry", "forms_engine": "forms_engine"}
APPS |= {"notifications": "notifications", "field": "field", "content": "content", "reports": "reports"}
# Folders shipped as packages of data only (no Python): the translation catalogue, inside the project's package.
DATA_PACKAGES = {"locale": "junxiu.locale"}
# Named in INSTALLED_APPS (or loaded by a setting) rather than imported.
SETTINGS_ONLY = {"drf-spectacular-sidecar", "django-taggit", "gunicorn", "whitenoise"}


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_package_of_ours_is_listed():
    listed = set(_project()["tool"]["setuptools"]["packages"])
    found = set()
    for folder, name in APPS.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            parts = init.parent.relative_to(ROOT / folder).parts
            found.add(".".join((name, *parts)))
    assert sorted(found - listed) == []
    assert sorted(listed - found) == sorted(DATA_PACKAGES.values())


def test_the_wheel_carries_every_data_file_and_the_build_warns_of_nothing():
    """Every file of ours that is not Python (templates, static files, JSON data, the catalogue) is package data of
    the build, and the build warns of no folder that looks like a package ("Package would be ignored")."""
    ours = {}
    for folder in [*APPS, *DATA_PACKAGES]:
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts:
                ours[path.relative_to(ROOT).as_posix()] = path
    distribution = Distribution({"script_name": "pyproject.toml"})  # as the build backend names it
    cwd = Path.cwd()
    os.chdir(ROOT)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            warnings.filterwarnings("ignore", message=r"Support for `\[tool.setuptools\]` in `pyproject.toml` is still")
            apply_configuration(distribution, ROOT / "pyproject.toml")
            build_py = distribution.get_command_obj("build_py")
            build_py.ensure_finalized()
            shipped = {
                Path(src_dir, name).as_posix()
                for _package, src_dir, _build, names in build_py.data_files
                for name in names
            }
    finally:
        os.chdir(cwd)
    assert sorted(set(ours) - shipped) == []
    assert [str(warning.message).splitlines()[0] for warning in caught] == []


def test_every_library_our_code_imports_is_a_dependency():
    specs = _project()["project"]["dependencies"]
    declared = {_normal(re.split(r"[<>=!~\[; ]", spec, maxsplit=1)[0]) for spec in specs}
    ours = set(APPS.values())
    distributions = packages_distributions()
    imported = set()
    for folder in APPS:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    imported |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    imported.add(node.module.split(".")[0])
    needed = set()
    for module in imported - ours - set(sys.stdlib_module_names):
        needed |= {_normal(dist) for dist in distributions.get(module, [module])}
    assert sorted(needed - declared) == []
    assert sorted(SETTINGS_ONLY - declared) == []
