"""The house's rules check themselves: the import contracts of pyproject.toml (docs/architecture.md)."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOMAINS = ("tenants", "protocol", "census", "interoperability", "funding", "monitoring", "publication")
NOT_MODULES = {"__pycache__", "templates", "static", "data", "__init__.py"}


def _contracts() -> list[dict]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]


def test_the_import_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_layers_are_the_module_order():
    """create_app() and the demo seed follow Config.MODULES: a module comes after every layer below it."""
    from smartregion.config import Config

    layers = next(c for c in _contracts() if c["type"] == "layers")["layers"]
    from_the_bottom = [[name.strip() for name in layer.split("|")] for layer in reversed(layers)]
    assert {name for layer in from_the_bottom for name in layer} == set(DOMAINS)
    positions = [[Config.MODULES.index(name) for name in layer] for layer in from_the_bottom]
    for below, above in zip(positions, positions[1:], strict=False):
        assert max(below) < min(above), (below, above)


def test_every_module_of_a_domain_is_behind_its_public_face():
    protected = {c["allowed_importers"][0]: set(c["protected_modules"]) for c in _contracts()
                 if c["type"] == "protected"}
    assert set(protected) == set(DOMAINS)
    for domain in DOMAINS:
        folder = ROOT / domain
        children = {path.stem for path in folder.iterdir()
                    if path.name not in NOT_MODULES and (path.suffix == ".py" or (path / "__init__.py").exists())}
        expected = {f"{domain}.{child}" for child in children - {"services"}}
        if len(list((folder / "services").glob("*.py"))) > 1:
            expected.add(f"{domain}.services.*")
        assert protected[domain] == expected, domain


def test_no_module_of_the_project_is_looked_up_by_name():
    """Only the kernel's module registry imports by name (create_app, load_all, seed demo, the job runner)."""
    lookup = re.compile(r"\bimportlib\b|\bfind_spec\b|__import__\(")
    found = [f"{path.relative_to(ROOT)}:{number}" for domain in DOMAINS for path in (ROOT / domain).rglob("*.py")
             if "node_modules" not in path.parts
             for number, line in enumerate(path.read_text().splitlines(), start=1) if lookup.search(line)]
    assert found == []
