"""A timeslot as JSON, for the rows that remember one (the id map, booking sets)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from adapters.domain import ContactChannel, Timeslot
from adapters.identifiers import HsaId

__all__ = ["slot_from_json", "slot_to_json"]


def slot_to_json(slot: Timeslot) -> dict[str, Any]:
    """Every field, instants as ISO 8601 with their offset."""
    return {
        "care_unit": str(slot.care_unit),
        "start": slot.start.isoformat() if slot.start else None,
        "end": slot.end.isoformat() if slot.end else None,
        "care_unit_name": slot.care_unit_name,
        "performer": str(slot.performer) if slot.performer else None,
        "performer_name": slot.performer_name,
        "resource_id": slot.resource_id,
        "resource_name": slot.resource_name,
        "time_type_id": slot.time_type_id,
        "time_type_name": slot.time_type_name,
        "care_type_id": slot.care_type_id,
        "care_type_name": slot.care_type_name,
        "channel": slot.channel.value if slot.channel else None,
        "slot_id": slot.slot_id,
    }


def slot_from_json(data: dict[str, Any]) -> Timeslot:
    return Timeslot(
        care_unit=HsaId(data["care_unit"]),
        start=dt.datetime.fromisoformat(data["start"]) if data.get("start") else None,
        end=dt.datetime.fromisoformat(data["end"]) if data.get("end") else None,
        care_unit_name=data.get("care_unit_name"),
        performer=HsaId(data["performer"]) if data.get("performer") else None,
        performer_name=data.get("performer_name"),
        resource_id=data.get("resource_id"),
        resource_name=data.get("resource_name"),
        time_type_id=data.get("time_type_id"),
        time_type_name=data.get("time_type_name"),
        care_type_id=data.get("care_type_id"),
        care_type_name=data.get("care_type_name"),
        channel=ContactChannel(data["channel"]) if data.get("channel") else None,
        slot_id=data.get("slot_id"),
    )
