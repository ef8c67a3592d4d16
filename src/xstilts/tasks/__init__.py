"""Tasks: declarative specs, readers per format, metrics per name, one object per task type."""

from xstilts.tasks.registry import all_tasks, get_task, register
from xstilts.tasks.spec import Role, TaskSpec, TaskType
from xstilts.tasks.types import get_task_type, register_task_type

__all__ = [
    "Role",
    "TaskSpec",
    "TaskType",
    "all_tasks",
    "get_task",
    "get_task_type",
    "register",
    "register_task_type",
]
