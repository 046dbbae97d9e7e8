"""The benchmark harness: environment bootstrap, server processes, verification, wrk, reports."""
