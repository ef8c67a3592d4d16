"""Put a freshly assembled model in its training configuration (one place for pipeline and API)."""

from __future__ import annotations

from torch import nn

from xstilts.training.optim import EmbeddingMode, configure_embeddings


def prepare_model(
    model: nn.Module,
    device: str,
    embedding_mode: EmbeddingMode = "frozen",
    *,
    gradient_checkpointing: bool = False,
    compile_encoder: bool = False,
) -> None:
    """Apply the memory/speed options to ``model.encoder`` and move the model to ``device``.

    The embedding mode must be set before the optimiser is built (it decides which parameters
    train), checkpointing before the first forward, compilation after the move.
    """
    configure_embeddings(model.encoder, embedding_mode)
    if gradient_checkpointing:  # renamed in transformers 5.2x; older 5.x only has the old name
        enable = getattr(model.encoder, "activation_checkpointing_enable", None)
        (enable or model.encoder.gradient_checkpointing_enable)()
    model.to(device)
    if compile_encoder:
        import torch

        model.encoder = torch.compile(model.encoder, dynamic=False)
