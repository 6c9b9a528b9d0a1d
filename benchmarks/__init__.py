"""`make bench`: measured figures for the dashboard's speed and its use of Debitura.

Run with `python -m benchmarks` (see __main__.py for options). Each benchmark is one module
and prints its own figures; the run starts with the machine it ran on and ends with every
target, met or missed by how much. Nothing here is part of `make test`.
"""
