"""Tiny, randomly initialised encoders with a word-level tokenizer trained on given texts.

Why it exists: the tests and the benchmarks' ``--quick`` mode must run every code path (features,
heads, training, evaluation, caching) in seconds, without the 470 MB e5 build. A whitespace
word-level vocabulary over the texts at hand plus a 2-layer BERT is the smallest model that still
exercises real tokenization (special tokens, pairs, truncation) and real transformer layers.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

SPECIAL_TOKENS = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]


def save_random_word_level_encoder(
    folder: Path,
    texts: Iterable[str],
    *,
    hidden_size: int,
    intermediate_size: int,
    max_positions: int,
    num_layers: int = 2,
    num_heads: int = 2,
    min_frequency: int = 0,
    model_max_length: int | None = None,
    seed: int = 0,
) -> Path:
    """Train a word-level tokenizer on ``texts`` and save it with a random BertModel in ``folder``."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers, processors, trainers
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    tokenizer = Tokenizer(models.WordLevel(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer.train_from_iterator(
        texts, trainers.WordLevelTrainer(special_tokens=SPECIAL_TOKENS, min_frequency=min_frequency)
    )
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", 0), ("</s>", 2)]
    )
    extra = {"model_max_length": model_max_length} if model_max_length else {}
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
        mask_token="<mask>",
        cls_token="<s>",
        sep_token="</s>",
        **extra,
    )
    fast.save_pretrained(folder)
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=len(fast),
        hidden_size=hidden_size,
        num_hidden_layers=num_layers,
        num_attention_heads=num_heads,
        intermediate_size=intermediate_size,
        max_position_embeddings=max_positions,
        pad_token_id=fast.pad_token_id,
    )
    BertModel(config, add_pooling_layer=False).save_pretrained(folder)
    return folder
