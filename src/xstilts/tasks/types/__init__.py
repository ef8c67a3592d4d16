"""The task-type table: one object per task type, discovered by import.

Each module of this package defines one :class:`~xstilts.tasks.types.base.TaskTypeDef` subclass
and registers one instance with :func:`register_task_type` at import time; there is no
hand-written list. A type defined elsewhere (a test, a user's ``task_modules`` module) registers
itself the same way. Every behaviour that differs by type is looked up here
(:func:`get_task_type`); a name registered twice fails, a miss names the closest known types.
"""

from __future__ import annotations

import importlib
import pkgutil

from xstilts.errors import ConfigError, UnknownNameError
from xstilts.tasks.types.base import IGNORE_INDEX, Column, Outputs, TaskTypeDef

__all__ = [
    "IGNORE_INDEX",
    "Column",
    "Outputs",
    "TaskTypeDef",
    "all_task_types",
    "get_task_type",
    "register_task_type",
    "unregister_task_type",
]

_TYPES: dict[str, TaskTypeDef] = {}
_LOADED = False


def register_task_type(kind: TaskTypeDef) -> TaskTypeDef:
    """Add ``kind`` to the table under ``kind.name`` (the same object twice is a no-op)."""
    if not isinstance(kind, TaskTypeDef) or not kind.name:
        raise ConfigError(f"{kind!r} is not a named TaskTypeDef", fix="subclass TaskTypeDef and set name")
    if kind.name in _TYPES and _TYPES[kind.name] is not kind:
        raise ConfigError(
            f"task type {str(kind.name)!r} is registered twice", fix="give one of them another name"
        )
    _TYPES[kind.name] = kind
    return kind


def unregister_task_type(name: str) -> None:
    """Remove a type from the table (tests that register their own types clean up with it)."""
    _TYPES.pop(name, None)


def _load_all() -> None:
    global _LOADED
    if _LOADED:
        return
    for module in pkgutil.iter_modules(__path__):
        if module.name != "base":
            importlib.import_module(f"{__name__}.{module.name}")
    _LOADED = True


def all_task_types() -> dict[str, TaskTypeDef]:
    _load_all()
    return dict(sorted(_TYPES.items()))


def get_task_type(name: str) -> TaskTypeDef:
    """The object of task type ``name`` (a ``TaskType`` value or a registered name)."""
    _load_all()
    if name not in _TYPES:
        raise UnknownNameError("task type", str(name), [str(known) for known in _TYPES])
    return _TYPES[name]
