"""Closed sets of command-line choices, as enums: ``--help`` lists them and anything else is exit 2.

Kept free of heavy imports so ``xstilts --help`` stays fast; a test checks that the distance
kinds here are exactly the typology package's.
"""

from __future__ import annotations

from enum import StrEnum


class Executor(StrEnum):
    """Where jobs run."""

    local = "local"  # in this process
    ray = "ray"  # Ray tasks (a local cluster, or --ray-address)


class Cluster(StrEnum):
    """Cluster unit for standard errors and the bootstrap."""

    language = "language"
    family = "family"


class DistanceKind(StrEnum):
    """URIEL distance kinds (xstilts.typology.DISTANCE_KINDS) plus ``all``."""

    syntactic = "syntactic"
    phonological = "phonological"
    inventory = "inventory"
    genetic = "genetic"
    geographic = "geographic"
    featural = "featural"
    genetic_cosine = "genetic-cosine"  # URIEL's family-vector cosine, kept beside the tree distance
    all = "all"
