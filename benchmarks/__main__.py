"""`python -m benchmarks [options]`: the benchmark run (benchmarks/run sets up the environment first)."""

from benchmarks.run import main

raise SystemExit(main())
