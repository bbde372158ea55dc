"""Fixtures for the rule tests; the helpers they use are in rule_fixtures.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rule_fixtures import DATA, RulesFactory, write_rules

from rules import RuleSet


@pytest.fixture
def make_rules(tmp_path: Path) -> RulesFactory:
    """`make_rules(time_types={...}, defaults={...}, regions={...})` -> a loaded RuleSet."""
    counter = iter(range(1000))

    def factory(**kwargs: Any) -> RuleSet:
        return RuleSet.load(write_rules(tmp_path / f"set{next(counter)}", **kwargs))

    return factory


@pytest.fixture(scope="session")
def bundled() -> RuleSet:
    return RuleSet.load(DATA)
