"""Small lxml helpers shared by the contract codecs: read optional/required texts, write elements
only when they have a value (the contracts say: omit, never send empty)."""

from __future__ import annotations

import datetime as dt

from lxml import etree

from adapters.identifiers import HsaId, InvalidIdentifier, PersonalIdentity
from contracts.timeformat import format_date, format_timestamp, parse_date, parse_timestamp

__all__ = ["DecodeError", "Reader", "add", "add_all", "add_bool"]


class DecodeError(ValueError):
    """A request that is schema-valid but not meaningful (a bad check digit, an impossible date).
    `field` names the element; the message never contains the offending personal number."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class Reader:
    """Reads the children of one element in one namespace."""

    __slots__ = ("element", "namespace")

    def __init__(self, element: etree._Element, namespace: str) -> None:
        self.element = element
        self.namespace = namespace

    def _find(self, name: str, namespace: str | None) -> etree._Element | None:
        return self.element.find(f"{{{namespace or self.namespace}}}{name}")

    def text(self, name: str, namespace: str | None = None) -> str | None:
        found = self._find(name, namespace)
        if found is None or found.text is None:
            return None
        value = found.text.strip()
        return value or None

    def required(self, name: str, namespace: str | None = None) -> str:
        value = self.text(name, namespace)
        if value is None:
            raise DecodeError(name, "missing")
        return value

    def texts(self, name: str, namespace: str | None = None) -> tuple[str, ...]:
        found = self.element.findall(f"{{{namespace or self.namespace}}}{name}")
        return tuple(value for value in ((e.text or "").strip() for e in found) if value)

    def child(self, name: str, namespace: str | None = None, *, inner: str | None = None) -> Reader | None:
        """A reader of child `name`, reading its own children in `inner` (default: the same namespace)."""
        found = self._find(name, namespace)
        return None if found is None else Reader(found, inner or namespace or self.namespace)

    def boolean(self, name: str, namespace: str | None = None) -> bool:
        """Optional booleans: absent means false."""
        return self.text(name, namespace) in {"true", "1"}

    def hsa_id(self, name: str, namespace: str | None = None) -> HsaId:
        try:
            return HsaId(self.required(name, namespace))
        except InvalidIdentifier as exc:
            raise DecodeError(name, str(exc)) from exc

    def optional_hsa_id(self, name: str, namespace: str | None = None) -> HsaId | None:
        return None if self.text(name, namespace) is None else self.hsa_id(name, namespace)

    def hsa_ids(self, name: str, namespace: str | None = None) -> tuple[HsaId, ...]:
        try:
            return tuple(HsaId(value) for value in self.texts(name, namespace))
        except InvalidIdentifier as exc:
            raise DecodeError(name, str(exc)) from exc

    def person(self, name: str, namespace: str | None = None) -> PersonalIdentity:
        try:
            return PersonalIdentity.parse(self.required(name, namespace))
        except InvalidIdentifier as exc:
            raise DecodeError(name, str(exc)) from exc

    def optional_person(self, name: str, namespace: str | None = None) -> PersonalIdentity | None:
        return None if self.text(name, namespace) is None else self.person(name, namespace)

    def timestamp(self, name: str, namespace: str | None = None) -> dt.datetime | None:
        value = self.text(name, namespace)
        if value is None:
            return None
        try:
            return parse_timestamp(value)
        except ValueError as exc:
            raise DecodeError(name, "not a time stamp YYYYMMDDhhmmss") from exc

    def date(self, name: str, namespace: str | None = None) -> dt.date:
        try:
            return parse_date(self.required(name, namespace))
        except ValueError as exc:
            raise DecodeError(name, "not a date YYYYMMDD") from exc


def add(parent: etree._Element, namespace: str, name: str, value: object) -> None:
    """Append `<name>value</name>` unless value is None or empty."""
    if value is None or value == "":
        return
    if isinstance(value, dt.datetime):
        text = format_timestamp(value)
    elif isinstance(value, dt.date):
        text = format_date(value)
    else:
        text = str(value)
    etree.SubElement(parent, f"{{{namespace}}}{name}").text = text


def add_bool(parent: etree._Element, namespace: str, name: str, value: bool | None) -> None:
    if value is not None:
        etree.SubElement(parent, f"{{{namespace}}}{name}").text = "true" if value else "false"


def add_all(parent: etree._Element, namespace: str, name: str, values: tuple[str, ...] | list[str]) -> None:
    for value in values:
        add(parent, namespace, name, value)
