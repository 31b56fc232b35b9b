"""Analysis: dispositions, response rates, scores, weighting, comparisons and reports.

A plain library (no Flask) of functions over DataFrames.
"""
