"""Code every model package shares: data contract, CSV and split helpers, metrics, model data, feature store jobs.

Nothing here names a model. A model package (``churn/``, ``upsell/``) imports from here; its serving
tarballs carry the modules its serving code imports (``modeldata.SERVING_SHARED_FILES``).
"""
