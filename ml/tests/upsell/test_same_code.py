"""Training and serving run the same feature code: the point of stage 3 (no training-serving skew)."""

from __future__ import annotations

import ast
import csv
import io
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np

import upsell_inference as entry_point
from upsell import evaluate, features, inference, prepare
from upsell.features import RAW_FEATURE_COLUMNS, FeatureSpec

ML_DIR = Path(features.__file__).resolve().parents[1]
PACKAGE = features.__package__
ENTRY_POINTS = {"prepare.py": prepare, "inference.py": inference}


def module_ast(module) -> ast.Module:
    return ast.parse(Path(module.__file__).read_text(encoding="utf-8"))


def test_prepare_and_inference_use_the_features_module_objects():
    # GIVEN the imported entry points
    # WHEN / THEN what they call is the very object defined in the package's features module
    assert prepare.features is features is sys.modules[f"{PACKAGE}.features"]
    assert inference.FeatureSpec is features.FeatureSpec
    assert inference.to_csv is features.to_csv
    assert inference.RAW_FEATURE_COLUMNS is features.RAW_FEATURE_COLUMNS
    assert (entry_point.input_fn, entry_point.model_fn, entry_point.predict_fn, entry_point.output_fn) == (
        inference.input_fn, inference.model_fn, inference.predict_fn, inference.output_fn)


def test_neither_entry_point_defines_its_own_transform(synthetic_rows):
    # GIVEN the names a copy of the transform would define or spell out
    feature_names = set(FeatureSpec.fit(synthetic_rows(5)).feature_names()) - set(features.NUMERIC_COLUMNS)
    transform_words = ("transform", "fit", "derive", "impute", "scale", "normalize", "encode", "one_hot", "onehot")

    for name, module in ENTRY_POINTS.items():
        tree = module_ast(module)
        # WHEN its definitions, imports and string constants are read
        defined = [n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
        imports = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        strings = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}

        # THEN it imports the package's features module, defines no class and no transform-like function,
        assert imports & {PACKAGE, f"{PACKAGE}.features"}, name
        assert not [d for d in ast.walk(tree) if isinstance(d, ast.ClassDef)], name
        assert not [d for d in defined if any(w in d.lower() for w in transform_words)], (name, defined)
        # and never spells a derived or one-hot column
        assert not strings & feature_names, (name, strings & feature_names)


def test_serving_the_test_split_reproduces_the_training_csv(tmp_path, synthetic_rows, raw_csv):
    # GIVEN prepare.py's output for raw data
    rows = synthetic_rows(400, seed=4)
    raw_csv(rows)
    prepare.prepare(tmp_path / "input", tmp_path / "out", seed=9)
    spec = inference.model_fn(str(tmp_path / "out" / "spec"))
    test_rows = prepare.split_rows(rows, 9, 0.15, 0.15)["test"]

    # WHEN the raw test rows are sent to the serving functions as a CSV request
    body = io.StringIO()
    csv.writer(body, lineterminator="\n").writerows([[r[c] for c in RAW_FEATURE_COLUMNS] for r in test_rows])
    served, _ = inference.output_fn(inference.predict_fn(inference.input_fn(body.getvalue(), "text/csv"), spec), "text/csv")

    # THEN every served line is the training line of test.csv without its label, character for character
    training_lines = (tmp_path / "out" / "test" / "test.csv").read_text().splitlines()
    assert served.splitlines() == [line.split(",", 1)[1] for line in training_lines]
    np.testing.assert_array_equal(inference.predict_fn(test_rows, spec), spec.transform(test_rows))


def test_the_model_tarball_serves_with_the_code_it_was_trained_with(tmp_path, synthetic_rows, raw_csv):
    # GIVEN model.tar.gz extracted as SageMaker extracts model data to /opt/ml/model
    raw_csv(synthetic_rows(300, seed=5))
    prepare.prepare(tmp_path / "input", tmp_path / "out", seed=1)
    model_dir = tmp_path / "model"
    with tarfile.open(tmp_path / "out" / "spec" / "model.tar.gz") as tar:
        tar.extractall(model_dir, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
    request = "12,180.5,,3,basic,emea,annual\n"

    # WHEN a fresh isolated interpreter (-I: no PYTHONPATH, no working directory on the path)
    # imports SAGEMAKER_PROGRAM=<package>_inference from model/code
    script = (
        "import sys, importlib; sys.path.insert(0, sys.argv[1])\n"
        f"m = importlib.import_module('{PACKAGE}_inference'); f = importlib.import_module('{PACKAGE}.features')\n"
        "assert f.__file__.startswith(sys.argv[1]), f.__file__\n"
        "import mlops_shared.tabular as t; assert t.__file__.startswith(sys.argv[1]), t.__file__\n"
        "spec = m.model_fn(sys.argv[2])\n"
        "print(m.output_fn(m.predict_fn(m.input_fn(sys.argv[3], 'text/csv'), spec), 'text/csv')[0], end='')\n"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", script, str(model_dir / "code"), str(model_dir), request],
        check=True, capture_output=True, text=True, cwd=tmp_path,
    )

    # THEN it serves what the in-repo code serves with the same spec
    spec = FeatureSpec.from_json((model_dir / "feature_spec.json").read_text())
    assert result.stdout == inference.output_fn(inference.predict_fn(inference.input_fn(request, "text/csv"), spec), "")[0]


def test_inference_loaded_as_a_top_level_module_still_uses_the_package_features(tmp_path):
    # GIVEN only the package directory on the path, as when a container imports inference.py directly
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]); import inference\n"
        "print(inference.FeatureSpec.__module__, inference.__package__ or '-')\n"
    )

    # WHEN it is imported
    result = subprocess.run(
        [sys.executable, "-I", "-c", script, str(ML_DIR / PACKAGE)], check=True, capture_output=True, text=True, cwd=tmp_path
    )

    # THEN its FeatureSpec comes from the package's features module
    assert result.stdout.split()[0] == f"{PACKAGE}.features"


def test_evaluate_does_not_touch_features():
    # GIVEN / WHEN / THEN evaluation scores predictions only; it has no transform to keep in step
    imported = {n.module for n in ast.walk(module_ast(evaluate)) if isinstance(n, ast.ImportFrom)}
    assert not {m for m in imported if m and m.split(".")[0] == PACKAGE}, imported
