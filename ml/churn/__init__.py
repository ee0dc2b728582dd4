"""Churn sample workload: one feature transform shared by training (Processing) and serving (inference pipeline)."""
