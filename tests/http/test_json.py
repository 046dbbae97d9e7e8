"""heron.http.json: orjson with Heron's extra types."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from heron.http.json import JSONDecodeError, dumps, loads


class Duck:
    """Anything with pydantic's ``model_dump`` is treated as a model."""

    def model_dump(self, mode: str) -> dict[str, str]:
        return {"mode": mode}


def test_dumps_extra_types() -> None:
    assert dumps({"p": PurePosixPath("/tmp/x"), "f": frozenset([1]), "d": Duck()}) == (
        b'{"p":"/tmp/x","f":[1],"d":{"mode":"json"}}'
    )


def test_loads_and_errors() -> None:
    assert loads(b'{"a": [1, 2.5, null]}') == {"a": [1, 2.5, None]}
    assert loads('"x"') == "x"
    with pytest.raises(JSONDecodeError) as info:
        loads(b"{\n\n  x")
    assert (info.value.lineno, info.value.colno) == (3, 3)
    assert isinstance(info.value, ValueError)
