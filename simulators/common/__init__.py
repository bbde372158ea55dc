"""What every simulator shares: realistic seed data and run-time fault injection."""
