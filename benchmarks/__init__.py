"""Benchmarks of the kernel and the running services against raw aiokafka: `python -m benchmarks`."""
