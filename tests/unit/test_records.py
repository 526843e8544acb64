"""A `@record` behaves as `@dataclass(frozen=True)`: equality, hash, repr, immutability, `replace`,
pickling and `__post_init__`, for records of no, one and several fields and with field options."""

from __future__ import annotations

import dataclasses
import inspect
import pickle
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.model import Action, ActionKind, Condition, Location
from reconciler.records import record


@record
class Empty:
    pass


@record
class One:
    name: str


def _several(name: str, make: Callable[[type], type]) -> Any:
    """One class body of field options, made a record or a frozen dataclass (named for pickle)."""
    class Several:
        name: str
        count: int = 0
        tags: tuple[str, ...] = ()
        note: str = field(default="", compare=False)
        secret: str = field(default="", repr=False)
        items: list[int] = field(default_factory=list, hash=False)

    Several.__qualname__ = Several.__name__ = name
    return make(Several)


# the same classes as plain frozen dataclasses: what records must agree with
@dataclass(frozen=True)
class EmptyDC:
    pass


@dataclass(frozen=True)
class OneDC:
    name: str


Several = _several("Several", record)
SeveralDC = _several("SeveralDC", dataclass(frozen=True))


def _both(kwargs: dict[str, Any]) -> tuple[Any, Any]:
    return Several(**kwargs), SeveralDC(**kwargs)


values = st.fixed_dictionaries({
    "name": st.text(max_size=3), "count": st.integers(-2, 2),
    "tags": st.lists(st.text(max_size=2), max_size=2).map(tuple),
    "note": st.sampled_from(["", "x"]), "secret": st.sampled_from(["", "s"]),
})


@given(values, values)
def test_equality_hash_and_repr_agree_with_frozen_dataclasses(a: dict[str, Any], b: dict[str, Any]) -> None:
    (ra, da), (rb, db) = _both(a), _both(b)
    assert (ra == rb) is (da == db)
    assert (ra != rb) is (da != db)
    assert hash(ra) == hash(da)  # the same tuple of the same fields is hashed
    assert repr(ra) == repr(da).replace("SeveralDC", "Several")


def test_no_and_one_field() -> None:
    assert Empty() == Empty() and hash(Empty()) == hash(EmptyDC())
    assert repr(Empty()) == "Empty()"
    assert One("a") == One("a") and One("a") != One("b")
    assert hash(One("a")) == hash(OneDC("a"))
    assert repr(One("a")) == "One(name='a')"


def test_another_class_is_never_equal() -> None:
    others: list[object] = [OneDC("a"), ("a",), "a"]
    assert all(One("a") != other for other in others)
    assert One("a").__eq__("a") is NotImplemented


def test_frozen_replace_fields_and_pickle() -> None:
    item = Several("a", 1, ("x",))
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.name = "b"
    with pytest.raises(dataclasses.FrozenInstanceError):
        del item.count
    assert dataclasses.replace(item, count=2) == Several("a", 2, ("x",))
    assert dataclasses.is_dataclass(item)
    assert [f.name for f in dataclasses.fields(item)] == ["name", "count", "tags", "note", "secret", "items"]
    assert pickle.loads(pickle.dumps(item)) == item
    assert Several("a", items=[1]) != Several("a", items=[2])  # hash=False still compares


def test_model_records() -> None:
    """Post-init checks still run, sets and dict keys work, and a record nests in another's repr."""
    with pytest.raises(ValueError, match="needs the MachineConfig"):
        Action("p", ActionKind.CREATE, "99-layering-p", None, "img")
    assert len({Condition("Updated", "True"), Condition("Updated", "True"), Condition("Updated", "False")}) == 2
    assert repr(Location("a.yaml", 1)) == "Location(path='a.yaml', line=1, column=0)"


def test_recursive_repr_is_guarded() -> None:
    holder = Several("loop", items=[])
    holder.items.append(holder)
    assert repr(holder).count("...") == 1


def test_the_first_instance_compiles_init_with_defaults_factories_and_post_init() -> None:
    @record
    class Fresh:
        name: str
        count: int = 1
        items: list[int] = field(default_factory=list)

        def __post_init__(self) -> None:
            if self.count < 0:
                raise ValueError("negative")

    first, second = Fresh("a"), Fresh(name="b", count=2)
    assert (first.count, second.count) == (1, 2)
    assert first.items is not second.items  # each instance its own list
    with pytest.raises(ValueError, match="negative"):
        Fresh("c", -1)
    with pytest.raises(TypeError):
        Fresh()  # type: ignore[call-arg]
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot delete field 'name'"):
        del first.name
    assert dataclasses.replace(first, count=3) == Fresh("a", 3)


def _options(name: str, make: Callable[[type], type]) -> Any:
    """Keyword-only fields, and fields that are not parameters (with a factory, or a plain default)."""
    class Options:
        name: str
        size: int = field(default=2, kw_only=True)
        seen: list[str] = field(default_factory=list, init=False)
        mark: str = field(default="m", init=False)
        tags: tuple[str, ...] = field(default=(), kw_only=True)

    Options.__qualname__ = Options.__name__ = name
    return make(Options)


def test_the_compiled_init_takes_the_parameters_of_a_frozen_dataclass() -> None:
    made, reference = _options("Options", record), _options("Options", dataclass(frozen=True))
    calls: list[tuple[tuple[str, ...], dict[str, Any]]] = [(("a",), {}), (("a",), {"size": 3, "tags": ("t",)}),
                                                          ((), {"name": "b"})]
    for args, kwargs in calls:
        mine, theirs = made(*args, **kwargs), reference(*args, **kwargs)
        assert repr(mine) == repr(theirs) and (mine.seen, mine.mark) == ([], "m")
    assert made("a").seen is not made("a").seen
    assert str(inspect.signature(made.__init__)) == str(inspect.signature(reference.__init__))
    Several("compiled")
    assert str(inspect.signature(Several.__init__)) == str(inspect.signature(SeveralDC.__init__))
    with pytest.raises(TypeError):
        made("a", 3)  # size is keyword-only
    with pytest.raises(TypeError):
        made("a", seen=[])  # not a parameter


def test_a_field_without_default_after_one_with_is_refused_when_defined() -> None:
    with pytest.raises(TypeError, match="non-default argument 'name' follows default argument"):
        @record
        class Misordered:
            count: int = 0
            name: str  # type: ignore[misc]


def test_what_a_record_would_silently_replace_is_refused() -> None:
    """A record's dunders are its own: a class defining one, with a base class or an InitVar, or a
    subclass of a record, is a TypeError when it is made (not a surprise at its first use)."""
    with pytest.raises(TypeError, match="defines __eq__"):
        @record
        class OwnEquality:
            name: str

            def __eq__(self, other: object) -> bool:
                return True

    with pytest.raises(TypeError, match="has a base class"):
        @record
        class Derived(EmptyDC):
            name: str

    with pytest.raises(TypeError, match="cannot be subclassed"):
        class Sub(One):
            pass


def test_the_compiled_init_resolves_its_type_hints_in_the_records_module() -> None:
    from reconciler.model import Condition, PoolState

    PoolState("p", ())
    hints = typing.get_type_hints(PoolState.__init__)
    assert hints["conditions"] == tuple[Condition, ...]
    assert PoolState.__init__.__qualname__ == "PoolState.__init__"
