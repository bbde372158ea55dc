"""Rule files reload without a restart: a watch on the files (and SIGHUP, where the process can
take signals) asks the rule store to reload; a bad file is reported and never replaces a good set."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from rules.store import ReloadStatus, RuleStore

__all__ = ["RuleWatcher"]

log = logging.getLogger("tidbok.rules")


class RuleWatcher:
    def __init__(self, store: RuleStore, poll_seconds: float) -> None:
        self.store = store
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def reload_now(self) -> None:
        self._wake.set()

    def _reload(self) -> None:
        result = self.store.reload()
        if result.status is ReloadStatus.REPLACED:
            log.warning(
                "rule files reloaded: fingerprint %s (was %s)",
                result.fingerprint[:16],
                result.previous_fingerprint[:16],
            )
        elif result.status is ReloadStatus.REJECTED:
            for problem in result.problems:
                log.error("rule files not reloaded, the current set stays: %s", problem)

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
            self._wake.clear()
            try:
                if self.store.files_changed():
                    await asyncio.to_thread(self._reload)
            except Exception:  # a watcher never takes the gateway down
                log.exception("rule reload failed; the current set stays")

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="rule-watcher")
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError, AttributeError):
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self.reload_now)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
