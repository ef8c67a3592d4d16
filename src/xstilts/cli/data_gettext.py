"""``xstilts data build gettext``: build the gettext task datasets and show what was built.

The CLI's ``data`` command group registers :func:`build_gettext`; this module only turns the
build's manifest into tables (per-language counts per task, class balances, skipped catalogs,
missing domains) so a user sees at a glance what their machine's catalogs gave.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from xstilts.cli.progress import RichDatasetView
from xstilts.data.gettext.build import build

console = Console()


def build_gettext(
    locale_dir: Path = typer.Option(
        Path("/usr/share/locale"),
        "--locale-dir",
        help="Folder of <locale>/LC_MESSAGES/<domain>.mo catalogs (Debian: /usr/share/locale).",
    ),
    force: bool = typer.Option(False, "--force", help="Rebuild even if the inputs have not changed."),
) -> None:
    """Build the msgdomain, msgretrieval and msgkind datasets from the machine's gettext catalogs.

    Examples:

      xstilts data build gettext

      xstilts data build gettext --locale-dir /usr/share/locale --force
    """
    with RichDatasetView(console) as view:
        result = build(locale_dir, force=force, on_event=view)
    manifest = result.manifest
    if result.status == "up_to_date":
        console.print(
            f"[green]gettext datasets are up to date[/] (same catalogs and builder v{manifest.builder_version}; "
            f"nothing to do, --force rebuilds): {result.path}",
            soft_wrap=True,
            highlight=False,
        )
        return
    details = manifest.details
    _print_counts(details)
    _print_balance(details, manifest.parameters)
    _print_problems(details)
    console.print(
        f"[green]built[/] {len(manifest.files)} files, {details['messages']['kept']} English messages "
        f"from {details['catalogs_read']} catalogs in {result.seconds:.1f} s -> {result.path}",
        soft_wrap=True,
        highlight=False,
    )


def _print_counts(details: dict[str, Any]) -> None:
    tasks = details["tasks"]
    columns = [
        ("msgdomain", "test"),
        ("msgretrieval", "test"),
        ("msgkind", "train"),
        ("msgkind", "dev"),
    ]
    table = Table(title="rows per language (en: msgdomain train/dev " + _en_domain(tasks) + ")")
    table.add_column("lang", overflow="fold")
    table.add_column("locale", overflow="fold")
    for task, split in columns:
        table.add_column(f"{task} {split}", justify="right", overflow="fold")
    languages = ["en", *sorted(details["locales"])]
    for language in languages:
        cells = [str(tasks.get(task, {}).get(split, {}).get(language, "-")) for task, split in columns]
        table.add_row(language, details["locales"].get(language, "msgid"), *cells)
    console.print(table)


def _en_domain(tasks: dict[str, Any]) -> str:
    domain = tasks.get("msgdomain", {})
    return f"{domain.get('train', {}).get('en', 0)}/{domain.get('dev', {}).get('en', 0)}"


def _print_balance(details: dict[str, Any], parameters: dict[str, Any]) -> None:
    counts = details["label_counts"]
    domain = Table(title="msgdomain class balance")
    domain.add_column("class", overflow="fold")
    for name in ("train-en", "dev-en", "test-en"):
        domain.add_column(name, justify="right", overflow="fold")
    for label in parameters["classes"]:
        domain.add_row(
            label,
            *(
                str(counts.get(f"msgdomain/{name}.jsonl", {}).get(label, 0))
                for name in ("train-en", "dev-en", "test-en")
            ),
        )
    console.print(domain)
    kind = Table(title="msgkind label balance (train)")
    kind.add_column("lang", overflow="fold")
    for label in parameters["kinds"]:
        kind.add_column(label, justify="right", overflow="fold")
    for language in ["en", *sorted(details["locales"])]:
        row = counts.get(f"msgkind/train-{language}.jsonl")
        if row:
            kind.add_row(language, *(str(row.get(label, 0)) for label in parameters["kinds"]))
    console.print(kind)


def _print_problems(details: dict[str, Any]) -> None:
    for line in details["skipped_catalogs"]:
        console.print(f"[yellow]skipped catalog:[/] {line}", highlight=False, soft_wrap=True)
    for entry in details["domains"]:
        if not entry["present"] and entry["class"] is not None:
            console.print(
                f"[yellow]missing domain:[/] {entry['name']} ({entry['class']}): {entry['install_hint']}",
                highlight=False,
            )
    drops = details["drops"]["english_messages"]
    if drops:
        shown = ", ".join(f"{reason} {count}" for reason, count in drops.items())
        console.print(f"English messages dropped: {shown}", highlight=False)
    for task, shared in details.get("shared_items", {}).items():
        console.print(
            f"{task}: the same {shared['items']} messages in each of {len(shared['languages'])} languages",
            highlight=False,
        )
    for task, languages in details["left_out"].items():
        if languages:
            shown = "; ".join(f"{lang}: {why}" for lang, why in sorted(languages.items()))
            console.print(f"[dim]{task} left out {shown}[/]", highlight=False, soft_wrap=True)


def kinds_agreement(
    gold: Path = typer.Option(None, "--gold", help="Hand-labelled TSV (default: the shipped sample)."),
    show: int = typer.Option(0, "--show", help="Also list this many disagreements."),
) -> None:
    """How well the msgkind rules agree with the hand-labelled sample (per-kind precision/recall).

    Examples:

      xstilts data kinds-agreement

      xstilts data kinds-agreement --show 20
    """
    from xstilts.data.gettext.validation import MIN_AGREEMENT, agreement, read_gold

    result = agreement(read_gold(gold))
    table = Table(title=f"msgkind rules v{result.rules_version} vs {result.n} hand-labelled messages")
    for column in ("kind", "gold", "rules", "precision", "recall"):
        table.add_column(column, justify="left" if column == "kind" else "right", overflow="fold")
    for kind, row in result.per_kind.iterrows():
        cells = [f"{row[c]:.3f}" if row[c] == row[c] else "n/a" for c in ("precision", "recall")]
        table.add_row(str(kind), str(int(row["gold"])), str(int(row["rules"])), *cells)
    console.print(table)
    confusion = Table(title="gold (rows) x rules (columns)")
    confusion.add_column("gold", overflow="fold")
    for kind in result.confusion.columns:
        confusion.add_column(kind, justify="right", overflow="fold")
    for kind, row in result.confusion.iterrows():
        confusion.add_row(str(kind), *(str(v) for v in row))
    console.print(confusion)
    batches = Table(title="per batch: agreement now, and as a blind test of the version frozen before it")
    for column in ("batch", "n", "agreement now", "blind test of", "blind agreement"):
        batches.add_column(column, justify="right", overflow="fold")
    for batch, row in result.per_batch.iterrows():
        blind = row["blind_agreement"]
        version = row["blind_version"]
        batches.add_row(str(batch), str(int(row["n"])), f"{row['agreement']:.1%}",
                        f"v{int(version)}" if version == version and version is not None else "-",
                        f"{blind:.1%}" if blind == blind and blind is not None else "-")  # fmt: skip
    console.print(batches)
    colour = "green" if result.agreement >= MIN_AGREEMENT else "red"
    console.print(f"agreement: [{colour}]{result.agreement:.1%}[/] (target >= {MIN_AGREEMENT:.0%})")
    for _, row in result.disagreements.head(show).iterrows():
        console.print(
            f"gold {row['gold']:8} rules {row['rules']:8} {row['text']}", highlight=False, markup=False
        )
