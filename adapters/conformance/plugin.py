"""The kit as a pytest plugin: `--conformance-target=package.module:function` (or the environment
variable `TIDBOK_CONFORMANCE_TARGET`) names a function that returns the `ConformanceTarget`, or a
context manager that yields it (to start and stop the system around the run). The fixture
`conformance_target` calls it once per test module.

    pytest -p adapters.conformance.plugin --pyargs adapters.conformance \\
        --conformance-target=myregion_adapter.conformance:target
"""

from __future__ import annotations

import contextlib
import importlib
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from adapters.conformance.target import ConformanceTarget

__all__ = ["ENVIRONMENT_VARIABLE", "OPTION", "conformance_target", "load_target"]

OPTION = "--conformance-target"
ENVIRONMENT_VARIABLE = "TIDBOK_CONFORMANCE_TARGET"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("conformance", "adapter conformance kit").addoption(
        OPTION,
        dest="conformance_target",
        default=None,
        metavar="MODULE:FUNCTION",
        help=f"the function that gives the ConformanceTarget to test (default: ${ENVIRONMENT_VARIABLE})",
    )


def load_target(spec: str) -> Callable[[], Any]:
    """The function named `package.module:function`."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise pytest.UsageError(f"{OPTION} takes MODULE:FUNCTION, not {spec!r}")
    function = getattr(importlib.import_module(module_name), attribute, None)
    if not callable(function):
        raise pytest.UsageError(f"{spec} is not a function")
    return function  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def conformance_target(request: pytest.FixtureRequest) -> Iterator[ConformanceTarget]:
    spec = _option(request.config) or os.environ.get(ENVIRONMENT_VARIABLE)
    if not spec:
        pytest.skip(f"no target: give {OPTION}=MODULE:FUNCTION or set {ENVIRONMENT_VARIABLE}")
    made = load_target(spec)()
    with contextlib.ExitStack() as stack:
        if isinstance(made, contextlib.AbstractContextManager):
            made = stack.enter_context(made)
        if not isinstance(made, ConformanceTarget):
            raise pytest.UsageError(f"{spec} gave {type(made).__name__}, not a ConformanceTarget")
        yield made


def _option(config: pytest.Config) -> str | None:
    try:
        value = config.getoption("conformance_target")
    except ValueError:  # the plugin's option is not registered (the fixture imported on its own)
        return None
    return None if value is None else str(value)
