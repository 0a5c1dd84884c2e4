"""Webhooks to the school's other systems."""
