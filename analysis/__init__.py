"""Analysis: dispositions, response rates, scores, weighting, comparisons and reports.

A plain library (no Flask) of functions over DataFrames. The entry point is
:func:`analyse_round`; :func:`~analysis.tables.write_tables` writes its
tables as CSV and Parquet with a data dictionary.
"""

from analysis.config import AnalysisConfig
from analysis.errors import AnalysisInputError
from analysis.results import RoundResults
from analysis.round import analyse_round
from analysis.tables import data_dictionary, write_tables

__all__ = ["AnalysisConfig", "AnalysisInputError", "RoundResults", "analyse_round", "data_dictionary", "write_tables"]
