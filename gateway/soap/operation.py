"""What a SOAP operation is to the endpoint: an async function from the request's Body element to
the response Body element, or to an `Answer` when the response carries SOAP headers too."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import NamedTuple

from lxml import etree

from gateway.services.scheduling import Call, SchedulingService

__all__ = ["Answer", "Operation"]


class Answer(NamedTuple):
    """An operation's answer with SOAP response headers (e.g. ProcessingStatus)."""

    body: etree._Element
    headers: tuple[etree._Element, ...]


Operation = Callable[[SchedulingService, Call, etree._Element], Awaitable["etree._Element | Answer"]]
