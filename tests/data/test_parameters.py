"""The one parameter check (trygghet.data.parameters): one message per parameter — what, where, fix."""

from __future__ import annotations

import pytest

from trygghet.data.errors import ParameterError
from trygghet.data.parameters import check_parameters


@pytest.fixture()
def store(make_tiny_store, tmp_path):
    return make_tiny_store(tmp_path / "store", years=(2023, 2024, 2025))


def test_good_parameters_pass(store):
    check_parameters(store, year=2024, area="Örnäset", group="vald", lang="sv", where="lagesbild.ipynb")
    check_parameters(store, group="kommunala_brand", municipal=True)
    check_parameters(store)  # nothing to check


@pytest.mark.parametrize("kwargs, parts", [
    ({"year": "2024"}, ["year='2024'", "in lagesbild.ipynb", "not a whole number", "such as 2025"]),
    ({"year": True}, ["year=True", "not a whole number"]),
    ({"year": 2031}, ["year=2031", "in lagesbild.ipynb", "no offences for that year", "2023–2025",
                      "ingest that year's offence file"]),
    ({"area": "Ornaset"}, ["area='Ornaset'", "in lagesbild.ipynb", "not an area of the store",
                           "use one of Björkskatan, Centrum, Örnäset"]),
    ({"group": "valdsbrott"}, ["group='valdsbrott'", "in lagesbild.ipynb", "not an offence group",
                               "use one of alla, vald, mangdbrott", "misshandel", "okand"]),
    ({"lang": "de"}, ["lang='de'", "in lagesbild.ipynb", "not a report language", "use one of sv, en"]),
])
def test_one_message_per_parameter(store, kwargs, parts):
    with pytest.raises(ParameterError) as err:
        check_parameters(store, where="lagesbild.ipynb", **kwargs)
    text = str(err.value)
    for part in parts:
        assert part in text, (part, text)
    assert "\n" not in text  # one line for the command line


def test_the_store_folder_is_named_for_a_missing_year(store):
    with pytest.raises(ParameterError, match=str(store)):
        check_parameters(store, year=2019)


def test_municipal_groups_only_where_allowed(store):
    with pytest.raises(ParameterError, match="kommunala"):
        check_parameters(store, group="kommunala")
    with pytest.raises(ParameterError, match="or municipal incident group; use one of .*kommunala_brand"):
        check_parameters(store, group="kommunala_x", municipal=True)
