"""Writing a sample directory, all four files or none, and the access-code key."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import tempfile
from pathlib import Path

from sampling.engine import SampleResult
from sampling.errors import SamplingError

__all__ = ["DEFAULT_CODE_KEY", "load_code_key", "write_sample"]

DEFAULT_CODE_KEY = Path("instance") / "sampling-code.key"
_KEY_BYTES = 32


def load_code_key(path: str | Path = DEFAULT_CODE_KEY) -> bytes:
    """The secret key of the access codes, created with :mod:`secrets` on first use.

    Keep it as long as the round's codes must be reproducible; whoever has it
    can recompute every code of every draw made with it.
    """
    path = Path(path)
    if path.exists():
        key = path.read_bytes()
        if len(key) != _KEY_BYTES:
            raise SamplingError(f"{path}: expected a {_KEY_BYTES}-byte access-code key, found {len(key)} bytes")
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(_KEY_BYTES)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as stream:
        stream.write(key)
    return key


def write_sample(result: SampleResult, out_dir: str | Path) -> Path:
    """Write ``frame.csv``, ``mailing.csv``, ``flow.csv``, ``manifest.json`` (and ``rejects.csv``).

    Everything goes to a temporary folder beside ``out_dir`` that is renamed
    into place at the end, so a failed run leaves nothing half-written. An
    existing non-empty ``out_dir`` is an error, never overwritten.
    ``rejects.csv`` (only when rows were set aside) holds personnummer: it
    belongs with the mailing list, not with the frame.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise SamplingError(f"{out_dir}: output folder exists and is not empty; choose a new one")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        result.frame.write_csv(staging / "frame.csv")
        result.mailing.write_csv(staging / "mailing.csv")
        result.flow.write_csv(staging / "flow.csv")
        if result.rejects.height:
            result.rejects.write_csv(staging / "rejects.csv")
        (staging / "manifest.json").write_text(
            json.dumps(result.manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        if out_dir.exists():
            out_dir.rmdir()
        staging.rename(out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out_dir
