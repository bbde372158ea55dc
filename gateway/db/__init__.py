"""Persistence: the routing table, the ledger of bookings made through the gateway, the audit log."""
