"""pyproject.toml names every package of ours and every library our code imports, so a plain install runs."""

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = {"site": "junxiu", "tenants": "tenants", "registry": "registry", "forms_engine": "forms_engine"}
APPS |= {"notifications": "notifications", "content": "content", "reports": "reports"}
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
    assert sorted(listed - found) == []


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
