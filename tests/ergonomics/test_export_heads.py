"""Each exported stock head computes exactly what xstilts' head computes (BERT and XLM-R layouts)."""

from __future__ import annotations

import pytest
import torch

from xstilts.models.assemble import WEIGHTS, assemble
from xstilts.models.export import export_checkpoint
from xstilts.models.heads import HeadSpec
from xstilts.models.multitask import save_delta, trainable_keys


def _encoder_folder(root, model_type: str):
    from transformers import BertConfig, BertModel, XLMRobertaConfig, XLMRobertaModel

    folder = root / model_type
    if not (folder / "config.json").is_file():
        torch.manual_seed(0)
        shape = dict(vocab_size=60, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=40, pad_token_id=1)  # fmt: skip
        if model_type == "bert":
            BertModel(BertConfig(**shape), add_pooling_layer=False).save_pretrained(folder)
        else:
            XLMRobertaModel(XLMRobertaConfig(**shape), add_pooling_layer=False).save_pretrained(folder)
    return folder


@pytest.mark.parametrize(
    ("model_type", "task_type", "auto_class"),
    [
        ("bert", "classification", "AutoModelForSequenceClassification"),
        ("xlm-roberta", "pair_classification", "AutoModelForSequenceClassification"),
        ("xlm-roberta", "tagging", "AutoModelForTokenClassification"),
        ("bert", "span_qa", "AutoModelForQuestionAnswering"),
    ],
)
def test_stock_heads_reproduce_the_xstilts_logits(
    tiny_world, tmp_path_factory, model_type, task_type, auto_class
):
    import transformers
    from transformers import AutoTokenizer

    root = tmp_path_factory.getbasetemp() / "export-heads"
    folder = _encoder_folder(root, model_type)
    labels = 0 if task_type == "span_qa" else 3
    specs = {"task": HeadSpec(task_type, labels, "first", 0.1)}
    torch.manual_seed(1)
    model, _ = assemble(str(folder), specs)
    with torch.no_grad():  # a "trained" encoder: move every weight, so the delta matters
        for parameter in model.encoder.parameters():
            parameter.add_(0.01 * torch.randn_like(parameter))
    artifact = tmp_path_factory.mktemp("artifact")
    save_delta(model, artifact / WEIGHTS, trainable_keys(model))
    meta = {
        "head_specs": {"task": specs["task"].as_dict()},
        "labels": {"task": ["a", "b", "c"]} if labels else {},
    }
    tokenizer = AutoTokenizer.from_pretrained(tiny_world["model"])
    out = tmp_path_factory.mktemp("exported")
    result = export_checkpoint(str(folder), artifact, meta, out, tokenizer, {"job": "test"})
    assert result.auto_class == auto_class
    stock = getattr(transformers, auto_class).from_pretrained(out).eval()
    model.eval()
    ids = torch.randint(2, 60, (3, 9))
    mask = torch.ones_like(ids)
    mask[0, 6:] = 0
    with torch.no_grad():
        ours, _ = model("task", {"input_ids": ids, "attention_mask": mask})
        theirs = stock(input_ids=ids, attention_mask=mask)
    if task_type == "span_qa":
        real = mask.bool()
        assert torch.allclose(ours[..., 0][real], theirs.start_logits[real], atol=1e-5)
        assert torch.allclose(ours[..., 1][real], theirs.end_logits[real], atol=1e-5)
    else:
        assert torch.allclose(ours, theirs.logits, atol=1e-5)
    if labels:
        assert stock.config.id2label == {0: "a", 1: "b", 2: "c"}


def test_mean_pooling_exports_the_encoder_and_the_head_weights(tiny_world, tmp_path):
    from safetensors.torch import load_file
    from transformers import AutoModel, AutoTokenizer

    folder = _encoder_folder(tmp_path, "xlm-roberta")
    specs = {"task": HeadSpec("classification", 2, "mean", 0.1)}
    model, _ = assemble(str(folder), specs)
    save_delta(model, tmp_path / WEIGHTS, trainable_keys(model))
    meta = {"head_specs": {"task": specs["task"].as_dict()}, "labels": {"task": ["x", "y"]}}
    out = tmp_path / "out"
    tokenizer = AutoTokenizer.from_pretrained(tiny_world["model"])
    result = export_checkpoint(str(folder), tmp_path, meta, out, tokenizer, {})
    assert result.auto_class == "AutoModel" and result.head is None
    heads = load_file(str(out / "xstilts_heads.safetensors"))
    assert set(heads) == {"task.dense.weight", "task.dense.bias", "task.out.weight", "task.out.bias"}
    encoder = AutoModel.from_pretrained(out).eval()
    ids = torch.randint(2, 60, (2, 7))
    with torch.no_grad():
        expected = model.eval().encoder(input_ids=ids).last_hidden_state
        assert torch.allclose(encoder(input_ids=ids).last_hidden_state, expected, atol=1e-5)
