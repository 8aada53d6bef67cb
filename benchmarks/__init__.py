"""The benchmark behind `make bench` (`python -m benchmarks`): its data set, its floor views and its measurements.

Nothing in the product (website/, shop/, jobs/, billing/) imports this package, and no product settings name it;
it runs only under its own settings (benchmarks.settings). The floor views are reachable only through its urlconf
(benchmarks.urls) and their templates only through its template directory (benchmarks/templates/).
"""
