"""The engine below training and evaluation: features, length-bucketed batches, precision and the
forward/decoding code both use. It takes plain arguments (specs, examples, models, settings) and
knows nothing of experiments, jobs or the results store."""
