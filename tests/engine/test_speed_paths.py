"""The CPU speed paths change no numbers and share nothing that a job writes to."""

from __future__ import annotations

import torch

from tests.support.tiny import build_tiny_model, write_data
from xstilts.engine.precision import RuntimeChoice, autocast, cast_for_inference
from xstilts.models.assemble import WEIGHTS, assemble
from xstilts.models.heads import HeadSpec
from xstilts.models.loading import load_encoder
from xstilts.models.multitask import save_delta

BF16 = RuntimeChoice("cpu", "bf16", "test", 1, "", torch.__version__)


def _tiny(tmp_path):
    return str(build_tiny_model(tmp_path / "model", write_data(tmp_path / "data")))


def test_inference_cast_gives_the_logits_autocast_gives(tmp_path):
    folder = _tiny(tmp_path)
    heads = {"topic": HeadSpec("classification", 4, "mean", 0.0)}
    torch.manual_seed(0)
    model, _ = assemble(folder, heads)
    model.eval()
    ids = torch.randint(5, 60, (6, 9))
    batch = {"input_ids": ids, "attention_mask": torch.ones_like(ids)}
    with torch.inference_mode(), autocast(BF16):
        before, _ = model("topic", batch)
    cast_for_inference(model, BF16)
    linears = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    assert linears and all(m.weight.dtype == torch.bfloat16 for m in linears)
    assert model.encoder.get_input_embeddings().weight.dtype == torch.float32
    with torch.inference_mode(), autocast(BF16):
        after, _ = model("topic", batch)
    assert torch.equal(before, after)


def test_shared_embeddings_are_one_tensor_and_a_trained_parent_gets_its_own(tmp_path):
    folder = _tiny(tmp_path)
    first = load_encoder(folder, share_input_embeddings=True)
    second = load_encoder(folder, share_input_embeddings=True)
    private = load_encoder(folder)
    shared = first.get_input_embeddings().weight
    assert shared is second.get_input_embeddings().weight
    assert private.get_input_embeddings().weight is not shared
    assert torch.equal(private.get_input_embeddings().weight, shared)
    # a parent whose delta holds the embedding matrix: loading it must not touch the shared copy
    heads = {"topic": HeadSpec("classification", 4, "mean", 0.0)}
    parent, _ = assemble(folder, heads)
    with torch.no_grad():
        parent.encoder.get_input_embeddings().weight.add_(1.0)
    (tmp_path / "parent").mkdir()
    save_delta(parent, tmp_path / "parent" / WEIGHTS, {n for n, _ in parent.named_parameters()})
    pristine = shared.detach().clone()
    child, _ = assemble(folder, heads, tmp_path / "parent", share_input_embeddings=True)
    assert torch.equal(child.encoder.get_input_embeddings().weight, pristine + 1.0)
    assert torch.equal(
        load_encoder(folder, share_input_embeddings=True).get_input_embeddings().weight, pristine
    )
