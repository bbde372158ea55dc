"""Contract codecs: each generation's XML mapped to and from the one domain model."""
