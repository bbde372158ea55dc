"""tidbok-gateway benchmarks: `benchmarks/run` (see benchmarks/README.md)."""
