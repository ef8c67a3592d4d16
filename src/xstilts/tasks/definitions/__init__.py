"""Task declarations: every module here is imported by the registry and registers its specs."""
