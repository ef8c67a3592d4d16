"""The task registry, discovered by import.

Each module under :mod:`xstilts.tasks.definitions` declares its tasks by calling :func:`register`
at import time. There is no hand-written list of tasks: adding a task is adding a module (or a
spec to one). A name registered twice fails at import; a miss names the closest known tasks.
"""

from __future__ import annotations

import importlib
import pkgutil

from xstilts.errors import ConfigError, UnknownNameError
from xstilts.tasks.spec import Role, TaskSpec

_REGISTRY: dict[str, TaskSpec] = {}
_LOADED = False


def register(spec: TaskSpec) -> TaskSpec:
    if spec.name in _REGISTRY and _REGISTRY[spec.name] != spec:
        raise ConfigError(f"task {spec.name!r} is registered twice", fix="give one of them another name")
    _REGISTRY[spec.name] = spec
    return spec


def _load_all() -> None:
    global _LOADED
    if _LOADED:
        return
    import xstilts.tasks.definitions as definitions

    for module in pkgutil.iter_modules(definitions.__path__):
        importlib.import_module(f"{definitions.__name__}.{module.name}")
    _LOADED = True


def all_tasks(role: Role | None = None) -> dict[str, TaskSpec]:
    _load_all()
    specs = dict(sorted(_REGISTRY.items()))
    if role is not None:
        specs = {name: spec for name, spec in specs.items() if role in spec.roles}
    return specs


def get_task(name: str) -> TaskSpec:
    _load_all()
    if name not in _REGISTRY:
        raise UnknownNameError("task", name, _REGISTRY)
    return _REGISTRY[name]
