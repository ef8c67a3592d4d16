"""``xstilts report``: analyse an experiment's scores against typological distance and write the report.

Two ways to name what to analyse:

- ``xstilts report EXP.yaml``: the experiment config says where its store and report folder are;
- ``xstilts report --store results.sqlite --experiment NAME --out DIR``: no config needed (for a
  store copied from a cluster, or before the pipeline module exists).

Options given on the command line override what the config says.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from xstilts.cli.choices import Cluster
from xstilts.errors import ConfigError


def _load_experiment(path: Path) -> Any:
    try:
        from xstilts.pipeline.config import load_experiment
    except ImportError as error:
        raise ConfigError(
            "experiment configs cannot be read: xstilts.pipeline.config is not available",
            file=path,
            fix="use --store PATH --experiment NAME --out DIR instead",
        ) from error
    return load_experiment(path)


def _resolve(
    config: Any | None, store: Path | None, experiment: str | None, out: Path | None
) -> tuple[Path, str, Path, Any]:
    """Store, experiment name, output folder and language metadata, from the config and/or options."""
    meta = None
    if config is not None:
        store = store or Path(config.store_path)
        experiment = experiment or str(config.name)
        out = out or Path(config.report_dir)
        meta_getter = getattr(config, "language_meta", None)
        meta = meta_getter() if callable(meta_getter) else None
    if store is None or experiment is None:
        raise ConfigError(
            "nothing to report on: no experiment config and no --store/--experiment",
            fix="run `xstilts report EXP.yaml` or `xstilts report --store PATH --experiment NAME`",
        )
    return store, experiment, out or store.parent / "reports" / experiment, meta


def write_report_for(config: Any, console: Console):
    """The report of an experiment with the settings of its ``report:`` section (used by ``demo``)."""
    from xstilts.analysis.report import build_report

    settings = config.report
    job_ids, notices = _scope(config, console)
    for line in notices:
        console.print(line, highlight=False, soft_wrap=True)
    with console.status(f"analysing {config.name} ..."):
        return build_report(
            config.store_path, config.name, config.report_dir, reference=settings.reference_language,
            language_meta=config.language_meta(), n_boot=settings.n_boot, cluster=settings.cluster,
            job_ids=job_ids, notices=notices, **settings.study_design(),
        )  # fmt: skip


def _scope(config: Any, console: Console) -> tuple[list[str], list[str]]:
    """This config's evaluate jobs and the lines the report starts with (partial? config hash)."""
    from xstilts.pipeline.scope import scope_for

    scope = scope_for(config)
    job_ids = scope.job_ids(config.store_path, config.name)  # may add a note (selected by hash)
    return job_ids, scope.lines()


def _mixed_configs(store_path: Path, experiment: str) -> list[str]:
    """Without a config, a store holding rows of several configs is reported with a warning first."""
    import json

    from xstilts.pipeline.store import ResultsStore

    if not Path(store_path).is_file():
        return []
    frame = ResultsStore(store_path, readonly=True).scores_frame(experiment)
    hashes = {json.loads(text).get("config_hash") for text in frame.get("provenance_json", [])} - {None}
    if len(hashes) < 2:
        return []
    return [
        f"the store holds rows of {len(hashes)} configs ({', '.join(sorted(hashes))}); the newest row per "
        "cell is used: give the experiment YAML to report exactly one config"
    ]


def measure_fertility(config: Any, out: Path | None = None) -> Path:
    """Pieces per word of every (model, target task, scored language) on the evaluation's own text."""
    from xstilts.evaluation.fertility import fertility_rows, write_table
    from xstilts.evaluation.zero_shot import EVAL_SEED
    from xstilts.models.loading import load_tokenizer
    from xstilts.pipeline.store import ResultsStore
    from xstilts.tasks.registry import get_task

    if not Path(config.store_path).is_file():
        raise ConfigError(
            "no results store yet", file=config.store_path, fix=f"run `xstilts run` for {config.name} first"
        )
    scores = ResultsStore(config.store_path).scores_frame(config.name)
    config.import_task_modules()
    rows = []
    for model in config.models:
        tokenizer = load_tokenizer(model)
        for task, target in config.targets.items():
            languages = sorted(scores.loc[scores["target_task"] == task, "language"].unique())
            spec = get_task(task)
            rows += fertility_rows(model, tokenizer.tokenize, spec, spec.data_root(config.data_dir), languages,
                                   target.max_examples_per_language, EVAL_SEED)  # fmt: skip
    return write_table(rows, out or Path(config.resolved_output_dir) / "fertility.csv")


