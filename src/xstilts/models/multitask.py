"""One shared encoder, several task heads: the model every training phase uses.

Single-task training is the one-head case. Checkpoints are *deltas* against the pretrained
weights: only parameters a phase could change (its trainable parameters, plus whatever its parent
checkpoint had changed) are written, as safetensors. With the embedding matrix frozen (the
default: 96M of e5-small's 117M parameters), a checkpoint is ~85 MB instead of ~470 MB, and the
grid's dozens of checkpoints fit on a laptop disk.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from xstilts.errors import embedded_os_error
from xstilts.models.heads import HeadSpec, MLMHead, build_head, pool

MLM_HEAD = "__mlm__"


class MultiTaskModel(nn.Module):
    def __init__(self, encoder: nn.Module, head_specs: dict[str, HeadSpec], with_mlm: bool = False) -> None:
        super().__init__()
        self.encoder = encoder
        hidden = encoder.config.hidden_size
        self.head_specs = dict(head_specs)
        self.heads = nn.ModuleDict({name: build_head(hidden, spec) for name, spec in head_specs.items()})
        if with_mlm:
            self.heads[MLM_HEAD] = MLMHead(
                hidden, encoder.get_input_embeddings(), encoder.config.layer_norm_eps
            )

    def encode(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    def forward(self, task: str, batch: dict[str, torch.Tensor]):
        """(logits, loss) of ``task``'s head; loss is None without labels."""
        input_ids, attention_mask = batch["input_ids"], batch["attention_mask"]
        if input_ids.dim() == 3:  # multiple choice: encode every (stem, choice) pair at once
            batch = dict(batch, n_choices=input_ids.shape[1])
            input_ids = input_ids.reshape(-1, input_ids.shape[-1])
            attention_mask = attention_mask.reshape(-1, attention_mask.shape[-1])
            batch["flat_attention_mask"] = attention_mask
        hidden = self.encode(input_ids, attention_mask)
        return self.heads[task](hidden, batch)

    @torch.inference_mode()
    def embed(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, layer: int = -1, pooling: str = "mean"
    ) -> torch.Tensor:
        """Sentence embeddings from one encoder layer (retrieval tasks: no head, no training)."""
        if layer == -1:
            hidden = self.encode(input_ids, attention_mask)
        else:
            out = self.encoder(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True)
            hidden = out.hidden_states[layer]
        return pool(hidden.float(), attention_mask, pooling)  # type: ignore[arg-type]

    @torch.inference_mode()
    def embed_layers(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, layers: list[int], pooling: str = "mean"
    ) -> torch.Tensor:
        """Pooled embeddings of several hidden states from ONE forward pass: ``[len(layers), batch, hidden]``.

        ``hidden_states[0]`` is the embedding output and ``hidden_states[n]`` the last layer's, the
        counting of jiant's ``retrieval_layer`` (the paper's layer 14 of XLM-R Large's 24).
        """
        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True)
        return torch.stack([pool(out.hidden_states[k].float(), attention_mask, pooling) for k in layers])  # type: ignore[arg-type]


def trainable_keys(model: nn.Module) -> set[str]:
    return {name for name, param in model.named_parameters() if param.requires_grad}


def save_delta(model: MultiTaskModel, path: Path, keys: set[str]) -> int:
    """Write the named parameters (encoder delta + heads) to ``path`` (safetensors)."""
    from safetensors.torch import save_file

    state = model.state_dict()
    wanted = {k: state[k].detach().to("cpu").contiguous() for k in sorted(keys) if k in state}
    # MLM decoder is tied to the embeddings: never save the tie, only its own parameters.
    try:
        save_file(wanted, str(path))
    except Exception as error:  # safetensors reports a full disk as its own error type
        os_error = embedded_os_error(error, path)
        if os_error is None:
            raise
        raise os_error from error
    return sum(t.numel() for t in wanted.values())


def load_delta(model: nn.Module, path: Path, *, encoder_only: bool = False) -> set[str]:
    """Overwrite parameters from a delta file; returns the keys loaded."""
    from safetensors.torch import load_file

    delta = load_file(str(path))
    if encoder_only:
        delta = {k: v for k, v in delta.items() if k.startswith("encoder.")}
    missing = set(delta) - set(model.state_dict())
    if missing:
        raise KeyError(f"checkpoint {path} has parameters this model lacks: {sorted(missing)[:5]}")
    model.load_state_dict(delta, strict=False)
    return set(delta)
