"""The kit's tests as a module pytest collects with `--pyargs adapters.conformance`; the target
comes from `--conformance-target` (with `-p adapters.conformance.plugin`) or
`$TIDBOK_CONFORMANCE_TARGET`."""

from adapters.conformance.plugin import conformance_target
from adapters.conformance.suite import AdapterConformance

__all__ = ["TestAdapterConformance", "conformance_target"]


class TestAdapterConformance(AdapterConformance):
    """Every test of the kit, against the named target."""
