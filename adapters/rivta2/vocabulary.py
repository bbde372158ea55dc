"""The codes and identifiers scheduling 2 puts on the wire, and how they meet the domain.

- Identity values are II structures (root OID + extension): personnummer, samordningsnummer and
  HSA-id each have their own root.
- The actor's kind is a SNOMED CT concept (Swedish edition) as TKB 2.0 lists them.
- The contact type (careContactCode, KV kontakttyp) says physical visit, video or phone. The
  national code list could not be read (SPEC §7); the default table holds the codes the simulated
  upgraded region uses, and a region's own codes are added with the `contact_channels` option.
- Appointment and slot ids are UUIDs; anything else cannot name a scheduling 2 appointment.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from adapters.domain import ActorRole, ContactChannel

__all__ = [
    "ACTOR_TYPE_CODES",
    "DEFAULT_CONTACT_CHANNELS",
    "HSA_ID_ROOT",
    "PERSONNUMMER_ROOT",
    "PERSON_ID_ROOTS",
    "SAMORDNINGSNUMMER_ROOT",
    "SNOMED_CT",
    "contact_channels",
    "is_uuid",
]

SNOMED_CT = "1.2.752.116.2.1.1"
PERSONNUMMER_ROOT = "1.2.752.129.2.1.3.1"
SAMORDNINGSNUMMER_ROOT = "1.2.752.129.2.1.3.3"
PERSON_ID_ROOTS = frozenset({PERSONNUMMER_ROOT, SAMORDNINGSNUMMER_ROOT})
HSA_ID_ROOT = "1.2.752.129.2.1.4.1"

ACTOR_TYPE_CODES: Mapping[ActorRole, str] = {
    ActorRole.CITIZEN: "116154003",  # the citizen themself
    ActorRole.GUARDIAN: "60101000052104",  # vårdnadshavare
    ActorRole.TRUSTEE: "60081000052107",  # god man
    ActorRole.CUSTODIAN: "60121000052105",  # förmyndare
    ActorRole.STAFF: "223366009",  # healthcare staff
}

DEFAULT_CONTACT_CHANNELS: Mapping[str, ContactChannel] = {
    "FYS": ContactChannel.PHYSICAL,
    "VID": ContactChannel.VIDEO,
    "TEL": ContactChannel.PHONE,
}

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def is_uuid(text: str | None) -> bool:
    """Whether `text` has the contract's uuidType form."""
    return text is not None and _UUID.fullmatch(text) is not None


def contact_channels(extra: Mapping[str, str] | None = None) -> dict[str, ContactChannel]:
    """The default code table plus a region's own `{code: physical|video|phone}`."""
    table = dict(DEFAULT_CONTACT_CHANNELS)
    for code, channel in (extra or {}).items():
        try:
            table[code] = ContactChannel(channel)
        except ValueError as exc:
            raise ValueError(f"contact channel for {code!r} is physical, video or phone, not {channel!r}") from exc
    return table
