"""Readers: one module per on-disk format, each with its ``read_<format>`` entry points.

A reader has the signature ``reader(spec, request: ReadRequest) -> list[dict]`` (the request
holds the data root, split and language) and is named by a task spec as ``"module:function"``;
it is handed its spec, so one reader serves every task of its format. It tries the task's
release file first and its fallbacks next (:mod:`.sources`, the files :meth:`TaskSpec.locate`
walks), parses with the module's format parser, and returns plain example dicts with
the fields of the task type (its object in :mod:`xstilts.tasks.types`). Malformed input raises a
one-line :class:`~xstilts.errors.DataFormatError` (file, line, fix); a missing file a
:class:`~xstilts.errors.MissingResourceError` naming where it was expected and how to get it.

=====================  ==================================================================
module                 format (tasks)
=====================  ==================================================================
:mod:`.tsv`            XTREME pair TSV, XTREME translations, GLUE TSV (xnli, pawsx, their
                       translate-train / dev-as-train variants, mnli, qqp, sst2)
:mod:`.originals`      XNLI-1.0, XNLI-MT-1.0, PAWS-X x-final, MultiNLI 1.0 (xnli, pawsx, mnli, ...)
:mod:`.conll`          token-per-line TSV, raw WikiANN and UD CoNLL-U (udpos, panx)
:mod:`.ccgbank`        CCGbank AUTO derivations, jiant's CCG (ccg)
:mod:`.squad`          SQuAD JSON (squad_v1, squad_v2, xquad, mlqa, tydiqa)
:mod:`.anli`           ANLI JSON Lines, rounds R1-R3 (anli)
:mod:`.multiple_choice` CommonsenseQA / HellaSwag JSON Lines, Cosmos QA CSV
:mod:`.bucc`           BUCC 2018 corpora + gold pairs (bucc2018)
:mod:`.tatoeba`        Tatoeba aligned line files (tatoeba)
:mod:`.hf_export`      JSON Lines exports of Hugging Face ``datasets`` (every task's fallback)
=====================  ==================================================================

Shared pieces: :mod:`.textfile` (streaming lines/JSON with one-line errors), :mod:`.labels`
(release spellings -> label names), :mod:`.spans` (answer-span checks), :mod:`.validate` (the
example contract, used by ``xstilts tasks check``). A label-withheld file (XTREME's test files) is
skipped for the next source; inside :func:`.sources.unlabelled_reading` it is read without labels
when no labelled source exists (predict-only evaluation).
"""
