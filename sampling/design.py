"""The sample design: per-stratum random streams, the draw, respondent ids and access codes.

Each stratum (pathway × region) gets its own :class:`numpy.random.Generator`
derived from ``(seed, pathway, region)`` through a :class:`~numpy.random.SeedSequence`
and a stable hash, so adding a region or a pathway never changes another
stratum's draw. The respondent id comes from the same stream (it reveals
nothing about the person); the access code is an HMAC of the respondent id
under a secret key, so it is reproducible for the key holder and
unpredictable for everybody else.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Sequence

import numpy as np

from sampling.access_codes import ALPHABET, CODE_LENGTH

__all__ = [
    "access_code_for",
    "access_codes_for",
    "draw_stratum",
    "key_fingerprint",
    "respondent_ids",
    "stratum_generator",
]

RESPONDENT_ID_LENGTH = 10
_ACCEPTED_BYTES = 256 - 256 % len(ALPHABET)
_REJECTED = bytes(range(_ACCEPTED_BYTES, 256))
_SYMBOL_OF_BYTE = bytes(ord(ALPHABET[byte % len(ALPHABET)]) for byte in range(256))
_SYMBOLS = np.frombuffer(ALPHABET.encode("ascii"), dtype="S1")
_SYMBOL_CODES = np.frombuffer(_SYMBOL_OF_BYTE, dtype="uint8")
_DIGEST_SIZE = hashlib.sha256().digest_size
_PRINTED_LENGTH = CODE_LENGTH + (CODE_LENGTH - 1) // 4  # groups of four symbols joined by "-"
_SYMBOL_COLUMNS = [position + position // 4 for position in range(CODE_LENGTH)]


def _stable_int(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def stratum_generator(seed: int, pathway: str, region: str) -> np.random.Generator:
    """The random stream of one stratum, independent of every other stratum."""
    return np.random.Generator(
        np.random.PCG64(np.random.SeedSequence([seed, _stable_int(pathway), _stable_int(region)]))
    )


def draw_stratum(generator: np.random.Generator, eligible_population: int, sample_size: int) -> np.ndarray:
    """Positions (sorted) of a simple random sample without replacement; all when take-all."""
    if sample_size >= eligible_population:
        return np.arange(eligible_population)
    return np.sort(generator.choice(eligible_population, size=sample_size, replace=False))


def respondent_ids(generator: np.random.Generator, count: int) -> list[str]:
    """Opaque ids ``R`` + 10 characters of the access-code alphabet, from the stratum's stream."""
    drawn = generator.integers(0, len(ALPHABET), size=(count, RESPONDENT_ID_LENGTH))
    ids: list[str] = np.char.add("R", _SYMBOLS[drawn].view(f"S{RESPONDENT_ID_LENGTH}").ravel().astype(str)).tolist()
    return ids


def _hmac_sha256(code_key: bytes) -> Callable[[bytes], bytes]:
    """HMAC-SHA256 under one key: the key is set up once and its state copied per message.

    ``hmac.new(key, digestmod=...)`` prepares the padded inner and outer hash
    states; ``.copy()`` reuses them, where ``hmac.digest`` would set the key
    up again for each of tens of thousands of short ids.
    """
    keyed = hmac.new(code_key, digestmod=hashlib.sha256)

    def digest(message: bytes) -> bytes:
        state = keyed.copy()
        state.update(message)
        return state.digest()

    return digest


def access_codes_for(respondents: Sequence[str], code_key: bytes) -> list[str]:
    """The printed access code of each respondent: HMAC-SHA256(key, id) mapped without bias.

    Bytes ≥ 248 (= 8 · 31) are dropped so that every symbol is equally likely;
    when a digest runs out, the next block is HMAC(key, id + ":" + counter).
    """
    keyed = _hmac_sha256(code_key)
    digests = np.frombuffer(
        b"".join(keyed(respondent_id.encode("ascii")) for respondent_id in respondents), dtype="uint8"
    ).reshape(len(respondents), _DIGEST_SIZE)
    # Every id's first CODE_LENGTH accepted bytes at once; the (astronomically rare) id whose digest has
    # fewer takes further blocks, one by one.
    accepted = digests < _ACCEPTED_BYTES
    enough = accepted.sum(axis=1) >= CODE_LENGTH
    first = accepted & (np.cumsum(accepted, axis=1) <= CODE_LENGTH) & enough[:, None]
    symbols = np.full((len(respondents), CODE_LENGTH), ord("?"), dtype="uint8")
    symbols[enough] = _SYMBOL_CODES[digests[first]].reshape(-1, CODE_LENGTH)
    for row in np.flatnonzero(~enough):
        symbols[row] = np.frombuffer(_more_blocks(keyed, respondents[int(row)], digests[row].tobytes()), dtype="uint8")
    # format_access_code(code), without its normalisation: the symbols are canonical already.
    printed = np.full((len(respondents), _PRINTED_LENGTH), ord("-"), dtype="uint8")
    printed[:, _SYMBOL_COLUMNS] = symbols
    return printed.view(f"S{_PRINTED_LENGTH}").ravel().astype(str).tolist()


def _more_blocks(keyed: Callable[[bytes], bytes], respondent_id: str, digest: bytes) -> bytes:
    """The code's symbols (bytes of the alphabet) of an id whose first digest has too few accepted bytes."""
    symbols, block = digest.translate(None, _REJECTED), 1
    while len(symbols) < CODE_LENGTH:
        symbols += keyed(f"{respondent_id}:{block}".encode("ascii")).translate(None, _REJECTED)
        block += 1
    return symbols[:CODE_LENGTH].translate(_SYMBOL_OF_BYTE)


def access_code_for(respondent_id: str, code_key: bytes) -> str:
    """The printed access code of one respondent (see :func:`access_codes_for`)."""
    return access_codes_for([respondent_id], code_key)[0]


def key_fingerprint(code_key: bytes) -> str:
    """First 12 hex digits of the key's sha256: names the key in the manifest without revealing it."""
    return hashlib.sha256(code_key).hexdigest()[:12]
