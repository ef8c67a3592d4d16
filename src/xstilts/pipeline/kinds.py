"""The three job kinds of the paper's protocol, one enum instead of strings spelled in many files.

A ``StrEnum``: its members are the strings the store, the artifact folders and the job hashes have
always used, so existing stores, artifacts and job keys read the same.
"""

from __future__ import annotations

from enum import StrEnum


class JobKind(StrEnum):
    INTERMEDIATE = "intermediate"  # train the encoder on the intermediate task(s) of a condition
    FINETUNE = "finetune"  # a fresh head + English target-task training from a parent encoder
    EVALUATE = "evaluate"  # zero-shot in every language of a target (no training)


TRAINING_KINDS = (JobKind.INTERMEDIATE, JobKind.FINETUNE)  # the kinds that write a checkpoint
RUN_ORDER = {kind: position for position, kind in enumerate(JobKind)}  # dependencies come first
