"""What the packages share and nothing else: the error base, the file formats and the rule files' content.

This package imports only the standard library, so that every package
(``sampling``, ``questionnaires``, ``analysis`` and ``prem``) may import it
without breaking the import rules of docs/ARCHITECTURE.md.
"""

from contracts.errors import UserError

__all__ = ["UserError"]
