"""Staff passwords: argon2id (RFC 9106) through argon2-cffi, with the cost from the settings.

argon2id is memory-hard: guessing a stolen hash costs an attacker as much
memory per guess as it costs us per login (64 MiB, three passes by default:
RFC 9106's second recommended option, and OWASP's first choice). A hash made
with older parameters is replaced at the next successful login.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from contracts.messages import Message

__all__ = ["MAX_LENGTH", "MIN_LENGTH", "hash_password", "needs_rehash", "password_problem", "verify_password"]

#: NIST SP 800-63B: length is what makes a password strong; no composition rules, long passphrases welcome.
MIN_LENGTH = 12
MAX_LENGTH = 256

#: Verified against when the user name is unknown, so that a wrong name takes as long as a wrong password.
_DUMMY: dict[tuple[int, int, int], str] = {}


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["STAFF_PASSWORD_TIME_COST"],
        memory_cost=config["STAFF_PASSWORD_MEMORY_KIB"],
        parallelism=config["STAFF_PASSWORD_PARALLELISM"],
    )


def password_problem(password: str) -> str | None:
    """Why ``password`` cannot be used (in English, for the CLI and as the form's message id), else ``None``."""
    if len(password) < MIN_LENGTH:
        return Message("A password needs at least %(count)s characters.", count=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return Message("A password can have at most %(count)s characters.", count=MAX_LENGTH)
    return None


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` (salted, parameters in the string)."""
    return _hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored_hash``; ``None`` (no password set) matches nothing, as slowly."""
    hasher = _hasher()
    if stored_hash is None:
        parameters = (hasher.time_cost, hasher.memory_cost, hasher.parallelism)
        if parameters not in _DUMMY:
            _DUMMY[parameters] = hasher.hash("no password is set for this account")
        stored_hash = _DUMMY[parameters]
        password = "\0" + password  # never the dummy's own text
    try:
        return hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """Whether ``stored_hash`` was made with other parameters than the current settings."""
    return _hasher().check_needs_rehash(stored_hash)
