"""The gateway's exceptions, one hierarchy, each with a stable fault code and text.

A SOAP face turns them into SOAP 1.1 Faults whose faultstring starts with the code
(`TB008 No route for logical address: SE…`); the JSON face into problem documents."""

from __future__ import annotations

from enum import Enum

__all__ = ["FaultKind", "GatewayError"]


class FaultKind(Enum):
    """(code, SOAP faultcode, stable text)."""

    MALFORMED = ("TB001", "Client", "Request is not well-formed XML")
    FORBIDDEN_CONSTRUCT = ("TB002", "Client", "Request contains a forbidden XML construct")
    TOO_LARGE = ("TB003", "Client", "Request is too large")
    NOT_SOAP11 = ("TB004", "Client", "Request is not a SOAP 1.1 envelope")
    UNKNOWN_CONTRACT = ("TB005", "Client", "Service contract is not served at this endpoint")
    SCHEMA_INVALID = ("TB006", "Client", "Request does not validate against the service contract")
    MISSING_LOGICAL_ADDRESS = ("TB007", "Client", "LogicalAddress header is missing")
    NO_ROUTE = ("TB008", "Client", "No route for logical address")
    SOAP_ACTION_MISMATCH = ("TB009", "Client", "SOAPAction does not match the request")
    INVALID_VALUE = ("TB010", "Client", "Invalid value in request")
    MISSING_ACTOR = ("TB011", "Client", "Actor header is missing or invalid")
    ACTOR_NOT_PERMITTED = ("TB012", "Client", "The actor may not act for this subject of care")
    BOOKING_NOT_FOUND = ("TB013", "Client", "Booking not found")
    REGION_NOT_CONNECTED = ("TB014", "Server", "The care unit's region is not connected")
    NOT_EXPRESSIBLE = ("TB015", "Client", "The region's contract cannot carry this request without more data")
    REGION_UNAVAILABLE = ("TB020", "Server", "The regional system could not be reached")
    REGION_TIMEOUT = ("TB021", "Server", "The regional system did not answer in time")
    REGION_ERROR = ("TB022", "Server", "The regional system answered with an error")
    INTERNAL = ("TB099", "Server", "Internal error")

    @property
    def code(self) -> str:
        return self.value[0]

    @property
    def soap_fault_code(self) -> str:
        return self.value[1]

    @property
    def text(self) -> str:
        return self.value[2]

    @property
    def is_client_error(self) -> bool:
        return self.value[1] == "Client"


class GatewayError(Exception):
    """A call the gateway cannot complete. `detail` must never contain a personal number in clear."""

    def __init__(self, kind: FaultKind, detail: str | None = None) -> None:
        self.kind = kind
        self.detail = detail
        super().__init__(self.fault_string)

    @property
    def fault_string(self) -> str:
        text = f"{self.kind.code} {self.kind.text}"
        return f"{text}: {self.detail}" if self.detail else text
