"""Runnable simulators of regional scheduling systems, one per protocol. They talk to the gateway
over HTTP only, like real regions, and import nothing of the gateway."""
