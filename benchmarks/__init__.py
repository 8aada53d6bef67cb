"""The benchmark behind `make bench`: its data set, its floor views and its measurements.

Nothing here is imported by the product; the floor views are reachable only through the bench urlconf.
"""
