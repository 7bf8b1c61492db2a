"""imagegate: a policy gate for container images that speaks Anchore's policy language."""

__version__ = "0.1.0"
__all__ = ["__version__"]
