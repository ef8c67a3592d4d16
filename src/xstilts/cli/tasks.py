"""``xstilts tasks``: list the registered tasks and check a task's data files.

``list`` shows every task of the registry (whatever module declared it) with the languages whose
files are on disk; ``check`` reads every (split, language) found, validates the examples against
the task-type contract (and a mining task's gold pairs against its corpora), counts examples per
split and language and per layout read (XTREME file, original release, export; a test file
whose labels are withheld counts as "(no labels)": it can be predicted, not scored), and reports a malformed file as its one-line error without stopping, so
one command surveys a whole ``download/`` folder. Exit code 1 when any file failed.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from xstilts.errors import MissingResourceError, XstiltsError
from xstilts.tasks.readers.sources import LAYOUTS_READ, NOTES_READ, ReleaseTaskSpec, unlabelled_reading
from xstilts.tasks.readers.validate import check_examples, check_gold, is_unlabelled
from xstilts.tasks.registry import all_tasks, get_task
from xstilts.tasks.spec import TaskSpec

app = typer.Typer(no_args_is_help=True, help="List tasks and check their data files.")

DATA_DIR_HELP = "Data root holding the task files (e.g. the xtreme repo's download/ folder)."


def _fail(console: Console, error: XstiltsError) -> typer.Exit:
    """Print a user error as one line; the caller raises the returned exit (code 2, as main())."""
    console.print(f"[bold red]error:[/] {escape(error.one_line())}", highlight=False, soft_wrap=True)
    return typer.Exit(2)


def _found_languages(spec: TaskSpec, data_dir: Path | None) -> str:
    """The languages with files on disk, or '-' when the task has no data root to look in."""
    if data_dir is None and not spec.default_data_subdir:
        return "-"
    try:
        found = spec.languages_on_disk(spec.data_root(data_dir))
    except Exception as error:  # one task's broken declaration must not hide the others
        return escape(f"error: {error}")
    languages = sorted(set().union(*found.values())) if found else []
    return escape(f"{len(languages)}: {' '.join(languages)}") if languages else "none"


@app.command("list")
def list_tasks(
    data_dir: Path | None = typer.Option(None, "--data-dir", help=DATA_DIR_HELP, file_okay=False),
) -> None:
    """Every registered task: type, roles, main metric, declared languages, languages on disk.

    Example:

      xstilts tasks list
    """
    table = Table(title="xstilts tasks", show_lines=False)
    for column in ("task", "type", "roles", "main metric", "#langs", "found on disk"):
        table.add_column(
            column, no_wrap=column == "task", overflow="fold", ratio=2 if column == "found on disk" else None
        )
    for name, spec in all_tasks().items():
        table.add_row(
            name,
            str(spec.task_type),
            ",".join(role.value for role in spec.roles),
            spec.main_metric,
            str(len(spec.languages)),
            _found_languages(spec, data_dir),
        )
    Console().print(table)


@app.command("check")
def check(
    task: str = typer.Argument(..., help="Task name (see `xstilts tasks list`)."),
    data_dir: Path | None = typer.Option(None, "--data-dir", help=DATA_DIR_HELP, file_okay=False),
) -> None:
    """Read and validate every (split, language) of TASK on disk; print counts and errors.

    Examples:

      xstilts tasks check msgdomain

      xstilts tasks check xnli --data-dir download
    """
    console = Console()
    try:
        spec = get_task(task)
        root = spec.data_root(data_dir)
        found = spec.languages_on_disk(root)
    except XstiltsError as error:
        raise _fail(console, error) from None
    splits = [split for split, languages in found.items() if languages]
    if not splits:
        console.print(
            f"[bold red]error:[/] {escape(f'no {task} files under {root} (expected e.g. {next(iter(spec.files.values()))})')}",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(1)
    counts, layouts, notes, errors = _read_all(spec, root, found, splits)
    table = Table(title=escape(f"{task}: examples per split and language ({root})"))
    table.add_column("language", overflow="fold")
    for split in splits:
        table.add_column(split, justify="right", overflow="fold")
    for lang in sorted({lang for split in splits for lang in found[split]}):
        table.add_row(lang, *(counts.get((split, lang), "-") for split in splits))
    console.print(table)
    console.print(_layout_table(task, layouts))
    for line in notes:
        console.print(f"note: {escape(line)}", highlight=False, soft_wrap=True)
    for line in errors:
        console.print(f"[bold red]error:[/] {escape(line)}", highlight=False, soft_wrap=True)
    if errors:
        raise typer.Exit(1)
    console.print(escape(f"{task}: {len(counts)} file(s) read, all valid"), highlight=False)


def _read_all(spec: TaskSpec, root: Path, found: dict[str, list[str]], splits: list[str]):
    """Read and check every (split, language): count cells, examples per layout, notes, error lines."""
    counts: dict[tuple[str, str], str] = {}
    layouts: dict[tuple[str, str], list[int]] = {}  # (layout, split) -> [languages, examples]
    notes: list[str] = []
    errors: list[str] = []
    for split in splits:
        for lang in found[split]:
            try:
                with unlabelled_reading():
                    examples = spec.read(root, split, lang)
                check_examples(spec, examples, f"{spec.name} {split} {lang}")
                cell = str(len(examples))
                if examples and is_unlabelled(spec.task_type, examples[0]):
                    cell += " (no labels)"
                gold, missing = _gold(spec, root, split, lang)
                if gold is not None:
                    check_gold(examples, gold, f"{spec.name} {split} {lang} gold")
                    cell += f" ({len(gold)} gold)"
                elif missing:
                    cell += " (no gold)"
                    notes.append(f"{spec.name} {split} {lang}: predict-only, {missing}")
                counts[split, lang] = cell
                layout = LAYOUTS_READ.get((spec.name, split, lang), "?")
                tally = layouts.setdefault((layout, split), [0, 0])
                tally[0] += 1
                tally[1] += len(examples)
                notes.extend(
                    f"{spec.name} {split} {lang}: {note}"
                    for note in NOTES_READ.get((spec.name, split, lang), [])
                )
            except XstiltsError as error:
                counts[split, lang] = "[red]error[/]"
                errors.append(error.one_line())
    return counts, layouts, notes, errors


def _gold(spec: TaskSpec, root: Path, split: str, lang: str) -> tuple[set | None, str]:
    """A mining task's gold pairs, or why there are none: a missing *test* gold (XTREME deletes
    it) makes the split predict-only; a missing sample gold is an error (it sets the threshold)."""
    if not isinstance(spec, ReleaseTaskSpec) or not spec.gold_reader:
        return None, ""
    try:
        return spec.read_gold(root, split, lang), ""
    except MissingResourceError as error:
        if split != spec.test_split:
            raise
        return None, error.one_line()


def _layout_table(task: str, layouts: dict[tuple[str, str], list[int]]) -> Table:
    """Which layouts (release file, original release, export) the counts came from."""
    table = Table(title=escape(f"{task}: examples per layout read"))
    for column in ("layout", "split", "languages", "examples"):
        table.add_column(
            column, justify="right" if column in ("languages", "examples") else "left", overflow="fold"
        )
    for (layout, split), (n_languages, n_examples) in sorted(layouts.items()):
        table.add_row(escape(layout), split, str(n_languages), str(n_examples))
    return table
