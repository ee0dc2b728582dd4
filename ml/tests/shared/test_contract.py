"""contract.py: the declared data contract of a model package, and every package's contract.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlops_shared.contract import Contract, load_contract

ML_DIR = Path(__file__).resolve().parents[2]
MODEL_PACKAGES = sorted(p.parent.name for p in ML_DIR.glob("*/contract.json"))
VALID = {
    "id": "account_id", "label": "accepted", "event_time": "event_time",
    "request_columns": ["seats", "plan"], "numeric": ["seats"], "categorical": {"plan": ["basic", "pro"]},
}


def test_a_valid_contract_loads_with_its_columns(tmp_path):
    # GIVEN a contract.json in a package directory
    (tmp_path / "contract.json").write_text(json.dumps(VALID))

    # WHEN it is loaded from the directory
    contract = load_contract(tmp_path)

    # THEN its columns are there, in order, and a training row needs id, request columns and label
    assert contract.request_columns == ("seats", "plan")
    assert contract.categorical == {"plan": ("basic", "pro")}
    assert contract.training_columns == ("account_id", "seats", "plan", "accepted")
    assert Contract.from_dict(dict(VALID, event_time=None)).event_time is None


@pytest.mark.parametrize("change, message", [
    ({"label": None}, "missing keys"),
    ({"extra": 1}, "unknown keys"),
    ({"request_columns": []}, "request_columns is empty"),
    ({"request_columns": ["seats", "seats", "plan"]}, "repeats"),
    ({"request_columns": ["account_id", "seats", "plan"], "numeric": ["account_id", "seats"]}, "must not hold the id"),
    ({"numeric": ["seats", "plan"]}, "both numeric and categorical"),
    ({"numeric": []}, "must be exactly the request_columns"),
])
def test_an_invalid_contract_is_refused_with_the_reason(tmp_path, change, message):
    # GIVEN a contract with one mistake
    data = {k: v for k, v in dict(VALID, **change).items() if v is not None}
    (tmp_path / "contract.json").write_text(json.dumps(data))

    # WHEN / THEN loading it fails, naming the file and the reason
    with pytest.raises(ValueError, match=message):
        load_contract(tmp_path / "contract.json")


def test_an_unreadable_contract_names_the_file(tmp_path):
    # GIVEN a contract.json that is not JSON WHEN loaded THEN the error names the file
    (tmp_path / "contract.json").write_text("{not json")
    with pytest.raises(ValueError, match="cannot read the data contract"):
        load_contract(tmp_path)


@pytest.mark.parametrize("package", MODEL_PACKAGES)
def test_every_model_package_declares_a_valid_contract(package):
    # GIVEN a model package of ml/ WHEN its contract.json is loaded THEN it is valid and names its columns
    contract = load_contract(ML_DIR / package)
    assert contract.request_columns and contract.id and contract.label


def test_every_model_package_is_found():
    # GIVEN ml/, whatever models it holds (a fork may delete the samples and scaffold its own)
    assert (ML_DIR / "mlops_shared" / "contract.py").is_file()
    packages = {p.parent.name for p in ML_DIR.glob("*/__init__.py")} - {"mlops_shared", "tests"}

    # WHEN its packages with a contract.json are listed THEN they are exactly its Python packages besides
    # mlops_shared and tests: no model escapes the contract check above
    assert set(MODEL_PACKAGES) == packages
