"""The ``msgkind`` labels: what kind of message an English msgid is, by ordered, deterministic rules.

The rules read the normalised English msgid (:func:`xstilts.data.gettext.cleaning.normalise`:
accelerators stripped, whitespace collapsed, so option-help lines start with their option) and
the catalogs it comes from (only to recognise property catalogs). The first rule that matches
decides; the label is then carried to every translation of the message.
Version :data:`RULES_VERSION` is recorded in the manifest; change it with any rule.

===== ======== =================================================================== ==============================================
order label    rule                                                                examples
===== ======== =================================================================== ==============================================
1     usage    starts with "Usage"/"Try ... --help", an option (``-x``, ``--long``, ``Usage: %s [OPTION]... [FILE]...``,
               ``[-x``) or a psql backslash command (``\\dt``), unless the option ``-v, --verbose explain what is being done``
               is followed by a misuse word (:data:`_OPTION_MISUSE`)
2     label    every catalog of the message is a property/schema catalog           ``Display the standard backward arrow button``
               (:data:`PROPERTY_CATALOGS`: gtk20-properties holds only widget      (GtkNotebook property), ``The pixbuf to
               property names and blurbs), whatever its grammar                    render``
3     question ends with ``?`` (closing quotes allowed, not a closing bracket:     ``Do you want to continue? [Y/n]``,
               "(broken .idx?)" is a hint); or has a yes/no choice ``[y/N]``,      ``Enter new UNIX password:``
               ``(yes/no)``; or is a prompt: starts with (please) enter/re-enter/
               retype/repeat/choose/select and ends with ``:``
4     usage    a help marker (``Exit Status:``, ``Options are:``, ``INTEGER1 -eq``, ``omit invalid characters from output``,
               a short heading ending in ``:``); or the first word (after
               also/only/don't/never) is
               an imperative verb of :data:`HELP_VERBS` whose next word is no      ``Write arguments to the standard output.``,
               error word (``Write error`` stays an error), and the message is not ``don't replace existing files``
               a Title Case menu item: an option's or command's help text; it
               comes before the error words, which help texts quote
5     error    has a diagnostic prefix (``%s: ``, ``%s:%lu: ``); or comes only     ``could not open file "%s": %m``,
               from glibc (:data:`DIAGNOSTIC_CATALOGS`), starts lowercase, has no  ``warning: EXIT procedure %s not defined``,
               final punctuation; or has an error word (:data:`ERROR_PATTERN`:     ``Child process killed by signal %ld``,
               error, fail, cannot, could not, unable, invalid, unknown, missing,  ``two named subpatterns have the same name``
               bad(ly), not found, no such, denied, corrupt, too many/old/far,
               ambiguous, incomplete, premature, already defined, killed by
               signal, did not, may not, ...) or is an option misuse (rule 1's
               exception). Warnings count as errors: both are diagnostics
6     usage    a help-listing form: a metavariable or format directive first       ``SCHEMA The name of the schema``,
               (``ARG1 * ARG2``, ``SCHEMA The``, ``%x locale's``), an advice to    ``To connect insecurely, use `--no-check-...'``,
               use an option, a ``(default)`` marker, or a lowercase start without ``case sensitive matching (default)``,
               final punctuation (GNU option help shown without its flag)          ``handle sparse files efficiently``
7     label    starts with an uppercase letter, no final punctuation (``.!?:;…``),  ``Show Hidden Files And Folders``,
               at most :data:`MAX_LABEL_WORDS` real words, no finite verb (is,     ``Title of the print job``
               are, has, will, can, ...), no inner ". ", not a request
               ("Please ...") and not a progress line starting with an -ing word
               (unless Title Case): a title, menu item, setting or property name
8     info     everything else: statements, progress and status reports            ``Sets the language in which messages are
                                                                                   displayed.``, ``no change to ownership of %s``
===== ======== =================================================================== ==============================================

The rules are validated against 560 hand-labelled messages sampled at random from the parallel
msgkind messages (``labels/msgkind-gold.tsv``, labelled by the guideline ``labels/GUIDELINE.md``
in four batches, each a blind test of the rules version then in force);
:mod:`xstilts.data.gettext.validation` and ``xstilts data kinds-agreement`` print per-kind
precision/recall, agreement per batch and pooled, and a test keeps the pooled agreement >= 90%.
Blind agreement by version: v1 55.8% (batch 1), v2 85.8%, v3 88.0%, v4 88.0% (batches 2-4, 100-120
messages each); v4 agrees with 92.5% of all 560. v2 added the property catalogs, help texts before
error words, more error words and help-listing forms; v3 help headings and markers; v4 the GNU
diagnostic prefix (``%s: ...``) and glibc's lowercase diagnostics.
Questions are rare in software messages (3 of ~2,100 parallel messages, 1 in the sample).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from xstilts.data.gettext.cleaning import real_word_count

KINDS: tuple[str, ...] = ("error", "question", "usage", "label", "info")
RULES_VERSION = 4
# Catalogs that hold only property/setting names and descriptions (GTK 2 widget properties).
PROPERTY_CATALOGS = frozenset({"gtk20-properties"})
# Catalogs whose lowercase, unpunctuated messages are diagnostics (glibc's localedef, ld.so,
# nscd: no option help is written that way there), unlike GNU tools' option help.
DIAGNOSTIC_CATALOGS = frozenset({"libc"})
# "program: file: message", "%s:%lu: ...": the GNU diagnostic prefix.
_DIAGNOSTIC_PREFIX = re.compile(r"^%[a-zA-Z]+(?::%[a-zA-Z]+)*:\s")
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
            r"can['’]?t",
            r"can not",
            r"could\s?n[o'’]t",
            r"did(?:n['’]t| not)",
            r"wasn['’]t",
            r"may not",
            r"ambiguous",
            r"incomplete",
            r"premature(?:ly)?",
            r"already (?:defined|closed|exists?|in use|registered)",
            r"(?:killed|stopped|terminated) (?:by|on) signal",
            r"ha(?:s|ve) the same",
            r"previous(?:ly)? (?:defined|definition|declared|declaration)",
            r"(?:supported|allowed|permitted|valid) only",
            r"only\b.*\b(?:may|can) be",
            r"empty(?: \w+){0,2} (?:given|specified)",
            r"(?:were|are) (?:both )?specified",
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
            r"too (?:many|much|few|long|large|big|small|short|old|far)",
            r"unhandled",
            r"out of (?:memory|range|bounds)",
            r"exceed(?:s|ed)?",
            r"mismatch(?:ed)?",
            r"does(?:n['’]t| not)",
            r"do(?:n['’]t| not) match",
            r"is(?:n['’]t| not)",
            r"are(?:n['’]t| not)",
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
            r"not \w+able",
            r"not valid",
            r"required$",
            r"no(?: \w+){1,3} (?:specified|given|provided|defined|available|processed|presented|match)",
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
configure count echo enforce handle interpret invoke manipulate monitor parse process reformat truncate
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


# Rule 4: an imperative first word (after an optional adverb or negation) and what may follow it.
_HELP_LEAD = re.compile(
    r"^(?:(?:also|only|never|do not|don['’]t)\s+)?([A-Za-z]+)(?![-\w])(?:\s+(\S+))?", re.IGNORECASE
)
_ERROR_AFTER_VERB = re.compile(r"^(?:errors?|fail(?:ed|s|ure)?|%s:?)$", re.IGNORECASE)
# Rule 6: help-listing forms.
_METAVARIABLE_START = re.compile(r"^(?:(?!TRUE\b|FALSE\b)[A-Z][A-Z0-9_]{2,}\s|%[a-zA-Z]\s)")
_USE_OPTION = re.compile(r"\b(?:use|try|see)\s+[`'\"‘“]?--?[A-Za-z]", re.IGNORECASE)
_DEFAULT_MARKER = re.compile(r"\(default\b", re.IGNORECASE)
# Unmistakable help-listing forms, checked before the error words that help texts quote:
# "INTEGER1 -eq INTEGER2 ...", "ARG1 < ARG2 ...", bash's "Exit Status:", dd's "Options are:",
# and a short section heading ending in a colon ("Main modes of operation:").
_OPERATOR_LISTING = re.compile(r"^[A-Z][A-Z0-9_]+\s+(?:-[a-z]{1,3}|[<>=!*/%+|&-]{1,2})\s+[A-Z][A-Z0-9_]+\b")
_HELP_MARKER = re.compile(r"\b(?:Exit Status:|Options(?: are)?:)")
_HEADING = re.compile(r"^[A-Z][^:]*:$")


def _help_text(text: str, final_punctuation: bool) -> bool:
    """Rule 4: an imperative help line ("omit invalid characters", "Write arguments to ...")."""
    match = _HELP_LEAD.match(text)
    if match is None or match.group(1).lower() not in HELP_VERBS:
        return False
    if match.group(2) is not None and _ERROR_AFTER_VERB.match(match.group(2)):
        return False  # "write error", "Read failed"
    return final_punctuation or not _title_case(text)  # "Save As Image": a menu item


def _help_marked(text: str) -> bool:
    """Rule 4b: a help listing whatever words it quotes (operators, Exit Status, a heading)."""
    if _OPERATOR_LISTING.search(text) or _HELP_MARKER.search(text):
        return True
    return bool(_HEADING.match(text)) and real_word_count(text) <= 6 and not ERROR_PATTERN.search(text)


def _help_listing(text: str, final_punctuation: bool) -> bool:
    """Rule 6: the forms of help listings that rules 1 and 4 do not catch."""
    if _METAVARIABLE_START.search(text) or _USE_OPTION.search(text) or _DEFAULT_MARKER.search(text):
        return True
    progress = text.split(" ", 1)[0].endswith("ing")  # "restoring large object %u": a status line
    return text[:1].islower() and not final_punctuation and not progress


def _label(text: str, final_punctuation: bool) -> bool:
    """Rule 7: a title, menu item, setting or property name."""
    first_word = text.split(" ", 1)[0].lower()
    return (
        not final_punctuation
        and text[:1].isupper()
        and real_word_count(text) <= MAX_LABEL_WORDS
        and not _FINITE_VERB.search(text)
        and ". " not in text
        and first_word != "please"
        and not (first_word.endswith("ing") and not _title_case(text))  # "Skipping file %s": progress
    )


def message_kind(english: str, catalogs: Iterable[str] = ()) -> str:
    """The msgkind label of a normalised English msgid from ``catalogs`` (rules in the module docstring)."""
    text = english.strip()
    catalogs = set(catalogs)
    if _USAGE_START.search(text) and not _OPTION_MISUSE.search(text):
        return "usage"
    if catalogs and catalogs <= PROPERTY_CATALOGS:
        return "label"
    if _QUESTION_END.search(text) or _YES_NO.search(text) or _PROMPT.search(text):
        return "question"
    final_punctuation = _FINAL_PUNCTUATION.search(text) is not None
    if _help_text(text, final_punctuation) or _help_marked(text):
        return "usage"
    if ERROR_PATTERN.search(text) or _OPTION_MISUSE.search(text) or _DIAGNOSTIC_PREFIX.search(text):
        return "error"
    if catalogs and catalogs <= DIAGNOSTIC_CATALOGS and text[:1].islower() and not final_punctuation:
        return "error"
    if _help_listing(text, final_punctuation):
        return "usage"
    if _label(text, final_punctuation):
        return "label"
    return "info"
