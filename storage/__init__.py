"""Tortoise models, migrations and the queries the domain asks for."""
