"""A FHIR R4 scheduling system (Slot, Schedule, Appointment, …) of one region, seeded and runnable:
`python -m simulators.fhir_server --port 8401 --region 01 --seed 1`."""

from simulators.fhir_server.app import create_app

__all__ = ["create_app"]
