"""SAGEMAKER_PROGRAM of the churn preprocessing container: the serving functions of churn.inference.

SageMaker's framework containers import the program from the root of the code directory, so this
file sits beside the churn package and only re-exports; the code is in churn/inference.py.
"""

from churn.inference import input_fn, model_fn, output_fn, predict_fn

__all__ = ["input_fn", "model_fn", "output_fn", "predict_fn"]
