"""SageMaker Processing entry point: score the model's test-set predictions.

    python3 evaluate.py --test /opt/ml/processing/test --predictions /opt/ml/processing/predictions \
        --output /opt/ml/processing/evaluation

The metrics, the files read and evaluation.json / model_quality.csv are those of
``mlops_shared.metrics`` (see its docstring); this model adds nothing to them.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make mlops_shared importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mlops_shared.metrics import (  # noqa: E402,F401
    METRIC_NAMES,
    auc,
    average_ranks,
    classification_metrics,
    confusion,
    evaluate,
    evaluation_report,
    main,
    read_labels,
    read_scores,
)

if __name__ == "__main__":
    main()
