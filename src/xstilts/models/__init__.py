"""Models: the registry of encoders, the offline e5 provider, loading, and task heads."""
