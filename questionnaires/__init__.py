"""Questionnaires as data: definitions, the loader, forms, codebook and scoring rules."""
