"""The ``msgkind`` labels: what kind of message an English msgid is, by ordered, deterministic rules.

The rules read only the normalised English msgid (:func:`xstilts.data.gettext.cleaning.normalise`:
accelerators stripped, whitespace collapsed, so option-help lines start with their option). The
first rule that matches decides; the label is then carried to every translation of the message.
Version :data:`RULES_VERSION` is recorded in the manifest; change it with any rule.

===== ======== =================================================================== ==============================================
order label    rule                                                                examples
===== ======== =================================================================== ==============================================
1     usage    starts with "Usage"/"Try ... --help", an option (``-x``, ``--long``, ``Usage: %s [OPTION]... [FILE]...``,
               ``[-x``) or a psql backslash command (``\\dt``), unless the option ``-v, --verbose explain what is being done``
               is followed by a misuse word (with, requires, is, must, cannot,
               makes, does, conflicts, ...: :data:`_OPTION_MISUSE`)
2     question ends with ``?`` (closing quotes allowed, not a closing bracket:     ``Do you want to continue? [Y/n]``,
               "(broken .idx?)" is a hint); or has a yes/no choice ``[y/N]``,      ``Enter new UNIX password:``
               ``(yes/no)``; or is a prompt: starts with (please) enter/re-enter/
               retype/repeat/choose/select and ends with ``:``
3     error    has an error word (:data:`ERROR_PATTERN`: error, fail, cannot,      ``could not open file "%s": %m``,
               could not, unable, invalid, unknown, unexpected, missing, broken,   ``warning: EXIT procedure %s not defined``,
               bad(ly), not found, no such, denied, corrupt, too many/much, out of ``--trailer with --only-input does not make
               range, must, requires, does not, is not, warning, ...) or is an     sense``
               option misuse (rule 1's exception). Warnings count as errors: both
               are diagnostics
4     usage    first word (any case) is an imperative verb of :data:`HELP_VERBS`,  ``deepen history of shallow clone``,
               no final punctuation, not Title Case: an option's help text shown   ``Create multiple output files under
               without its flag (git parse-options, binutils, gnupg)               DIRECTORY``
5     label    starts with an uppercase letter, no final punctuation (``.!?:;…``),  ``Show Hidden Files And Folders``,
               at most :data:`MAX_LABEL_WORDS` real words, no finite verb (is,     ``Width, in pixels, of the tree view lines``,
               are, has, will, can, ...), no inner ". ", and not a progress line   ``Title of the print job``
               starting with an -ing word (unless Title Case): a title, menu item,
               setting or property name
6     info     everything else: statements, progress and status reports            ``Sets the language in which messages are
                                                                                   displayed.``, ``restoring large object with
                                                                                   OID %u``
===== ======== =================================================================== ==============================================

On the real Debian 12 corpus this gives roughly error 50%, info 30%, usage 12%, label 7%,
question 0.6% of English messages: questions are rare in software messages.
"""

from __future__ import annotations

import re

from xstilts.data.gettext.cleaning import real_word_count

KINDS: tuple[str, ...] = ("error", "question", "usage", "label", "info")
RULES_VERSION = 1
MAX_LABEL_WORDS = 10

