"""The current rule set, replaced only by a rule set that validated in full."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from rules.errors import RuleFileError, RuleFileProblem
from rules.ruleset import RuleSet, directory_fingerprint

__all__ = ["ReloadResult", "ReloadStatus", "RuleStore"]


class ReloadStatus(StrEnum):
    UNCHANGED = "unchanged"  # the files hold the same bytes as the current set
    REPLACED = "replaced"  # a new set validated and is now current
    REJECTED = "rejected"  # the files have problems; the current set stays


@dataclass(frozen=True, slots=True)
class ReloadResult:
    status: ReloadStatus
    fingerprint: str  # of the set that is current after the reload
    previous_fingerprint: str
    problems: tuple[RuleFileProblem, ...] = ()


class RuleStore:
    """Holds the current `RuleSet` for a directory. `reload()` reads and validates the files
    completely before it swaps; a bad file never replaces a good set. Readers take `current`
    once per request and use that set throughout. Creating a store loads the files and raises
    `RuleFileError` if they are bad: without a good set there is nothing to serve."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        self._lock = threading.Lock()
        self._current = RuleSet.load(self.directory)

    @property
    def current(self) -> RuleSet:
        return self._current

    @property
    def fingerprint(self) -> str:
        return self._current.fingerprint

    def files_changed(self) -> bool:
        """Whether the files on disk differ from the current set (cheap: reads, does not parse)."""
        return directory_fingerprint(self.directory) != self._current.fingerprint

    def reload(self) -> ReloadResult:
        with self._lock:
            previous = self._current
            if directory_fingerprint(self.directory) == previous.fingerprint:
                return ReloadResult(ReloadStatus.UNCHANGED, previous.fingerprint, previous.fingerprint)
            try:
                loaded = RuleSet.load(self.directory)
            except RuleFileError as exc:
                return ReloadResult(ReloadStatus.REJECTED, previous.fingerprint, previous.fingerprint, exc.problems)
            if loaded.fingerprint == previous.fingerprint:
                return ReloadResult(ReloadStatus.UNCHANGED, previous.fingerprint, previous.fingerprint)
            self._current = loaded
            return ReloadResult(ReloadStatus.REPLACED, loaded.fingerprint, previous.fingerprint)
