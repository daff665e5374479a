"""The fakes (fakes.py) answer the use cases as the real repositories do: the same attributes
on the repositories object, the same public methods with the same parameters."""

from __future__ import annotations

import dataclasses
import inspect
import typing

from unefois_sourcing.repositories import Repositories


def _methods(cls) -> dict[str, list[tuple[str, object]]]:
    return {name: [(p.name, p.kind) for p in inspect.signature(member).parameters.values()]
            for name, member in inspect.getmembers(cls, inspect.isfunction) if not name.startswith("_")}


def test_every_repository_has_a_fake_with_the_same_methods(repos):
    real = typing.get_type_hints(Repositories)
    assert [f.name for f in dataclasses.fields(repos)] == [f.name for f in dataclasses.fields(Repositories)]
    for area, real_class in real.items():
        fake_methods = _methods(type(getattr(repos, area)))
        for name, parameters in _methods(real_class).items():
            assert fake_methods.get(name) == parameters, f"{area}.{name}: the fake differs from {real_class.__name__}"
