"""Answer normalisation of the official QA scripts: SQuAD v1.1/v2.0 and MLQA's per-language rules.

EM and F1 compare *normalised* answers, so the normaliser is the metric. Two official families:

- **SQuAD** (``evaluate-v1.1.py``/``evaluate-v2.0.py``, XTREME's ``evaluate_squad``): lower-case,
  drop ASCII punctuation (``string.punctuation``), replace the English articles ``a/an/the`` (as
  whole words) by a space, collapse whitespace; tokens are whitespace-separated.
- **MLQA** (``mlqa_evaluation_v1.py``, XTREME's ``evaluate_mlqa``): lower-case; drop every character
  whose Unicode category starts with ``P`` plus ``string.punctuation`` (which adds the ASCII symbols
  ``$+<=>^`|~``); replace the language's articles by a space; tokenise on whitespace, except Chinese,
  which is split into single CJK characters (U+4E00-U+9FA5) with the non-CJK stretches
  whitespace-tokenised ("mixed segmentation"). Articles: en ``a an the``; es ``un una unos unas el la
  los las``; de ``ein eine einen einem eines einer der die das den dem des``; vi ``của là cái chiếc
  những``; hi and zh none. Arabic's rule is the regex ``\\sال^|ال``: its first branch can never match
  (``^`` after consumed text), so *every* occurrence of ``ال`` is replaced by a space, also inside
  words (``مال`` -> ``م``); kept as is so scores match MLQA's.

Languages the MLQA script does not know (it raises for them) get the MLQA treatment without
articles: Unicode punctuation removed, whitespace tokens.
"""

from __future__ import annotations

import functools
import re
import string
import sys
import unicodedata
from collections.abc import Callable

from xstilts.languages import get_language
from xstilts.tasks.metrics._inputs import MetricInputError

_ASCII_PUNCTUATION = frozenset(string.punctuation)

_SQUAD_ARTICLES = re.compile(r"\b(a|an|the)\b")
_MLQA_ARTICLES: dict[str, re.Pattern[str]] = {
    "en": re.compile(r"\b(a|an|the)\b"),
    "es": re.compile(r"\b(un|una|unos|unas|el|la|los|las)\b"),
    "de": re.compile(r"\b(ein|eine|einen|einem|eines|einer|der|die|das|den|dem|des)\b"),
    "vi": re.compile(r"\b(của|là|cái|chiếc|những)\b"),
}
_ARABIC_ARTICLE = "ال"
_CJK_CHARACTER = re.compile(r"[\u4e00-\u9fa5]")
MLQA_LANGUAGES: tuple[str, ...] = ("en", "es", "hi", "vi", "de", "ar", "zh")


@functools.cache
def unicode_punctuation() -> frozenset[str]:
    """Unicode P* characters plus ``string.punctuation``, as MLQA builds its set.

    Built on first use (a scan of all code points, ~0.5 s), not at import, so that listing the
    metric registry stays instant.
    """
    characters = (chr(code) for code in range(sys.maxunicode))
    return frozenset(ch for ch in characters if unicodedata.category(ch).startswith("P")) | _ASCII_PUNCTUATION


def canonical_language(language: str | None) -> str | None:
    """``zh``/``zho``/``zh-Hans`` -> ``zh``; ``None`` stays ``None``; unknown two-letter codes raise."""
    if language is None:
        return None
    return get_language(language).code


def normalize_squad(text: str) -> str:
    """SQuAD v1.1/v2.0 ``normalize_answer``: lower, ASCII punctuation out, a/an/the out, whitespace."""
    lowered = text.lower()
    no_punctuation = "".join(ch for ch in lowered if ch not in _ASCII_PUNCTUATION)
    no_articles = _SQUAD_ARTICLES.sub(" ", no_punctuation)
    return " ".join(no_articles.split())


def _remove_mlqa_articles(text: str, language: str) -> str:
    if language == "ar":
        # Equivalent to MLQA's re.sub('\\sال^|ال', ' ', text): the first branch never matches.
        return text.replace(_ARABIC_ARTICLE, " ")
    pattern = _MLQA_ARTICLES.get(language)
    return pattern.sub(" ", text) if pattern else text


def mixed_segmentation(text: str) -> list[str]:
    """MLQA's Chinese tokenisation: each CJK character or punctuation mark alone, the rest by whitespace."""
    punctuation = unicode_punctuation()
    tokens: list[str] = []
    pending = ""
    for ch in text:
        if _CJK_CHARACTER.match(ch) or ch in punctuation:
            tokens.extend(pending.split())
            pending = ""
            tokens.append(ch)
        else:
            pending += ch
    tokens.extend(pending.split())
    return tokens


def normalize_mlqa(text: str, language: str) -> str:
    """MLQA ``normalize_answer`` for ``language`` (ISO 639-1), tokens joined by single spaces."""
    punctuation = unicode_punctuation()
    lowered = text.lower()
    no_punctuation = "".join(ch for ch in lowered if ch not in punctuation)
    no_articles = _remove_mlqa_articles(no_punctuation, language)
    tokens = mixed_segmentation(no_articles) if language == "zh" else no_articles.split()
    return " ".join(token for token in tokens if token.strip())


def normalizer_for(language: str | None, *, rules: str = "auto") -> Callable[[str], str]:
    """The normaliser to compare answers with.

    ``rules="auto"`` (the registered ``exact_match``/``qa_f1``): SQuAD for English or no language,
    MLQA's rules for every other language. ``"squad"``: SQuAD whatever the language (XTREME's
    XQuAD/TyDiQA scoring). ``"mlqa"``: MLQA's rules, English included (XTREME's MLQA scoring).
    """
    code = canonical_language(language)
    if rules == "squad" or (rules == "auto" and code in (None, "en")):
        return normalize_squad
    if rules not in ("auto", "mlqa"):
        raise MetricInputError(
            f"unknown answer normalisation rules {rules!r}", fix="use 'auto', 'squad' or 'mlqa'"
        )
    mlqa_code = code or "en"
    return lambda text: normalize_mlqa(text, mlqa_code)
