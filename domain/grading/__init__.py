"""Assessments, the Review Center and the gradebook: ``model`` (records, errors,
score rules) and ``service``."""
