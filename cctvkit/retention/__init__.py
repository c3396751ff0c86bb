"""Retention: the rule, holds and restrictions, purge planning and journaled execution."""

from cctvkit.retention.policy import retention_cutoff

__all__ = ["retention_cutoff"]
