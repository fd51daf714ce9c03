"""`column IN (ids)` for long id lists, sent as one parameter.

SQLAlchemy's `column.in_(ids)` writes one placeholder per id into the SQL at every execution, and
psycopg then parses that new text again: for the ~750 candidates of a For You call that was a third
of the call's Python time (BENCHMARKS.md, "Where a For You call's time goes"). Here the list is one
bound value, so the statement's text is the same on every call and both layers reuse their work:
an array literal's text cast to bigint[] on PostgreSQL (`= ANY(CAST(%s AS BIGINT[]))`), a JSON array
read by `json_each` on SQLite. Text on both, because psycopg dumps a Python list element by element
with a regular expression each (about a millisecond for 750 ids), and joining digits is a tenth of
that. (SQLAlchemy's custom compilation extension: https://docs.sqlalchemy.org/en/20/core/compiler.html)
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import String, bindparam
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import Boolean, TypeDecorator


class _IdList(TypeDecorator):
    """A list of integers bound as one text value: "{1,2}" (PostgreSQL's array literal) or "[1,2]" (JSON)."""
    impl = String
    cache_ok = True

    def process_bind_param(self, value, dialect):
        digits = ",".join(map(str, map(int, value)))
        return f"{{{digits}}}" if dialect.name == "postgresql" else f"[{digits}]"


class _InIds(ColumnElement):
    type = Boolean()
    _is_implicitly_boolean = True  # a predicate: WHERE takes it as it is, not as "= 1"
    #: the statement cache's key and the bound value's lookup both walk these (the list's values are
    #: not in the key: one cached statement serves every list)
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement),  # noqa: RUF012 - SQLAlchemy's protocol
                           ("ids", InternalTraversal.dp_clauseelement)]
    inherit_cache = True

    def __init__(self, column, ids) -> None:
        self.column, self.ids = column, ids


@compiles(_InIds, "postgresql")
def _any_array(element, compiler, **kw) -> str:
    return f"{compiler.process(element.column, **kw)} = ANY(CAST({compiler.process(element.ids, **kw)} AS BIGINT[]))"


@compiles(_InIds)
def _json_each(element, compiler, **kw) -> str:
    return f"{compiler.process(element.column, **kw)} IN (SELECT value FROM json_each({compiler.process(element.ids, **kw)}))"


def in_ids(column, ids: Iterable[int] | str) -> ColumnElement[bool]:
    """`column IN ids`, the ids bound as one parameter; given a name instead, the list is passed under
    that name when the statement runs (a statement built once, run many times)."""
    if isinstance(ids, str):
        return _InIds(column, bindparam(ids, type_=_IdList()))
    return _InIds(column, bindparam(None, list(ids), type_=_IdList()))
