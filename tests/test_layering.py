"""Packages depend downward only (README "Architecture", DESIGN §8).

Every module under src/xinfang (migrations and imports inside functions included) is parsed with
`ast`; every import of another xinfang package (`import xinfang.X`, `from xinfang.X… import`,
`from xinfang import X`, relative imports that climb out of the package, `import_module("xinfang.X")`)
must name a package ranked no higher than the importer's. `audit` may be called from everywhere, and
itself imports only `common`. A package missing from the ranking fails too: rank it here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "xinfang"

RANKS = {
    "common": 0,
    "org": 1, "notifications": 1,
    "petitions": 2,
    "workflow": 3,
    "oversight": 4, "imports": 4,
    "reports": 5, "insight": 5, "knowledge": 5,
    "api": 6, "web": 6, "portal": 6,
    "config": 7,
    "audit": 0,  # callable from every package (as rank 0) ...
}
AUDIT_MAY_IMPORT = {"common"}  # ... but itself only calls common


def _targets(tree: ast.AST, package_path: list[str]) -> list[tuple[int, str]]:
    """(line, dotted module name) of every xinfang import in a module's tree. `package_path` is the
    path below xinfang of the package holding the module (e.g. ["petitions"] for petitions/services.py
    and for petitions/__init__.py), to resolve relative imports."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: level 1 is the module's own package, each further level one up
                up = node.level - 1
                base = package_path[:len(package_path) - up] if up <= len(package_path) else []
                parts = ["xinfang", *base, *([node.module] if node.module else [])]
                name = ".".join(parts)
            else:
                name = node.module or ""
            if name == "xinfang":  # from xinfang import web, workflow
                found += [(node.lineno, f"xinfang.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, name))
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called == "import_module" and isinstance(node.args[0].value, str):
                found.append((node.lineno, node.args[0].value))
    return [(line, name) for line, name in found if name.startswith("xinfang.")]


def source_violations(source: str, relpath: str) -> list[str]:
    """The layering violations of one module, `relpath` below src/xinfang (e.g. "org/services.py")."""
    parts = Path(relpath).with_suffix("").parts
    if len(parts) < 2:  # xinfang/__init__.py
        return []
    package_path = list(parts[:-1])  # the package holding the module (an __init__ holds itself)
    package = parts[0]
    problems = []
    if package not in RANKS:
        return [f"{relpath}: package '{package}' has no rank in tests/test_layering.py"]
    for line, name in _targets(ast.parse(source, relpath), package_path):
        target = name.split(".")[1]
        if target == package:
            continue
        where = f"{relpath}:{line}: {package} imports {name}"
        if target not in RANKS:
            problems.append(f"{where} (package '{target}' has no rank)")
        elif package == "audit" and target not in AUDIT_MAY_IMPORT:
            problems.append(f"{where} (audit may only import {', '.join(sorted(AUDIT_MAY_IMPORT))})")
        elif target != "audit" and RANKS[target] > RANKS[package]:
            problems.append(f"{where} (rank {RANKS[target]} above {RANKS[package]})")
    return problems


def tree_violations(root: Path) -> list[str]:
    problems = []
    for path in sorted(root.rglob("*.py")):
        relpath = path.relative_to(root).as_posix()
        problems += source_violations(path.read_text(encoding="utf-8"), relpath)
    return problems


def test_packages_depend_downward_only():
    assert SRC.is_dir() and len(list(SRC.rglob("*.py"))) > 100  # the real tree, not an empty one
    problems = tree_violations(SRC)
    assert not problems, "upward imports:\n" + "\n".join(problems)


# ---- the checker itself catches what it should -------------------------------------------------

@pytest.mark.parametrize(("relpath", "source", "line"), [
    ("org/services.py", "from xinfang.petitions.models import Petition\n", 1),
    ("petitions/importer.py", "def f():\n    from xinfang.workflow.services import petition_register\n", 2),
    ("petitions/x.py", "import xinfang.workflow.services\n", 1),
    ("common/admin.py", "class A:\n    def save(self):\n        from xinfang.workflow import config_services\n", 3),
    ("org/x.py", "from xinfang import web\n", 1),
    ("petitions/sub/mod.py", "from ...workflow import services\n", 1),
    ("workflow/migrations/0009_x.py", "from xinfang.reports.statistics import totals\n", 1),
    ("audit/services.py", "from xinfang.org.models import Unit\n", 1),
    ("imports/x.py", "from xinfang.web.views import imports\n", 1),
    ("reports/x.py", "import importlib\nmod = importlib.import_module('xinfang.api.routers')\n", 2),
    ("org/x.py", "from xinfang.nowhere import thing\n", 1),
])
def test_an_upward_import_is_caught_with_its_file_and_line(relpath, source, line):
    problems = source_violations(source, relpath)
    assert len(problems) == 1 and problems[0].startswith(f"{relpath}:{line}: "), problems


@pytest.mark.parametrize(("relpath", "source"), [
    ("imports/committing.py", "from xinfang.workflow import services\nfrom xinfang.petitions.models import X\n"),
    ("org/services.py", "from xinfang.audit.services import audit_record\nfrom .models import Unit\n"),
    ("workflow/history.py", "from . import deadlines\nfrom .facts import facts_refresh\n"),
    ("petitions/sub/mod.py", "from .. import models\nfrom ..choices import Status\n"),
    ("audit/services.py", "from xinfang.common.crypto import keyed_hash\n"),
    ("web/views/x.py", "from xinfang.imports.services import import_job_start\n"),
    ("reports/x.py", "from xinfang.insight import selectors\n"),  # same rank
    ("config/urls.py", "from xinfang.web import urls\nimport xinfang.api.urls\n"),
])
def test_downward_and_sideways_imports_pass(relpath, source):
    assert source_violations(source, relpath) == []


def test_a_fake_tree_with_an_upward_import_fails(tmp_path):
    (tmp_path / "org").mkdir()
    (tmp_path / "org" / "__init__.py").write_text("")
    (tmp_path / "org" / "services.py").write_text(
        "from xinfang.common.errors import ApplicationError\n\n\n"
        "def unit_delete():\n    from xinfang.petitions.models import Petition  # upward\n    return Petition\n")
    (tmp_path / "petitions").mkdir()
    (tmp_path / "petitions" / "models.py").write_text("from xinfang.org.models import Unit\n")
    (tmp_path / "misc").mkdir()
    (tmp_path / "misc" / "x.py").write_text("")
    assert tree_violations(tmp_path) == [
        "misc/x.py: package 'misc' has no rank in tests/test_layering.py",
        "org/services.py:5: org imports xinfang.petitions.models (rank 2 above 1)",
    ]
