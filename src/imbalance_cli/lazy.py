"""What the parse cache hands out unread, so that a command reads it only if it uses it.

A library's home-programme settings are kept as pickled bytes of their own, read back the first
time something asks for them, so an intake run, which never does, does not import the
programme's model (programme/model.py) at start-up. The library itself comes back from the
cache folder unread too (:class:`LazyLibrary`): an intake asks every question before it reads
the library, and reading it creates content.py's frozen classes, which took about a twentieth
of the time to the first question.
"""

from __future__ import annotations

from collections.abc import Callable
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


class LazyLibrary:
    """Stands for a ``Library`` read from the cache folder until anything of it is used: then it
    reads the pickle (or, when that fails, parses the files again with ``parse``) and becomes
    that library, the same object, so identity, equality, ``isinstance`` and ``replace``
    are a library's from then on. Only ``isinstance`` before any use tells it apart, and
    nothing asks that of a library."""

    def __init__(self, data: bytes, parse: Callable[[], object]) -> None:
        self._data = data
        self._parse = parse

    def _become(self) -> object:
        """Read the library and turn into it (both are plain objects with a ``__dict__``, so
        the class can change in place)."""
        data, parse = self.__dict__["_data"], self.__dict__["_parse"]
        import pickle

        from imbalance_cli.content import Library

        try:
            found = pickle.loads(data)
        except Exception:  # a cut-short or foreign file: parse again, as the cache does
            found = None
        if not isinstance(found, Library):
            found = parse()  # if this raises, the stand-in is left as it was, to try again
        self.__dict__.clear()
        self.__dict__.update(found.__dict__)
        object.__setattr__(self, "__class__", type(found))
        return self

    def __getattr__(self, name: str) -> Any:
        if "_data" not in self.__dict__:  # while it turns (or if it could not)
            raise AttributeError(name)
        return getattr(self._become(), name)

    def __eq__(self, other: object) -> bool:
        return bool(self._become() == other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(self._become())

    def __reduce_ex__(self, protocol: Any) -> Any:
        return self._become().__reduce_ex__(protocol)

    def __copy__(self) -> object:
        import copy

        return copy.copy(self._become())

    def __deepcopy__(self, memo: dict[int, object]) -> object:
        import copy

        return copy.deepcopy(self._become(), memo)
