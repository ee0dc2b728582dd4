"""SAGEMAKER_PROGRAM of the model's predictor container: the serving functions of its predictor.py.

SageMaker's framework containers import the program from the root of the code directory
(SAGEMAKER_SUBMIT_DIRECTORY=/opt/ml/model/code), so this file sits beside the model package, named
``<package>_predictor.py``, and only re-exports.
"""

from upsell.predictor import input_fn, model_fn, output_fn, predict_fn

__all__ = ["input_fn", "model_fn", "output_fn", "predict_fn"]
