"""Rebuild a model for a phase: pretrained encoder + the deltas of the artifacts it descends from."""

from __future__ import annotations

from pathlib import Path

import torch

from xstilts.models.heads import HeadSpec
from xstilts.models.loading import load_encoder
from xstilts.models.multitask import MultiTaskModel, load_delta

WEIGHTS = "model.safetensors"


def assemble(
    model_name: str,
    head_specs: dict[str, HeadSpec],
    parent_dir: Path | None = None,
    *,
    parent_heads: bool = False,
    with_mlm: bool = False,
    share_input_embeddings: bool = False,
) -> tuple[MultiTaskModel, set[str]]:
    """Return the model and the parameter names the parent checkpoint had changed.

    ``parent_heads`` loads the parent's heads too (evaluation of a fine-tuned model); otherwise
    only its encoder is transferred and the heads start fresh (STILTs). ``share_input_embeddings``
    (see :func:`load_encoder`) is ignored when the parent's delta holds embedding rows.
    """
    encoder = load_encoder(model_name, share_input_embeddings=share_input_embeddings)
    if share_input_embeddings and parent_dir is not None:
        _own_embeddings_if_overwritten(encoder, parent_dir / WEIGHTS)
    model = MultiTaskModel(encoder, head_specs, with_mlm=with_mlm)
    inherited: set[str] = set()
    if parent_dir is not None:
        inherited = load_delta(model, parent_dir / WEIGHTS, encoder_only=not parent_heads)
    return model, {k for k in inherited if k.startswith("encoder.")}


def _own_embeddings_if_overwritten(encoder, path: Path) -> None:
    """Give the encoder its own embedding matrix when the parent's delta writes to it (a parent
    trained its embeddings): loading into the shared one would change every later job's."""
    from safetensors import safe_open

    embedding = encoder.get_input_embeddings()
    name = next(n for n, p in encoder.named_parameters() if p is embedding.weight)
    with safe_open(str(path), framework="pt") as handle:
        if f"encoder.{name}" in handle.keys():  # noqa: SIM118 (safe_open has no __contains__)
            embedding.weight = torch.nn.Parameter(embedding.weight.detach().clone())
