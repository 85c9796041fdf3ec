"""Demo and benchmark data: the demo store ``make run`` opens (``seed_demo``, ``run_platform``)
and synthetic catalogs for benchmarks (``generate_catalog``).

A face app: it fills stores through the domain apps' services, so it sits above all of them and
nothing imports it. It has no models.
"""
