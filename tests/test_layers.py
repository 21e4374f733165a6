"""The folders of assessor/ are layers: each imports only the layers below it (issue 10).

domain (pure) < store (SQL) < report (Diagnosis -> PDF) < jobs (queue, mail) < web (pages) < cli
(commands);
``assessor/__init__.py`` (create_app) and ``config.py`` wire them and may import any.
"""
from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "assessor"
LAYERS = ["domain", "store", "report", "jobs", "web", "cli"]
# what each layer may import, besides itself and assessor.config
ALLOWED = {layer: set(LAYERS[:index]) for index, layer in enumerate(LAYERS)}


def imported_layers(path: Path) -> set[str]:
    """The assessor layers a module imports (relative or absolute, at any depth of the file)."""
    module = path.relative_to(PACKAGE.parent).with_suffix("").parts
    package = module[:-1] if module[-1] != "__init__" else module[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[:len(package) - node.level + 1])
                target = base + (node.module.split(".") if node.module else [])
                names = [target + [alias.name] for alias in node.names] if len(target) == 1 else [target]
            else:
                names = [(node.module or "").split(".")]
        elif isinstance(node, ast.Import):
            names = [alias.name.split(".") for alias in node.names]
        else:
            continue
        for parts in names:
            if parts[0] == "assessor" and len(parts) > 1 and parts[1] in LAYERS:
                found.add(parts[1])
    return found


def test_every_module_lives_in_a_layer():
    loose = sorted(p.name for p in PACKAGE.glob("*.py") if p.name not in ("__init__.py", "config.py"))
    assert loose == [], f"modules outside the layer folders: {loose}"


@pytest.mark.parametrize("layer", LAYERS)
def test_a_layer_imports_only_the_layers_below_it(layer):
    wrong = {}
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        above = imported_layers(path) - ALLOWED[layer] - {layer}
        if above:
            wrong[str(path.relative_to(PACKAGE))] = sorted(above)
    assert wrong == {}, f"{layer} may import only {sorted(ALLOWED[layer]) or 'nothing of assessor'}: {wrong}"


def test_the_domain_imports_neither_flask_nor_the_database_nor_weasyprint():
    modules = sorted(f"assessor.domain.{p.stem}" for p in (PACKAGE / "domain").glob("*.py") if p.stem != "__init__")
    code = textwrap.dedent(f"""
        import sys, types
        # the package itself (create_app) imports Flask: stand in for it, as a bare namespace
        package = types.ModuleType("assessor")
        package.__path__ = [{str(PACKAGE)!r}]
        sys.modules["assessor"] = package
        for name in {modules!r}:
            __import__(name)
        heavy = [m for m in ("flask", "flask_babel", "sqlite3", "sqlite_utils", "weasyprint", "werkzeug")
                 if m in sys.modules]
        print(",".join(heavy))
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=PACKAGE.parent, check=True)
    assert result.stdout.strip() == "", f"the domain imported: {result.stdout.strip()}"


def test_every_sql_statement_lives_in_the_store():
    import re

    calls = re.compile(r"\.(execute|executemany|executescript|query)\(|\bdb\[\"")
    outside = [f"{path.relative_to(PACKAGE)}:{number}"
               for path in sorted(PACKAGE.rglob("*.py")) if "store" not in path.relative_to(PACKAGE).parts
               for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
               if calls.search(line)]
    assert outside == [], f"SQL outside assessor/store/: {outside}"


# -- shipped migrations never change ---------------------------------------------------------------

# The schema each shipped migration leaves (sha256 of sqlite_master after applying it on a new
# database, first 16 hex digits). A migration that has shipped runs on somebody's database already:
# editing it (or a helper whose SQL it runs, such as the statistics triggers) would give two
# databases of the same version two schemas. Add a line for each new migration once it has landed.
SHIPPED_SCHEMAS = {
    "m001_initial": "6c44c7d20623a846",
    "m002_advisor_indexes": "5a8260875bddf455",
    "m003_region_score_index": "46aa8405d688ea89",
    "m004_login_throttles": "ec48b16f23e212d0",
    "m005_assessment_numbers_never_reused": "09d357b98583adfa",
    "m006_demo_assessments_index": "7ca7f02dfa4d2e18",
    "m007_stored_scoring": "e195b350e368aabd",
    "m008_assessment_opco": "13e9d4cbd9f8337f",
    "m009_resume_link_mailed_at": "56362fe34673542d",
    "m011_stats_per_questionnaire_version": "5197114262e0f5dc",
}


def _schema_after(name: str) -> str:
    import hashlib

    from sqlite_utils import Database

    from assessor.store.migrations import migrations

    names = [m.name for m in migrations._migrations]
    db = Database(memory=True)
    following = names[names.index(name) + 1:]
    if following:
        migrations.apply(db, stop_before=following[0])
    else:
        migrations.apply(db)
    rows = db.execute("select type, name, tbl_name, sql from sqlite_master "
                      "where name not like '_sqlite_migrations%' order by type, name").fetchall()
    return hashlib.sha256(repr(rows).encode("utf-8")).hexdigest()[:16]


def test_every_shipped_migration_leaves_the_schema_it_shipped_with():
    from assessor.store.migrations import migrations

    names = [m.name for m in migrations._migrations]
    assert list(SHIPPED_SCHEMAS) == names[:len(SHIPPED_SCHEMAS)], "migrations are appended, never reordered"
    changed = {name: _schema_after(name) for name, expected in SHIPPED_SCHEMAS.items()
               if _schema_after(name) != expected}
    assert changed == {}, f"a shipped migration changed what it does: {changed}"


def test_migrations_do_not_run_the_live_statistics_code():
    import re

    source = (PACKAGE / "store" / "migrations.py").read_text(encoding="utf-8")
    imports = re.findall(r"^\s*(?:from\s+\S+\s+)?import\s+.*$", source, re.MULTILINE)
    assert not [line for line in imports if "stats" in line], imports
