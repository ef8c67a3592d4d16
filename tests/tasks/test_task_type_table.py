"""The task-type table: one object per TaskType, each complete, mining a type of its own."""

from __future__ import annotations

import pytest

from xstilts.errors import ConfigError, UnknownNameError
from xstilts.tasks.registry import all_tasks, get_task
from xstilts.tasks.spec import TaskType
from xstilts.tasks.types import TaskTypeDef, all_task_types, get_task_type, register_task_type


def test_every_built_in_type_has_exactly_one_object_under_its_name() -> None:
    table = all_task_types()
    assert set(TaskType) <= set(table)
    for member in TaskType:
        kind = table[member]
        assert kind.name is member and isinstance(kind, TaskTypeDef)
        assert kind.fields[0] == "id" and set(kind.text_fields) <= set(kind.fields), member
        assert kind.gold_field is None or kind.gold_field in kind.fields, member


@pytest.mark.parametrize("member", [m for m in TaskType if get_task_type(m).evaluation == "head"])
def test_head_scored_types_name_a_head_and_their_collate_columns(member) -> None:
    from xstilts.models.heads import HeadSpec, head_class

    kind = get_task_type(member)
    assert kind.training == "head" and kind.trainable
    assert head_class(HeadSpec(str(member))).__name__.endswith("Head")
    assert kind.columns and all(column.source and column.key for column in kind.columns)


def test_embedding_and_mlm_types_have_no_head_and_are_not_fine_tuned() -> None:
    for member in (TaskType.RETRIEVAL, TaskType.BITEXT_MINING, TaskType.MASKED_LM):
        kind = get_task_type(member)
        assert not kind.head and kind.evaluation != "head", member
    assert not get_task_type(TaskType.BITEXT_MINING).trainable
    assert get_task_type(TaskType.MASKED_LM).training == "mlm"


def test_bitext_mining_is_a_real_type_and_bucc_uses_it() -> None:
    bucc = get_task("bucc2018")
    assert bucc.task_type is TaskType.BITEXT_MINING and not bucc.trainable
    assert get_task_type(bucc.task_type).fields == ("id", "side", "text")
    assert get_task_type(TaskType.BITEXT_MINING).problem(
        {"id": "1", "side": "left", "text": "x"}, frozenset()
    )
    retrieval = [name for name, spec in all_tasks().items() if spec.task_type is TaskType.RETRIEVAL]
    assert "tatoeba" in retrieval and "bucc2018" not in retrieval


def test_a_second_object_under_a_taken_name_and_an_unknown_name_are_refused() -> None:
    class Impostor(TaskTypeDef):
        name = TaskType.TAGGING

    with pytest.raises(ConfigError, match="'tagging' is registered twice"):
        register_task_type(Impostor())
    with pytest.raises(UnknownNameError, match="did you mean 'tagging'"):
        get_task_type("taging")
