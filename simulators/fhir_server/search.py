"""FHIR search: parameters → SQL, results → a `searchset` Bundle with keyset paging.

Supported parameter types: token (`code`, `system|code`, `|code`, `system|`), reference (`Type/id`
or `id`), date with the prefixes eq, ne, lt, le, gt, ge (a value without an offset is Swedish local
time), and the chain `patient.identifier` on Appointment. A comma means OR, a repeated parameter
AND. Unknown parameters are refused (strict handling), so a client's typo is not silently ignored.

Paging is by keyset, not by offset: a page token remembers the search and the last row's sort
key, so a slot that is booked between two pages does not shift the next page. Tokens live in the
`search_page` table for an hour; `next` links are `[base]/[type]?_page_token=…` and never repeat the
search parameters, so a personnummer searched by POST `_search` does not end up in a URL.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import sqlite3
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from simulators.fhir_server.outcomes import FhirError
from simulators.fhir_server.queries import (
    APPOINTMENT_SELECT,
    HEALTHCARE_SERVICE_SELECT,
    LOCATION_SELECT,
    ORGANIZATION_SELECT,
    PATIENT_SELECT,
    PRACTITIONER_SELECT,
    SCHEDULE_SELECT,
    SLOT_SELECT,
    healthcare_service_types,
)
from simulators.fhir_server.resources import Renderer, instant
from simulators.fhir_server.terminology import HSA_ID_SYSTEM, PERSONAL_NUMBER_SYSTEM, SWEDISH_TIME

__all__ = ["DEFAULT_COUNT", "MAX_COUNT", "PendingPage", "Searcher", "parse_date_range"]

JSON = dict[str, Any]
Clause = tuple[str, list[Any]]
ParamFn = Callable[[str], Clause]

DEFAULT_COUNT = 50
MAX_COUNT = 500
_PAGE_TOKEN_SECONDS = 3600
_IGNORED = frozenset({"_format", "_pretty"})
_NEVER: Clause = ("0", [])


# parameter types -----------------------------------------------------------------------------------


def _alternatives(value: str) -> list[str]:
    parts = [part.strip() for part in value.split(",")]
    if not all(parts):
        raise FhirError(400, "invalid", "an empty value in a search parameter")
    return parts


def _any(clauses: list[Clause]) -> Clause:
    return "(" + " OR ".join(sql for sql, _ in clauses) + ")", [arg for _, args in clauses for arg in args]


def _split_token(value: str) -> tuple[str | None, str]:
    if "|" in value:
        system, code = value.split("|", 1)
        return system, code
    return None, value


def token_fixed(column: str, system: str | None, normalise: Callable[[str], str] = str) -> ParamFn:
    """A token whose system is fixed by the server (HSA-ids, the region's time types, statuses)."""

    def clause(value: str) -> Clause:
        clauses: list[Clause] = []
        for alternative in _alternatives(value):
            asked_system, code = _split_token(alternative)
            if asked_system is not None and asked_system != (system or ""):
                clauses.append(_NEVER)
            elif not code:
                clauses.append(("1", []))
            else:
                clauses.append((f"{column} = ?", [normalise(code)]))
        return _any(clauses)

    return clause


def token_with_system(system_column: str, value_column: str) -> ParamFn:
    """A token over a stored (system, value) pair: Appointment.identifier."""

    def clause(value: str) -> Clause:
        clauses: list[Clause] = []
        for alternative in _alternatives(value):
            system, code = _split_token(alternative)
            parts: list[Clause] = []
            if system == "":
                parts.append((f"{system_column} IS NULL", []))
            elif system is not None:
                parts.append((f"{system_column} = ?", [system]))
            if code:
                parts.append((f"{value_column} = ?", [code]))
            if not parts:
                raise FhirError(400, "invalid", "an identifier search needs a system or a value")
            clauses.append(("(" + " AND ".join(sql for sql, _ in parts) + ")", [a for _, args in parts for a in args]))
        return _any(clauses)

    return clause


def reference(columns: Mapping[str, str]) -> ParamFn:
    """A reference: `Type/id`, or a bare id when only one target type is possible."""

    def clause(value: str) -> Clause:
        clauses: list[Clause] = []
        for alternative in _alternatives(value):
            target = alternative.rstrip("/").split("/")
            if len(target) >= 2:
                kind, target_id = target[-2], target[-1]
                column = columns.get(kind)
                if column is None:
                    raise FhirError(400, "invalid", f"this parameter cannot refer to a {kind}")
                clauses.append((f"{column} = ?", [target_id]))
            elif len(columns) == 1:
                clauses.append((f"{next(iter(columns.values()))} = ?", [target[0]]))
            else:
                raise FhirError(400, "invalid", "name the type of the reference: Type/id")
        return _any(clauses)

    return clause


_DATE = re.compile(
    r"(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?:T(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d+)?)?"
    r"(?P<zone>Z|[+-]\d{2}:\d{2})?)?)?)?"
)
_PREFIXES = ("eq", "ne", "lt", "le", "gt", "ge")


def parse_date_range(text: str) -> tuple[int, int]:
    """A FHIR date/dateTime search value → [low, high) in epoch seconds (its implicit range)."""
    text = text.replace(" ", "+")  # an unescaped '+' in a query string arrives as a space
    match = _DATE.fullmatch(text)
    if not match:
        raise FhirError(400, "invalid", f"not a FHIR date or dateTime: {text[:40]!r}")
    parts = match.groupdict()
    try:
        year = int(parts["year"])
        if parts["month"] is None:
            low = dt.datetime(year, 1, 1)
            high = dt.datetime(year + 1, 1, 1)
        elif parts["day"] is None:
            month = int(parts["month"])
            low = dt.datetime(year, month, 1)
            high = dt.datetime(year + month // 12, month % 12 + 1, 1)
        elif parts["hour"] is None:
            low = dt.datetime(year, int(parts["month"]), int(parts["day"]))
            high = low + dt.timedelta(days=1)
        else:
            second = parts["second"]
            low = dt.datetime(
                year, int(parts["month"]), int(parts["day"]), int(parts["hour"]), int(parts["minute"]), int(second or 0)
            )
            high = low + dt.timedelta(seconds=1 if second is not None else 60)
    except ValueError as exc:
        raise FhirError(400, "invalid", f"not a valid date: {text[:40]!r}") from exc
    zone = parts["zone"]
    if zone is None:
        tz: dt.tzinfo = SWEDISH_TIME
    elif zone == "Z":
        tz = dt.UTC
    else:
        sign = 1 if zone[0] == "+" else -1
        tz = dt.timezone(sign * dt.timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])))
    return int(low.replace(tzinfo=tz).timestamp()), int(high.replace(tzinfo=tz).timestamp())


