"""Adapters to the regions' scheduling systems, and the domain model they all map to."""
