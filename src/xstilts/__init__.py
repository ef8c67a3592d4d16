"""xstilts: cross-lingual STILTs.

Pretrained multilingual encoder -> intermediate task(s) -> English target-task fine-tuning ->
zero-shot evaluation in every language, with the transfer gap measured against typological
distance.
"""

__version__ = "0.1.0"
