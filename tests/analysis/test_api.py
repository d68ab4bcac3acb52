"""Contract checks for the public API of registry.analysis: exports, docs, doctests."""

from __future__ import annotations

import dataclasses
import doctest
import importlib
import inspect
import pkgutil

import pytest

import registry.analysis as analysis

MODULES = [
    importlib.import_module(f"registry.analysis.{info.name}")
    for info in pkgutil.iter_modules(analysis.__path__)
]
PUBLIC = [getattr(analysis, name) for name in analysis.__all__]
FUNCTIONS = [obj for obj in PUBLIC if inspect.isfunction(obj)]


def test_all_names_resolve_and_are_sorted() -> None:
    assert analysis.__all__ == sorted(analysis.__all__)
    for name in analysis.__all__:
        assert hasattr(analysis, name), name


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_module_is_documented_and_small(module: object) -> None:
    assert inspect.getdoc(module), "every module says why it exists"
    source = inspect.getsource(module)  # type: ignore[arg-type]
    assert len(source.splitlines()) <= 410, "split modules past ~400 lines"
    assert "streamlit" not in source and "sqlmodel" not in source


@pytest.mark.parametrize("func", FUNCTIONS, ids=lambda f: f.__name__)
def test_public_function_has_numpydoc_sections(func: object) -> None:
    doc = inspect.getdoc(func) or ""
    for section in ["Parameters", "Returns", "Examples"]:
        assert f"{section}\n--" in doc, f"{func!r} lacks {section}"


@pytest.mark.parametrize(
    "cls", [obj for obj in PUBLIC if dataclasses.is_dataclass(obj)], ids=lambda c: c.__name__
)
def test_results_are_frozen_dataclasses(cls: type) -> None:
    assert cls.__dataclass_params__.frozen  # type: ignore[attr-defined]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_docstring_examples_run(module: object) -> None:
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)  # type: ignore[arg-type]
    assert result.failed == 0


def test_warnings_are_runtime_warnings() -> None:
    assert issubclass(analysis.StatisticalWarning, RuntimeWarning)
    assert issubclass(analysis.ConvergenceWarning, analysis.StatisticalWarning)
    assert issubclass(analysis.ConvergenceError, ValueError)
