"""An upgraded regional booking system that serves supportprocess:logistics:scheduling 2
(Tidbokning 2.0: 12 interactions, SOAP 1.1, RIVTABP21).

Run it with `python -m simulators.rivta2_producer --port 8201 --region 03 --seed 1`, or build the
ASGI app with `create_app(Producer2Config(...))`. Modules: `config` (settings), `vocabulary`
(codes, texts and the 2.0 attributes of the time types), `seeding` (the reproducible starting
state), `store` (SQLite state), `service` (the logic, local policy and result codes), `messages`
(plain values), `codec` (contract XML <-> plain values), `app` (HTTP, admin). The SOAP plumbing is
`simulators.common.rivta_soap`.
"""

from simulators.rivta2_producer.app import create_app
from simulators.rivta2_producer.config import Producer2Config

__all__ = ["Producer2Config", "create_app"]
