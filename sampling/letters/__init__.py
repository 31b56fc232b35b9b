"""Letters for a survey round, made on the region's side from the mailing list.

Invitations and reminders (PDF for printing, CSV for a print vendor) hold
names, addresses and access codes: this package belongs with the mailing list
and is never imported by the web survey (``docs/ARCHITECTURE.md``).
"""

from sampling.letters.documents import LETTER_KINDS, build_letters, write_letters
from sampling.letters.round_info import RoundInfo, load_round_info

__all__ = ["LETTER_KINDS", "RoundInfo", "build_letters", "load_round_info", "write_letters"]
