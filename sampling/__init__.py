"""Sampling: from register extracts to a reproducible, auditable survey sample.

A plain library (no Flask): rule files per pathway, the selection engine,
stratified sampling and the frame / mailing / flow / manifest outputs.
"""
