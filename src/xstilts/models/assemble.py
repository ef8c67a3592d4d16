"""Rebuild a model for a phase: pretrained encoder + the deltas of the artifacts it descends from."""

from __future__ import annotations

from pathlib import Path

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
) -> tuple[MultiTaskModel, set[str]]:
    """Return the model and the parameter names the parent checkpoint had changed.

    ``parent_heads`` loads the parent's heads too (evaluation of a fine-tuned model); otherwise
    only its encoder is transferred and the heads start fresh (STILTs).
    """
    encoder = load_encoder(model_name)
    model = MultiTaskModel(encoder, head_specs, with_mlm=with_mlm)
    inherited: set[str] = set()
    if parent_dir is not None:
        inherited = load_delta(model, parent_dir / WEIGHTS, encoder_only=not parent_heads)
    return model, {k for k in inherited if k.startswith("encoder.")}
