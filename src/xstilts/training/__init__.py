"""Training: features, batching, precision, multi-task sampling, optimisation, the loop."""
