"""What can go wrong with rule files. The engine itself never raises for a refusal: a refusal is a
`Decision`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["RuleFileError", "RuleFileProblem"]


@dataclass(frozen=True, slots=True, order=True)
class RuleFileProblem:
    """One problem, where it was written."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class RuleFileError(ValueError):
    """The rule files cannot be used; `problems` lists every problem found, each with file:line."""

    def __init__(self, problems: Iterable[RuleFileProblem]) -> None:
        self.problems: tuple[RuleFileProblem, ...] = tuple(sorted(set(problems)))
        count = len(self.problems)
        lines = "\n".join(f"  {problem}" for problem in self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the rule files:\n{lines}")
