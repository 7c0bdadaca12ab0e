"""Every mapped model of the platform, for Alembic and the models-versus-migrations check."""

from __future__ import annotations

import importlib
import pkgutil

from smartregion.config import Config
from smartregion.db import Base


def load_all(modules: list[str] | None = None) -> type[Base]:
    """Import the kernel's models and each enabled module's ``models`` (sub-packages included)."""
    from smartregion import audit, devauth, idempotency, jobs, registry, sessions  # noqa: F401 - imported for their tables

    for name in modules or Config().MODULES:
        package = importlib.import_module(name)
        candidates = [f"{name}.models"]
        if hasattr(package, "__path__"):
            candidates += [f"{info.name}.models" for info in pkgutil.walk_packages(package.__path__, f"{name}.")
                           if info.ispkg]
        for candidate in candidates:
            try:
                importlib.import_module(candidate)
            except ModuleNotFoundError as exc:
                if exc.name != candidate:
                    raise
    return Base
