"""Access codes for survey letters.

Twelve characters from an alphabet without look-alikes (no 0/O, 1/I/L),
printed in groups of four (``K7QH-M3WX-9TPA``): 31 symbols give about 59 bits,
so guessing is hopeless when entry is rate-limited. Drawn only with
:mod:`secrets`. The survey platform never stores a code, only a keyed hash of
its normalised form (see :func:`normalise_access_code`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

__all__ = [
    "ALPHABET",
    "CODE_LENGTH",
    "format_access_code",
    "hash_access_code",
    "new_access_code",
    "normalise_access_code",
]

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—_.]+")


def new_access_code() -> str:
    """A fresh code in its printed form, from a cryptographic random source."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return format_access_code(raw)


def normalise_access_code(entered: str) -> str:
    """The canonical form of what a patient typed or pasted.

    Case-insensitive; spaces, dashes and other separators are ignored. Returns
    an empty string when nothing is left. Look-alike letters are *not* mapped
    (``O`` to ``0`` and so on) because the alphabet has neither.
    """
    return _SEPARATORS.sub("", entered or "").upper()


def format_access_code(code: str) -> str:
    """``K7QHM3WX9TPA`` as printed: ``K7QH-M3WX-9TPA``."""
    canonical = normalise_access_code(code)
    return "-".join(canonical[i : i + 4] for i in range(0, len(canonical), 4))


def hash_access_code(code: str, key: bytes) -> str:
    """HMAC-SHA256 of the normalised code under the server-side key, as hex."""
    return hmac.new(key, normalise_access_code(code).encode("ascii", "replace"), hashlib.sha256).hexdigest()
