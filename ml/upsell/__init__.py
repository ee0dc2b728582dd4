"""Upsell sample workload: will an account accept a plan upgrade? Trained and served with scikit-learn."""
