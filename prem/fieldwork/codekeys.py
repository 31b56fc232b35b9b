"""Per-round code keys: the secret a round's access-code hashes are made with, kept outside the database.

A round's ``code_hash`` values are HMAC-SHA256 of the normalised code under
a key derived from two secrets kept in two places:

- the app-wide access-code key (``PREM_ACCESS_CODE_KEY``, the server's
  secret store), and
- a fresh random 256-bit *round key*, one file per round in the round-key
  directory (``PREM_ROUND_KEY_DIR``, default ``instance/round-keys/``).

Closing a round destroys its key file (overwritten, unlinked, the directory
synced). What PostgreSQL's heap, indexes and WAL, or SQLite's free pages,
still hold of the old hashes then verifies nothing: without the round key no
one – not even someone holding the app key and every letter – can tell
which code a stored hash belonged to. Deriving from both secrets means a
copy of the key directory alone (a careless file backup) is not enough
either, while the database is the third place.

Rounds imported before round keys existed have no ``code_key_id``: their
hashes are under the app key alone (*legacy*), they keep working until they
are closed, and closing them cannot destroy a key that other rounds share.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from contracts.files import write_privately
from prem.errors import PremError
from sampling.access_codes import hash_access_code

__all__ = ["CodeKeys", "RoundKeyMissing"]

_KEY_ID = re.compile(r"[0-9a-f]{32}")
_KEY_BYTES = 32
_DERIVATION_LABEL = b"prem round code key v1\x00"


class RoundKeyMissing(PremError):
    """An open round's key file is missing or damaged: its codes cannot be checked (never guessed around)."""

    def __init__(self, round_names: list[str], directory: Path) -> None:
        self.round_names = round_names
        rounds = ", ".join(repr(name) for name in round_names)
        super().__init__(
            f"The code key of the open survey round(s) {rounds} is missing or damaged in {directory}: "
            "its access codes cannot be checked. Restore the key file from where the round was imported, "
            "or close the round (prem fieldwork close --force) if it is over."
        )


@dataclass(frozen=True)
class CodeKeys:
    """The app-wide access-code key and the folder of the round keys: everything that hashes codes."""

    app_key: bytes
    directory: Path

    def _path(self, key_id: str) -> Path:
        if not _KEY_ID.fullmatch(key_id):  # the id comes from the database: never a path of its choosing
            raise ValueError(f"not a round key id: {key_id!r}")
        return self.directory / f"{key_id}.key"

    def create(self) -> str:
        """A new round key, written owner-only and atomically (the file and its folder synced); its id."""
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        key_id = secrets.token_hex(16)
        secret = secrets.token_hex(_KEY_BYTES) + "\n"

        def write(partial: Path) -> None:
            partial.write_text(secret, encoding="ascii")

        write_privately(self._path(key_id), write)
        _sync_folder(self.directory)
        return key_id

    def hashing_key(self, key_id: str | None, round_name: str) -> bytes:
        """The HMAC key of a round's code hashes: derived from both secrets; the app key for a legacy round."""
        if key_id is None:
            return self.app_key
        round_key = self._read(key_id)
        if round_key is None:
            raise RoundKeyMissing([round_name], self.directory)
        return hmac.new(self.app_key, _DERIVATION_LABEL + round_key, hashlib.sha256).digest()

    def _read(self, key_id: str) -> bytes | None:
        """The round key in its file, or ``None`` when the file is missing or damaged."""
        try:
            round_key = bytes.fromhex(self._path(key_id).read_text(encoding="ascii").strip())
        except (OSError, ValueError, UnicodeDecodeError):
            return None
        return round_key if len(round_key) == _KEY_BYTES else None

    def hash_code(self, code: str, key_id: str | None, round_name: str) -> str:
        """The stored form of ``code`` in the round with ``key_id`` (hex HMAC-SHA256)."""
        return hash_access_code(code, self.hashing_key(key_id, round_name))

    def destroy(self, key_id: str) -> bool:
        """Overwrite the round key's file, unlink it and sync the folder; whether there was a file.

        Overwriting in place is a best effort (a copy-on-write file system or
        an SSD's wear levelling may keep the old block); the unlink and the
        folder sync are what make the key unreachable through the file system.
        """
        path = self._path(key_id)
        try:
            descriptor = os.open(path, os.O_WRONLY)
        except FileNotFoundError:
            return False
        with os.fdopen(descriptor, "wb") as key_file:
            size = os.fstat(key_file.fileno()).st_size
            key_file.write(secrets.token_bytes(max(size, 2 * _KEY_BYTES + 1)))
            key_file.flush()
            os.fsync(key_file.fileno())
        path.unlink()
        _sync_folder(self.directory)
        return True

    def usable(self, key_id: str) -> bool:
        """Whether the round key's file is there and whole (for ``prem fieldwork list``)."""
        return self._read(key_id) is not None


def _sync_folder(folder: Path) -> None:
    """fsync a directory, so that a file's creation, rename or removal survives a crash."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
