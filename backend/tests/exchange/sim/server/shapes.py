"""Compare a simulator response with a documented example: same field names, compatible JSON types."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "delta"


def load(relative: str) -> Any:
    return json.loads((FIXTURES / relative).read_text())


def shape_mismatches(actual: Any, example: Any, path: str = "$", *, nullable: frozenset[str] = frozenset(),
                     absent: frozenset[str] = frozenset()) -> list[str]:
    """List every place where `actual` lacks a field of `example` or holds an incompatible type.

    A string or number in the example may be null in the actual (Delta nulls unset prices); `nullable`
    names further paths allowed to be null, `absent` paths allowed to be missing.
    """
    problems: list[str] = []
    if example is None or path in absent:
        return problems
    if actual is None:
        if isinstance(example, str | int | float) or path in nullable:
            return problems
        return [f"{path}: null where the example has {type(example).__name__}"]
    if isinstance(example, dict):
        if not isinstance(actual, dict):
            return [f"{path}: {type(actual).__name__} where the example has an object"]
        for key, value in example.items():
            child = f"{path}.{key}"
            if key not in actual:
                if child not in absent:
                    problems.append(f"{child}: missing")
                continue
            problems += shape_mismatches(actual[key], value, child, nullable=nullable, absent=absent)
        return problems
    if isinstance(example, list):
        if not isinstance(actual, list):
            return [f"{path}: {type(actual).__name__} where the example has a list"]
        if example and actual:
            problems += shape_mismatches(actual[0], example[0], f"{path}[]", nullable=nullable, absent=absent)
        return problems
    if isinstance(example, bool):
        ok = isinstance(actual, bool)
    elif isinstance(example, int):
        ok = isinstance(actual, int) and not isinstance(actual, bool)
    elif isinstance(example, float):
        ok = isinstance(actual, int | float) and not isinstance(actual, bool)
    else:
        ok = isinstance(actual, str)
    return [] if ok else [f"{path}: {type(actual).__name__} where the example has {type(example).__name__}"]
