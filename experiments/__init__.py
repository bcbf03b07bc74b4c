"""jaxnn's experiments: one module per claim of the lecture notes, each runnable alone.

Every module defines ``TITLE``, ``SECTION`` (of the notes), ``ORDER`` (its place in the report) and
``run(out, *, seed=0) -> Result``, and runs as ``python -m experiments.NAME --out DIR`` from the
checkout. ``jaxnn demo`` finds this folder and runs them all (jaxnn itself never imports it, and
the wheel does not install it).
"""
