"""prem: sampling, web survey and comparison reports for care-pathway PREMs."""

__version__ = "0.1.0"
