"""No function in ``src/`` is longer than 80 lines, so each one can be read and reviewed as a whole.

A long function usually does several jobs; the fix is to split it into small functions with one
job each (and a docstring saying why), not to raise the limit.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
MAX_LINES = 80


def _long_functions(root: Path, limit: int) -> list[str]:
    """``path:line name (n lines)`` for every function or method over ``limit`` lines under ``root``."""
    found = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > limit:
                    found.append(f"{path.relative_to(root)}:{node.lineno} {node.name} ({length} lines)")
    return found


def test_no_function_in_src_is_over_80_lines() -> None:
    assert (SRC / "xstilts").is_dir()
    long = _long_functions(SRC, MAX_LINES)
    assert not long, "split these into small functions with one job each:\n" + "\n".join(long)


def test_the_check_sees_a_long_function(tmp_path: Path) -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_LINES))
    (tmp_path / "long.py").write_text(f"def long():\n{body}\n\n\ndef short():\n    return 1\n")
    assert _long_functions(tmp_path, MAX_LINES) == [f"long.py:1 long ({MAX_LINES + 1} lines)"]
