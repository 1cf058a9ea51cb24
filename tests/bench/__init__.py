"""Benchmarks (issues #5 and #8): plain scripts, run as ``python -m tests.bench.<name>``.

See docs/benchmarks.md for what each one measures, how to re-run it and the last figures.
Nothing here is collected by the normal ``python -m pytest`` run except the smoke test in
``test_smoke.py``, which is skipped unless ``-m bench`` is given.
"""