_USAGE_START = re.compile(r"^(?:[Uu]sage\b|USAGE\b|[Tt]ry\b.*--help|[\[(]?--?[A-Za-z0-9?]|\\[a-z?!])")
_QUESTION_END = re.compile(r"\?[\s\"'”’»]*$")
_YES_NO = re.compile(r"[\[(]\s*(?:y/n|yes/no|j/n)\s*[\])]", re.IGNORECASE)
_PROMPT = re.compile(r"^(?:please\s+)?(?:enter|re-?enter|retype|repeat|choose|select)\b.*:$", re.IGNORECASE)
ERROR_PATTERN = re.compile(
    r"\b(?:"
    + "|".join(
        [
            r"errors?",
            r"fail(?:s|ed|ure|ing)?",
            r"cannot",
            r"can'?t",
            r"can not",
            r"could\s?n[o']t",
            r"unable",
            r"invalid",
            r"illegal",
            r"unknown",
            r"unexpected(?:ly)?",
            r"unsupported",
            r"not supported",
            r"unrecogni[sz]ed",
            r"no such",
            r"not found",
            r"missing",
            r"corrupt(?:ed|ion)?",
            r"bad(?:ly)?",
            r"wrong",
            r"denied",
            r"forbidden",
            r"fatal",
            r"abort(?:s|ed|ing)?",
            r"overflow",
            r"too (?:many|much|few|long|large|big|small|short)",
            r"unhandled",
            r"out of (?:memory|range|bounds)",
            r"exceed(?:s|ed)?",
            r"mismatch(?:ed)?",
            r"does(?:n't| not)",
            r"do(?:n't| not) match",
            r"is(?:n't| not)",
            r"are(?:n't| not)",
            r"not allowed",
            r"must",
            r"can only be",
            r"conflict(?:s|ing)?",
            r"incompatible",
            r"impossible",
            r"malformed",
            r"truncated",
            r"broken",
            r"refus(?:e|ed|es|ing)",
            r"undefined",
            r"duplicate",
            r"warning",
            r"expected",
            r"requires?",
            r"needs?",
            r"not (?:defined|specified|set|available|possible|permitted|configured|installed|running|enabled)",
            r"no \w+ (?:specified|given|provided|defined|available)",
        ]
    )
    + r")\b",
    re.IGNORECASE,
)
_HELP_VERB_TEXT = """
add allow append apply ask assume attempt be change check choose clear compare compress connect
continue convert copy create decompress decrypt deepen define delete describe detect disable
display do dump edit emit enable encrypt exclude execute export fetch follow force generate
give hide ignore import include install keep limit list make mark merge move omit override pass
prefer prepend preserve print produce prompt prune push read recurse reject remove rename
replace require reset restore resume retry reuse run save select send set show sign skip
specify strip suppress treat trust try turn unset update use verify warn write
"""
HELP_VERBS = frozenset(_HELP_VERB_TEXT.split())
# A statement has a finite verb; a label (title, menu item, property name) usually has none.
_FINITE_VERB = re.compile(
    r"\b(?:is|are|was|were|has|have|had|will|would|can|could|should|may|might|does|did)\b", re.IGNORECASE
)
# "--trailer with --only-input does not make sense": a diagnostic about an option, not its help.
_OPTION_MISUSE = re.compile(
    r"^(?:[\[(]?--?\S+,?\s+)+(?:with|and|requires?|is|are|must|cannot|can|makes|does|needs?|"
    r"expects?|used|conflicts?|takes|should|ignored|given)\b",
    re.IGNORECASE,
)
_FINAL_PUNCTUATION = re.compile(r"[.!?:;…]['\"”’»)\]]*$")


def _title_case(text: str) -> bool:
    """Every word of four or more letters is capitalised ("Show Hidden Files", "Save As Image")."""
    long_words = [word for word in re.findall(r"[^\W\d_]+", text) if len(word) >= 4]
    return bool(long_words) and all(word[0].isupper() for word in long_words)


def message_kind(english: str) -> str:
    """The msgkind label of a normalised English msgid (rules in the module docstring)."""
    text = english.strip()
    if _USAGE_START.search(text) and not _OPTION_MISUSE.search(text):
        return "usage"
    if _QUESTION_END.search(text) or _YES_NO.search(text) or _PROMPT.search(text):
        return "question"
    if ERROR_PATTERN.search(text) or _OPTION_MISUSE.search(text):
        return "error"
    final_punctuation = _FINAL_PUNCTUATION.search(text) is not None
    first_word = text.split(" ", 1)[0].lower()
    if not final_punctuation and first_word in HELP_VERBS and not _title_case(text):
        return "usage"
    if (
        not final_punctuation
        and text[:1].isupper()
        and real_word_count(text) <= MAX_LABEL_WORDS
        and not _FINITE_VERB.search(text)
        and ". " not in text
        and not (first_word.endswith("ing") and not _title_case(text))  # "Skipping file %s": progress
    ):
        return "label"
    return "info"
