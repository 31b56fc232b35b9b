"""The published tables' schema, the data dictionary and write_tables."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.results import RoundResults
from analysis.tables import TABLES, conform, data_dictionary, write_tables


def test_every_table_of_the_results_has_its_schema():
    results = RoundResults()
    assert list(results.tables()) == list(TABLES)
    for name, table in results.tables().items():
        assert list(table.columns) == [column.name for column in TABLES[name]]


def test_data_dictionary_describes_every_column_once():
    dictionary = data_dictionary()
    assert len(dictionary) == sum(len(columns) for columns in TABLES.values())
    assert not dictionary.duplicated(["table", "column"]).any()
    assert dictionary["description"].str.len().min() > 10


def test_conform_orders_types_and_refuses_a_missing_column():
    table = pd.DataFrame({"description": ["Wilson score interval"], "topic": ["ci_method.wilson"], "extra": [1]})
    conformed = conform("methods", table)
    assert list(conformed.columns) == ["topic", "description"]
    assert conformed["topic"].dtype == "string"
    with pytest.raises(KeyError, match="lacks columns"):
        conform("methods", table.drop(columns="topic"))


def test_write_tables_writes_csv_parquet_and_dictionary(tmp_path):
    methods = conform("methods", pd.DataFrame({"topic": ["suppression"], "description": ["fewer than 30: not shown"]}))
    written = write_tables(RoundResults(methods=methods), tmp_path / "out")
    names = sorted(path.name for path in written)
    assert "data_dictionary.csv" in names
    assert {f"{name}.{ext}" for name in TABLES for ext in ("csv", "parquet")} <= set(names)
    round_trip = pd.read_parquet(tmp_path / "out" / "methods.parquet")
    assert round_trip["description"].tolist() == ["fewer than 30: not shown"]
    assert not list((tmp_path / "out").glob(".*partial"))
