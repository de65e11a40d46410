"""A library's home-programme settings as the parse cache keeps them: pickled bytes, read back
the first time something asks for them, so an intake run, which never does, does not import
the programme's model (programme/model.py) at start-up."""

from __future__ import annotations

from typing import Any


class LazyRules:
    """Stands for a ``ProgrammeRules`` until it is used; then every attribute is the rules'."""

    __slots__ = ("_data", "_rules")

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._rules: Any = None

    def _get(self) -> Any:
        if self._rules is None:
            import pickle

            self._rules = pickle.loads(self._data)
        return self._rules

    def __getattr__(self, name: str) -> Any:
        return getattr(self._get(), name)

    def __eq__(self, other: object) -> bool:
        theirs = other._get() if isinstance(other, LazyRules) else other
        return bool(self._get() == theirs)

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[type[LazyRules], tuple[bytes]]:
        return (LazyRules, (self._data,))
