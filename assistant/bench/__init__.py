"""Benchmarks of the whole assistant as users feel it (``assistant bench stack``)."""