def fertility_command(
    experiment_file: Path = typer.Argument(..., help="Experiment YAML (its models, targets and store)."),
    out: Path | None = typer.Option(None, "--out", help="CSV to write (default: OUTPUT_DIR/fertility.csv)."),
) -> None:
    """Measure tokenizer fertility (pieces per word) per task and language, for report.covariates.

    Examples:

      xstilts fertility examples/demo.yaml

    then set report.covariates: [fertility] and report.fertility_file: runs/demo/fertility.csv.
    """
    path = measure_fertility(_load_experiment(experiment_file), out)
    Console().print(f"Fertility table: {path}", highlight=False, soft_wrap=True)


def report_command(
    experiment_file: Path | None = typer.Argument(
        None, help="Experiment YAML (its store and report folder)."
    ),
    store: Path | None = typer.Option(None, "--store", help="Results store (SQLite) to read."),
    experiment: str | None = typer.Option(None, "--experiment", help="Experiment name inside the store."),
    out: Path | None = typer.Option(
        None, "--out", help="Report folder (default: the config's, or next to the store)."
    ),
    reference: str | None = typer.Option(
        None, help="Transfer source language (default: the config's report.reference_language, else en)."
    ),
    metric: str | None = typer.Option(None, help="Metric to analyse (default: each task's main metric)."),
    variant: str = typer.Option(
        "", help="With --metric: a variant of it, e.g. last-layer or layer07 (default: the plain score)."
    ),
    direction: str = typer.Option("", help="With --metric: a retrieval direction, en->xx or xx->en."),
    split: str = typer.Option("test", help="Evaluation split to analyse."),
    n_boot: int | None = typer.Option(
        None, "--n-boot", help="Bootstrap replicates (default: config, else 1000)."
    ),
    seed: int = typer.Option(0, help="Bootstrap seed."),
    cluster: Cluster | None = typer.Option(
        None,
        help="Cluster unit for errors and bootstrap (default: the config's, else language).",
    ),
    language_meta: Path | None = typer.Option(
        None, "--language-meta", help="CSV/TSV with language,name,family,latitude,longitude."
    ),
) -> None:
    """Regress the transfer gap on typological distance and answer: does intermediate training flatten it?

    Examples:

      xstilts report examples/demo.yaml

      xstilts report --store runs/demo/results.sqlite --experiment demo --out runs/demo/report-2000 --n-boot 2000
    """
    from xstilts.analysis.metadata import read_language_meta
    from xstilts.analysis.report import build_report

    console = Console()
    config = _load_experiment(experiment_file) if experiment_file is not None else None
    store_path, name, out_dir, meta = _resolve(config, store, experiment, out)
    defaults = config.report if config is not None else None
    reference = reference or (defaults.reference_language if defaults else "en")
    n_boot = n_boot or (defaults.n_boot if defaults else 1000)
    cluster = cluster.value if cluster else (defaults.cluster if defaults else "language")
    if language_meta is not None:
        meta = read_language_meta(language_meta)
    if config is not None:
        job_ids, notices = _scope(config, console)
    else:
        job_ids, notices = None, _mixed_configs(store_path, name)
    for line in notices or []:
        console.print(line, highlight=False, soft_wrap=True)
    with console.status(f"analysing {name} ..."):
        summary = build_report(
            store_path, name, out_dir, reference=reference, language_meta=meta, metric=metric,
            variant=variant, direction=direction, n_boot=n_boot, seed=seed, cluster=cluster, split=split, job_ids=job_ids, notices=notices,
            **(defaults.study_design() if defaults else {}),
        )  # fmt: skip
    console.print(f"[bold]Report:[/] {summary.index_html}", highlight=False, soft_wrap=True)
    console.print(f"Markdown: {summary.index_md}", highlight=False, soft_wrap=True)
    console.print(
        f"{len(summary.tables)} tables (CSV) and {len(summary.figures)} figures in {out_dir}",
        soft_wrap=True,
    )
    console.rule("Answer")
    for paragraph in summary.answer.split("\n\n"):
        console.print(paragraph, highlight=False)
        console.print()


def register(app: typer.Typer) -> None:
    """Add the top-level ``report`` and ``fertility`` commands."""
    app.command("fertility")(fertility_command)
    app.command("report")(report_command)
