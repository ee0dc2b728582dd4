"""SAGEMAKER_PROGRAM of the model's preprocessing container: the serving functions of its inference.py.

SageMaker's framework containers import the program from the root of the code directory, so this
file sits beside the model package, named ``<package>_inference.py``, and only re-exports.
"""

from upsell.inference import input_fn, model_fn, output_fn, predict_fn

__all__ = ["input_fn", "model_fn", "output_fn", "predict_fn"]
