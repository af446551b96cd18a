"""The benchmark suite: Inkwell against the sync design, the tutorial design and the raw ceiling.

`make bench` runs it (see bench/runner.py); the apps it compares live in bench/apps.
"""
