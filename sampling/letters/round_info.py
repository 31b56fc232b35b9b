"""The round information file the letters print: defined once in :mod:`contracts.round_info`."""

from contracts.round_info import DATA_PROTECTION_KEYS, LANGUAGES, Plan, RoundInfo, RoundInfoError, load_round_info

__all__ = ["DATA_PROTECTION_KEYS", "LANGUAGES", "Plan", "RoundInfo", "RoundInfoError", "load_round_info"]
