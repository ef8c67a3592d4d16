"""``xstilts data build gettext|udhr``: build the offline datasets on this machine."""

from __future__ import annotations

import importlib

import typer
from rich.console import Console

app = typer.Typer(no_args_is_help=True, help="Build the offline datasets (never downloaded at run time).")
build_app = typer.Typer(no_args_is_help=True, help="Build a dataset from what is on this machine.")
app.add_typer(build_app, name="build")

# dataset name -> (module, builder function, task-name prefixes that need it)
_BUILDERS = {
    "gettext": ("xstilts.cli.data_gettext", "build_gettext", ("msg",)),
    "udhr": ("xstilts.cli.data_udhr", "build_udhr", ("udhr",)),
}

for _name, (_module, _function, _) in _BUILDERS.items():
    build_app.command(_name)(getattr(importlib.import_module(_module), _function))
app.command("kinds-agreement")(importlib.import_module("xstilts.cli.data_gettext").kinds_agreement)


def build_all_for(experiment, console: Console) -> None:
    """Build (or reuse) every dataset the experiment's tasks read; builders are idempotent."""
    from xstilts.tasks.registry import get_task

    names = list(experiment.targets) + [m.task for ms in experiment.conditions.values() for m in ms]
    for phase in (experiment.intermediate, experiment.finetune):
        if phase.mlm is not None:
            names.append(phase.mlm.task)
    needed = []
    for dataset, (module, function, prefixes) in _BUILDERS.items():
        if any(name.startswith(prefixes) and get_task(name).default_data_subdir for name in names):
            needed.append((dataset, module, function))
    for dataset, module, function in needed:
        console.rule(f"dataset: {dataset}")
        builder = getattr(importlib.import_module(module), function)
        _call_with_defaults(builder)


def _call_with_defaults(function) -> None:
    """Call a typer command function with its declared option defaults."""
    import inspect

    kwargs = {}
    for name, parameter in inspect.signature(function).parameters.items():
        default = parameter.default
        kwargs[name] = getattr(default, "default", default)
    function(**kwargs)
