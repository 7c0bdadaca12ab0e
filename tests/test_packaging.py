"""Every package of the tree is listed in pyproject.toml, so a plain `pip install .` ships it."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_is_listed():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    found = {".".join(path.parent.relative_to(ROOT).parts)
             for top in ("tenants", "census", "interoperability", "funding", "protocol", "monitoring")
             for path in (ROOT / top).rglob("__init__.py")}
    assert found - listed == set()
    assert config["package-dir"]["smartregion"] == "platform"
    assert not (ROOT / "platform" / "__init__.py").exists()
