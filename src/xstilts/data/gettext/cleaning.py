"""Turn raw catalog strings into clean message text, and decide which English messages to keep.

Normalisation (both the English msgid and the translation):

1. strip the keyboard-accelerator marker: ``_File`` -> ``File`` (GTK), ``&File`` -> ``File`` (Qt),
   and in translations the parenthesised CJK form ``ファイル(_F)`` -> ``ファイル``. A marker is
   only removed where it is unambiguous: exactly one candidate, at the start of a word (start of
   text, after a space or an opening bracket/quote; ``_`` also after a hyphen, ``ZWNJ-_Trenner``),
   followed by a letter or digit, in a token with no other ``_``/``.``/``*`` (so ``pg_dump``,
   ``%_d``, ``_http._tcp``, ``GST_ELEMENT_*``, ``AT&T`` and ``&amp;`` stay as they are);
2. Unicode NFC;
3. collapse every run of whitespace (newlines and tabs of help texts included) to one space and
   trim the ends.

Keeping an English message (:func:`english_verdict`), decided on the normalised msgid:

- ``too_short``: fewer than :data:`MIN_WORDS` real words. A real word is a whitespace token that,
  once surrounding punctuation is removed, consists of letters (with inner ``'`` or ``-``) and has
  at least one letter; placeholders, options, paths and identifiers are not words. Pure
  punctuation, bare placeholders ("%s: %s") and one- to three-word labels fall here.
- ``too_long``: more than :data:`MAX_WORDS` real words (whole help screens; they would be cut at
  the task's 64-token limit and are not single messages).
- ``placeholders``: mostly code, i.e. more than :data:`MAX_CODE_RATIO` of the tokens are *code
  tokens*: a printf conversion (``%s``, ``%1$s``, ``%-10.*s``, ``%<PRIu64>``, ``%pB``), a format
  field (``{0}``, ``{name}``), a Python ``%(name)s``, a shell variable (``$VAR``, ``${VAR}``), an
  XML/HTML tag or usage meta-variable (``<b>``, ``</i>``, ``<file>``), an option (``-v``,
  ``--verbose``, ``[--force]``), an assignment or path (``a=b``, ``/usr/lib``). "Mostly" is a
  ratio, not "any": "cannot open %s: %s" has a real meaning and keeps its placeholders (they
  are part of the message and appear verbatim in every translation).

A translation is usable (:func:`translation_verdict`) unless it is empty after normalisation
(``empty``) or identical to the English text (``untranslated``: a copied msgid is no evidence of
the language, and makes retrieval trivial).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

MIN_WORDS = 4
MAX_WORDS = 60
MAX_CODE_RATIO = 0.4

_ACCEL_PAREN = re.compile(r"\s*\(\s*[_&][A-Za-z0-9]\s*\)")
_ACCEL_UNDERSCORE = re.compile(r"(?:(?<=^)|(?<=[\s(\[\"'“‘«-]))_(?=[^\W_])")
_ACCEL_AMPERSAND = re.compile(r"(?:(?<=^)|(?<=[\s(\[\"'“‘«]))&(?=[^\W_])(?![^\W_]+;)")
_WHITESPACE = re.compile(r"\s+")

_PRINTF = r"%(?:\d+\$)?[-+ #0']*(?:\d+|\*)?(?:\.(?:\d+|\*))?(?:hh|h|ll|l|L|q|j|z|Z|t|I64)?(?:<\w+>|p[A-Z]|[A-Za-z%])"
_CODE_TOKEN = re.compile(
    "|".join(
        [
            _PRINTF,
            r"\{[^{}\s]*\}",  # {0} {name}
            r"%\(\w+\)[a-z]",  # %(name)s
            r"\$\{?\w+\}?",  # $VAR ${VAR}
            r"</?[A-Za-z][^<>]*>",  # tags and usage meta-variables
            r"^[\[(]*--?[A-Za-z0-9]",  # options, also inside [brackets]
            r"\w=",  # key=value
            r"(?:^|\w)/\w",  # paths
        ]
    )
)
_WORD = re.compile(r"^[^\w]*([^\W\d_]+(?:['’-][^\W\d_]+)*)[^\w]*$")


def _strip_accelerator(text: str, pattern: re.Pattern[str]) -> str:
    hits = list(pattern.finditer(text))
    if len(hits) != 1:
        return text
    start = hits[0].start()
    token_end = len(text)
    space = re.search(r"\s", text[start:])
    if space is not None:
        token_end = start + space.start()
    if re.search(r"[_.*]", text[start + 1 : token_end].rstrip(".:…")):
        return text
    return text[:start] + text[start + 1 :]


def strip_accelerators(text: str) -> str:
    """Remove one keyboard-accelerator marker (see the module docstring for when)."""
    text = _ACCEL_PAREN.sub("", text)
    text = _strip_accelerator(text, _ACCEL_UNDERSCORE)
    return _strip_accelerator(text, _ACCEL_AMPERSAND)


def normalise(text: str) -> str:
    """Accelerators out, NFC, one space between tokens."""
    text = unicodedata.normalize("NFC", strip_accelerators(text))
    return _WHITESPACE.sub(" ", text).strip()


def is_code_token(token: str) -> bool:
    return _CODE_TOKEN.search(token) is not None


def real_word_count(text: str) -> int:
    """Tokens that are words (letters, inner apostrophe/hyphen), not code or punctuation."""
    return sum(1 for token in text.split() if not is_code_token(token) and _WORD.match(token))


def code_ratio(text: str) -> float:
    tokens = text.split()
    if not tokens:
        return 1.0
    return sum(1 for token in tokens if is_code_token(token)) / len(tokens)


def english_verdict(text: str) -> str | None:
    """``None`` if the normalised English message is kept, else the drop reason."""
    words = real_word_count(text)
    if words < MIN_WORDS:
        return "too_short"
    if words > MAX_WORDS:
        return "too_long"
    if code_ratio(text) > MAX_CODE_RATIO:
        return "placeholders"
    return None


def translation_verdict(english: str, translation: str) -> str | None:
    """``None`` if the normalised translation is usable, else the drop reason."""
    if not translation:
        return "empty"
    if translation == english:
        return "untranslated"
    return None


def message_id(english: str) -> str:
    """Stable id of an English message: the same text gets the same id on every machine."""
    return hashlib.sha256(english.encode("utf-8")).hexdigest()[:16]
