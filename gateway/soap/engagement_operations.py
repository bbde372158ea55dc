"""The engagement index contracts (itintegration:engagementindex 1): Update, for regions to report
bookings made in their own systems, and FindContent, to ask which units hold a citizen's
bookings. Served by the gateway on its own index."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lxml import etree

from adapters.identifiers import InvalidIdentifier, PersonalIdentity
from contracts.timeformat import format_timestamp, parse_timestamp
from gateway.audit import AuditEvent
from gateway.codec.xml import DecodeError, Reader, add
from gateway.engagement import EngagementIndex
from gateway.services.scheduling import Call, SchedulingService
from gateway.soap.operation import Answer, Operation

__all__ = ["operations"]

CORE = "urn:riv:itintegration:engagementindex:1"


def responder(name: str) -> str:
    return f"urn:riv:itintegration:engagementindex:{name}Responder:1"


def _person(value: str, field: str) -> PersonalIdentity:
    try:
        return PersonalIdentity.parse(value)
    except InvalidIdentifier as exc:
        raise DecodeError(field, str(exc)) from exc


@dataclass(frozen=True, slots=True)
class EngagementFace:
    service: SchedulingService
    index: EngagementIndex

    async def update(self, call: Call, body: etree._Element) -> etree._Element:
        transactions = body.findall(f"{{{responder('Update')}}}engagementTransaction")
        now = self.service.policy.clock()
        parsed = []
        for transaction in transactions:  # decode all first: a bad one changes nothing
            read = Reader(transaction, CORE)
            engagement = read.child("engagement")
            if engagement is None:
                raise DecodeError("engagement", "missing")
            citizen = _person(
                engagement.required("registeredResidentIdentification"), "registeredResidentIdentification"
            )
            content = engagement.text("mostRecentContent")
            try:
                moment = parse_timestamp(content) if content else now
            except ValueError as exc:
                raise DecodeError("mostRecentContent", str(exc)) from exc
            parsed.append((read.text("deleteFlag") in {"true", "1"}, citizen, engagement, moment))
        async with self.service.database.sessions.begin() as session:
            for delete, citizen, engagement, moment in parsed:
                if delete:
                    await self.index.remove(
                        session,
                        engagement.required("logicalAddress"),
                        engagement.required("businessObjectInstanceIdentifier"),
                        citizen=citizen,
                        service_domain=engagement.required("serviceDomain"),
                    )
                else:
                    await self.index.upsert(
                        session,
                        citizen,
                        engagement.required("logicalAddress"),
                        engagement.required("businessObjectInstanceIdentifier"),
                        moment,
                        service_domain=engagement.required("serviceDomain"),
                        categorization=engagement.required("categorization"),
                        source_system=engagement.required("sourceSystem"),
                        data_controller=engagement.text("dataController"),
                    )
            self.service.audit.add(
                session,
                AuditEvent(call.contract, call.context, "OK", None, None, None, detail=f"{len(parsed)} transaction(s)"),
            )
        answer = etree.Element(f"{{{responder('Update')}}}UpdateResponse", nsmap={"r": responder("Update")})
        add(answer, responder("Update"), "ResultCode", "OK")
        return answer

    async def find_content(self, call: Call, body: etree._Element) -> etree._Element:
        read = Reader(body, responder("FindContent"))
        resident = read.required("registeredResidentIdentification")
        citizen = _person(resident, "registeredResidentIdentification")
        found = await self.index.find(
            citizen,
            read.required("serviceDomain"),
            logical_address=read.text("logicalAddress"),
            business_object_id=read.text("businessObjectInstanceIdentifier"),
            categorization=read.text("categorization"),
        )
        await self.service.record(AuditEvent(call.contract, call.context, "OK", None, citizen, None))
        namespace = responder("FindContent")
        answer = etree.Element(f"{{{namespace}}}FindContentResponse", nsmap={"r": namespace, "c": CORE})
        for engagement in found:
            node = etree.SubElement(answer, f"{{{namespace}}}engagement")
            add(node, CORE, "registeredResidentIdentification", resident)
            add(node, CORE, "serviceDomain", engagement.service_domain)
            add(node, CORE, "categorization", engagement.categorization)
            add(node, CORE, "logicalAddress", engagement.logical_address)
            add(node, CORE, "businessObjectInstanceIdentifier", engagement.business_object_id)
            add(node, CORE, "clinicalProcessInterestId", "NA")
            add(node, CORE, "mostRecentContent", format_timestamp(engagement.most_recent_content))
            add(node, CORE, "sourceSystem", engagement.source_system)
            add(node, CORE, "updateTime", format_timestamp(engagement.updated_at.astimezone(dt.UTC)))
            add(node, CORE, "dataController", engagement.data_controller or engagement.source_system)
        return answer


def operations(index: EngagementIndex) -> dict[str, Operation]:
    def bind(method: str) -> Operation:
        async def run(service: SchedulingService, call: Call, body: etree._Element) -> etree._Element | Answer:
            handler = getattr(EngagementFace(service, index), method)
            result: etree._Element = await handler(call, body)
            return result

        return run

    return {"Update": bind("update"), "FindContent": bind("find_content")}
