"""``xstilts export model``: a trained job as a standard Hugging Face folder.

The ``export`` group lives in cli/export.py (``export xtreme|predictions``); it adds ``model``
with :func:`register_on`.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from xstilts.cli.experiment import SetOption

console = Console()


def export_model_command(
    experiment: Path = typer.Argument(..., help="Experiment YAML whose job to export."),
    out: Path = typer.Option(..., "--out", "-o", help="New (or empty) folder to write."),
    job: str | None = typer.Option(None, "--job", help="Job key or a unique prefix (see `xstilts status`)."),
    condition: str | None = typer.Option(
        None, "--condition", help="Grid condition, e.g. none or msgkind-en."
    ),
    seed: int | None = typer.Option(None, "--seed", help="Seed (needed when the grid has several)."),
    target: str | None = typer.Option(
        None, "--target", help="Target task of the fine-tuned model; omit for the intermediate checkpoint."
    ),
    model: str | None = typer.Option(None, "--model", help="Model label (when the grid has several)."),
    overrides: list[str] = SetOption,
) -> None:
    """Write a fine-tuned (or intermediate) checkpoint as a Hugging Face folder that from_pretrained loads.

    Examples:

      xstilts export model examples/demo.yaml --condition msgkind-en --seed 1 --target msgdomain --out exported/msgdomain-en

      xstilts export model examples/demo.yaml --job 3fa2c91b --out exported/job
    """
    from xstilts.pipeline.config import load_experiment
    from xstilts.pipeline.export_model import export_model

    config = load_experiment(experiment, overrides)
    chosen, result = export_model(
        config, out, key=job, condition=condition, seed=seed, target=target, model=model
    )
    console.print(
        f"exported {chosen.kind} job {chosen.key[:12]} ({chosen.label})", highlight=False, soft_wrap=True
    )
    console.print(f"folder: {result.folder}", highlight=False, soft_wrap=True)
    loader = f"transformers.{result.auto_class}.from_pretrained({str(result.folder)!r})"
    console.print(f"load with: {loader}", highlight=False, soft_wrap=True)
    if result.auto_class == "AutoModel":
        console.print(
            "the head has no stock transformers class (mean pooling or multiple choice): its weights are in "
            "xstilts_heads.safetensors, described in xstilts_export.json (README: Export a model)",
            highlight=False,
            soft_wrap=True,
        )


def register_on(group: typer.Typer) -> None:
    """Add ``model`` to an existing ``export`` group."""
    group.command("model")(export_model_command)
