"""Tasks: declarative specs, readers per format, metrics per name."""

from xstilts.tasks.registry import all_tasks, get_task, register
from xstilts.tasks.spec import EXAMPLE_FIELDS, Role, TaskSpec, TaskType

__all__ = ["EXAMPLE_FIELDS", "Role", "TaskSpec", "TaskType", "all_tasks", "get_task", "register"]