def date(column: str) -> ParamFn:
    def clause(value: str) -> Clause:
        prefix = value[:2] if value[:2] in _PREFIXES else "eq"
        low, high = parse_date_range(value[2:] if value[:2] in _PREFIXES else value)
        return {
            "eq": (f"({column} >= ? AND {column} < ?)", [low, high]),
            "ne": (f"NOT ({column} >= ? AND {column} < ?)", [low, high]),
            "lt": (f"{column} < ?", [low]),
            "le": (f"{column} < ?", [high]),
            "gt": (f"{column} >= ?", [high]),
            "ge": (f"{column} >= ?", [low]),
        }[prefix]

    return clause


def _personal_number(value: str) -> str:
    return value.replace("-", "").replace("+", "")


# the searchable types -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SearchType:
    name: str
    select: str
    table: str
    sort: str
    render: Callable[[sqlite3.Connection, sqlite3.Row], JSON]
    params: Mapping[str, ParamFn]
    includes: Mapping[str, Callable[[sqlite3.Connection, list[sqlite3.Row]], list[JSON]]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PendingPage:
    """A next-page token handed out in a Bundle, to be stored once the read is done."""

    token: str
    resource_type: str
    params: list[tuple[str, str]]
    after: tuple[Any, str]
    created: int


@dataclass(slots=True)
class _Page:
    rows: list[sqlite3.Row]
    total: int
    next_after: tuple[Any, str] | None


class Searcher:
    """Runs searches and reads for every resource type the simulator serves."""

    def __init__(self, renderer: Renderer) -> None:
        self.renderer = renderer
        r = renderer
        upper: Callable[[str], str] = str.upper
        self.types: dict[str, SearchType] = {
            t.name: t
            for t in (
                SearchType(
                    "Organization",
                    ORGANIZATION_SELECT,
                    "organization",
                    "organization.id",
                    lambda _db, row: r.organization(row),
                    {
                        "_id": token_fixed("organization.id", None),
                        "identifier": token_fixed("organization.hsa_id", HSA_ID_SYSTEM, upper),
                    },
                ),
                SearchType(
                    "Location",
                    LOCATION_SELECT,
                    "location",
                    "location.id",
                    lambda _db, row: r.location(row),
                    {
                        "_id": token_fixed("location.id", None),
                        "identifier": token_fixed("location.hsa_id", HSA_ID_SYSTEM, upper),
                        "organization": reference({"Organization": "location.organization_id"}),
                    },
                ),
                SearchType(
                    "HealthcareService",
                    HEALTHCARE_SERVICE_SELECT,
                    "healthcare_service",
                    "healthcare_service.id",
                    lambda db, row: r.healthcare_service(
                        row, healthcare_service_types(db, row["location_id"], row["care_type_code"])
                    ),
                    {
                        "_id": token_fixed("healthcare_service.id", None),
                        "location": reference({"Location": "healthcare_service.location_id"}),
                        "service-category": token_fixed("healthcare_service.care_type_code", r.care_type_system),
                    },
                ),
                SearchType(
                    "Practitioner",
                    PRACTITIONER_SELECT,
                    "practitioner",
                    "practitioner.id",
                    lambda _db, row: r.practitioner(row),
                    {
                        "_id": token_fixed("practitioner.id", None),
                        "identifier": token_fixed("practitioner.hsa_id", HSA_ID_SYSTEM, upper),
                    },
                ),
                SearchType(
                    "Schedule",
                    SCHEDULE_SELECT,
                    "schedule",
                    "schedule.id",
                    lambda _db, row: r.schedule(row),
                    {
                        "_id": token_fixed("schedule.id", None),
                        "actor": reference(
                            {"Practitioner": "schedule.practitioner_id", "Location": "schedule.location_id"}
                        ),
                        "service-type": token_fixed("schedule.time_type_code", r.time_type_system),
                        "service-category": token_fixed("time_type.care_type_code", r.care_type_system),
                        "active": token_fixed("'true'", None),
                    },
                    {"Schedule:actor": self._schedule_actors},
                ),
                SearchType(
                    "Slot",
                    SLOT_SELECT,
                    "slot",
                    "slot.start",
                    lambda _db, row: r.slot(row),
                    {
                        "_id": token_fixed("slot.id", None),
                        "schedule": reference({"Schedule": "slot.schedule_id"}),
                        "service-type": token_fixed("schedule.time_type_code", r.time_type_system),
                        "service-category": token_fixed("time_type.care_type_code", r.care_type_system),
                        "status": token_fixed("slot.status", "http://hl7.org/fhir/slotstatus"),
                        "start": date("slot.start"),
                    },
                    {"Slot:schedule": self._slot_schedules},
                ),
                SearchType(
                    "Patient",
                    PATIENT_SELECT,
                    "patient",
                    "patient.id",
                    lambda _db, row: r.patient(row),
                    {
                        "_id": token_fixed("patient.id", None),
                        "identifier": token_fixed("patient.personal_number", PERSONAL_NUMBER_SYSTEM, _personal_number),
                    },
                ),
                SearchType(
                    "Appointment",
                    APPOINTMENT_SELECT,
                    "appointment",
                    "COALESCE(appointment.start, 0)",
                    lambda _db, row: r.appointment(row),
                    {
                        "_id": token_fixed("appointment.id", None),
                        "identifier": token_with_system(
                            "appointment.identifier_system", "appointment.identifier_value"
                        ),
                        "patient": reference({"Patient": "appointment.patient_id"}),
                        "patient.identifier": token_fixed(
                            "patient.personal_number", PERSONAL_NUMBER_SYSTEM, _personal_number
                        ),
                        "practitioner": reference({"Practitioner": "appointment.practitioner_id"}),
                        "location": reference({"Location": "appointment.location_id"}),
                        "actor": reference(
                            {
                                "Patient": "appointment.patient_id",
                                "Practitioner": "appointment.practitioner_id",
                                "Location": "appointment.location_id",
                            }
                        ),
                        "slot": reference({"Slot": "appointment.slot_id"}),
                        "status": token_fixed("appointment.status", "http://hl7.org/fhir/appointmentstatus"),
                        "service-type": token_fixed("appointment.time_type_code", r.time_type_system),
                        "date": date("appointment.start"),
                    },
                ),
            )
        }

    # reads ---------------------------------------------------------------------------------------

    def read(self, db: sqlite3.Connection, resource_type: str, resource_id: str) -> JSON:
        kind = self._kind(resource_type)
        row = db.execute(f"{kind.select} WHERE {kind.table}.id = ?", (resource_id,)).fetchone()
        if row is None:
            raise FhirError(404, "not-found", f"{resource_type}/{resource_id} is not known", detail_code="NOT_FOUND")
        return kind.render(db, row)

    def match_ids(self, db: sqlite3.Connection, resource_type: str, params: Sequence[tuple[str, str]]) -> list[str]:
        """Ids of the resources a search matches (for conditional create)."""
        kind = self._kind(resource_type)
        where, args, _count, _includes = self._where(kind, params)
        rows = db.execute(f"{kind.select} WHERE {where} ORDER BY {kind.table}.id", args).fetchall()
        return [row["id"] for row in rows]

    # search --------------------------------------------------------------------------------------

    def search(
        self, db: sqlite3.Connection, resource_type: str, params: Sequence[tuple[str, str]], base: str, *, now: int
    ) -> tuple[JSON, PendingPage | None]:
        """The Bundle, and the next page's token to keep (with `keep_page`, in a write transaction)."""
        kind = self._kind(resource_type)
        after: tuple[Any, str] | None = None
        tokens = [value for name, value in params if name == "_page_token"]
        if tokens:
            if len(params) != 1 + sum(1 for name, _ in params if name in _IGNORED):
                raise FhirError(400, "invalid", "_page_token stands alone: it carries the search")
            params, after = self._restore(db, kind, tokens[0], now)
        where, args, count, includes = self._where(kind, params)
        page = self._page(db, kind, where, args, count, after)
        entries = [self._entry(base, kind.render(db, row), "match") for row in page.rows]
        for include in includes:
            entries.extend(self._entry(base, resource, "include") for resource in kind.includes[include](db, page.rows))
        links = [{"relation": "self", "url": self._self_url(base, kind, tokens)}]
        pending = None
        if page.next_after is not None:
            pending = PendingPage(secrets.token_urlsafe(18), kind.name, list(params), page.next_after, now)
            links.append({"relation": "next", "url": f"{base}/{kind.name}?_page_token={pending.token}"})
        bundle = {
            "resourceType": "Bundle",
            "id": str(uuid.uuid4()),
            "meta": {"lastUpdated": instant(now)},
            "type": "searchset",
            "total": page.total,
            "link": links,
            "entry": entries,
        }
        return bundle, pending

    @staticmethod
    def _self_url(base: str, kind: SearchType, tokens: list[str]) -> str:
        return f"{base}/{kind.name}?_page_token={tokens[0]}" if tokens else f"{base}/{kind.name}"

    @staticmethod
    def _entry(base: str, resource: JSON, mode: str) -> JSON:
        return {
            "fullUrl": f"{base}/{resource['resourceType']}/{resource['id']}",
            "resource": resource,
            "search": {"mode": mode},
        }

    def _kind(self, resource_type: str) -> SearchType:
        kind = self.types.get(resource_type)
        if kind is None:
            raise FhirError(404, "not-supported", f"this server has no resource type {resource_type!r}")
        return kind

    def _where(self, kind: SearchType, params: Sequence[tuple[str, str]]) -> tuple[str, list[Any], int, list[str]]:
        clauses: list[str] = []
        args: list[Any] = []
        count = DEFAULT_COUNT
        includes: list[str] = []
        for name, value in params:
            if name in _IGNORED:
                continue
            if name == "_count":
                if not value.isdigit():
                    raise FhirError(400, "invalid", "_count is a whole number")
                count = min(int(value), MAX_COUNT)
            elif name == "_include":
                if value not in kind.includes:
                    raise FhirError(400, "not-supported", f"_include={value} is not supported on {kind.name}")
                includes.append(value)
            elif name in kind.params:
                sql, values = kind.params[name](value)
                clauses.append(sql)
                args.extend(values)
            else:
                raise FhirError(
                    400,
                    "not-supported",
                    f"unknown search parameter {name!r} for {kind.name}",
                    detail_code="UNKNOWN_PARAMETER",
                )
        return " AND ".join(clauses) or "1", args, count, includes

    def _page(
        self,
        db: sqlite3.Connection,
        kind: SearchType,
        where: str,
        args: list[Any],
        count: int,
        after: tuple[Any, str] | None,
    ) -> _Page:
        total = db.execute(f"SELECT COUNT(*) FROM ({kind.select} WHERE {where})", args).fetchone()[0]
        if count == 0:
            return _Page([], total, None)
        page_where, page_args = where, list(args)
        if after is not None:
            page_where = f"({where}) AND ({kind.sort} > ? OR ({kind.sort} = ? AND {kind.table}.id > ?))"
            page_args += [after[0], after[0], after[1]]
        columns = kind.select.removeprefix("SELECT ")
        rows = db.execute(
            f"SELECT {kind.sort} AS sort_key, {columns} WHERE {page_where}"
            f" ORDER BY {kind.sort}, {kind.table}.id LIMIT ?",
            [*page_args, count + 1],
        ).fetchall()
        next_after = (rows[count - 1]["sort_key"], rows[count - 1]["id"]) if len(rows) > count else None
        return _Page(rows[:count], total, next_after)

    @staticmethod
    def keep_page(db: sqlite3.Connection, page: PendingPage) -> None:
        db.execute("DELETE FROM search_page WHERE created < ?", (page.created - _PAGE_TOKEN_SECONDS,))
        db.execute(
            "INSERT INTO search_page VALUES (?, ?, ?, ?, ?)",
            (page.token, page.resource_type, json.dumps(page.params), json.dumps(list(page.after)), page.created),
        )

    @staticmethod
    def _restore(
        db: sqlite3.Connection, kind: SearchType, token: str, now: int
    ) -> tuple[list[tuple[str, str]], tuple[Any, str]]:
        row = db.execute(
            "SELECT * FROM search_page WHERE token = ? AND resource_type = ? AND created >= ?",
            (token, kind.name, now - _PAGE_TOKEN_SECONDS),
        ).fetchone()
        if row is None:
            raise FhirError(
                410, "not-found", "the page token is unknown or has expired: search again", detail_code="PAGE_EXPIRED"
            )
        params = [(str(name), str(value)) for name, value in json.loads(row["params"])]
        sort_key, last_id = json.loads(row["after"])
        return params, (sort_key, str(last_id))

    # includes ------------------------------------------------------------------------------------

    def _schedule_actors(self, db: sqlite3.Connection, rows: list[sqlite3.Row]) -> list[JSON]:
        practitioners = sorted({row["practitioner_id"] for row in rows})
        locations = sorted({row["location_id"] for row in rows})
        found = [
            self.renderer.practitioner(row) for row in _by_ids(db, PRACTITIONER_SELECT, "practitioner", practitioners)
        ]
        found += [self.renderer.location(row) for row in _by_ids(db, LOCATION_SELECT, "location", locations)]
        return found

    def _slot_schedules(self, db: sqlite3.Connection, rows: list[sqlite3.Row]) -> list[JSON]:
        schedules = sorted({row["schedule_id"] for row in rows})
        return [self.renderer.schedule(row) for row in _by_ids(db, SCHEDULE_SELECT, "schedule", schedules)]


def _by_ids(db: sqlite3.Connection, select: str, table: str, ids: list[str]) -> list[sqlite3.Row]:
    if not ids:
        return []
    marks = ", ".join("?" for _ in ids)
    return db.execute(f"{select} WHERE {table}.id IN ({marks}) ORDER BY {table}.id", ids).fetchall()
