"""Blueprints of the public portal pages."""
