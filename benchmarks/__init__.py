"""Speed benchmarks of xstilts against plain Hugging Face recipes, measured in the same run.

Every benchmark prints ratios against a baseline it measures itself, on this machine, in this
process, so that numbers from different CPUs (or GPUs) are never compared with each other by
accident. One runner serves them all: ``python -m benchmarks.run_all`` (``make bench``) runs the
CPU benchmarks, ``--device cuda`` (``make bench-gpu``) the GPU ones, and each run writes one
JSON record (+ its markdown) under ``benchmarks/results/``; see ``benchmarks/README.md`` for
what each one measures and how to add one.
"""
