"""Speed benchmarks of xstilts against plain Hugging Face recipes, measured in the same run.

Every benchmark prints ratios against a baseline it measures itself, on this machine, in this
process, so that numbers from different CPUs are never compared with each other by accident.
``python -m benchmarks.run_all`` (``make bench``) runs them all and writes a JSON record under
``benchmarks/results/``; see ``benchmarks/README.md`` for what each one measures.
"""
