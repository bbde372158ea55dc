"""A legacy regional booking system that serves crm:scheduling 1.1 (SOAP 1.1, RIVTABP21).

Run it with `python -m simulators.rivta_producer --port 8101 --region 01 --seed 1`, or build the
ASGI app with `create_app(ProducerConfig(...))`. Modules: `config` (settings), `seeding` (the
reproducible starting state), `store` (SQLite state), `service` (the logic and local policy),
`xml_codec` (contract XML <-> plain values), `operations` (one function per interaction), `privacy`
(masking personnummer in fault strings), `app` (HTTP, SOAP envelopes, faults, WSDL serving, admin).
"""

from simulators.rivta_producer.app import create_app
from simulators.rivta_producer.config import ProducerConfig

__all__ = ["ProducerConfig", "create_app"]
