"""Personal identity numbers kept out of clear text: a keyed hash (HMAC-SHA256) identifies a
citizen in the ledger and the audit log without storing the number itself. The same key gives the
same reference, so an auditor can still answer "every access to this citizen's bookings"."""

from __future__ import annotations

import hashlib
import hmac

from adapters.identifiers import PersonalIdentity

__all__ = ["CitizenProtector"]


class CitizenProtector:
    def __init__(self, key: str) -> None:
        if not key:
            raise ValueError("the audit key must not be empty")
        self._key = key.encode()

    def reference(self, citizen: PersonalIdentity | str) -> str:
        value = citizen.value if isinstance(citizen, PersonalIdentity) else citizen
        return hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()
