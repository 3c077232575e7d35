"""Table Schemas of tabular files: which schema describes which distribution.

Data packages carry a Frictionless Table Schema per resource; the demo loader keeps them in
``Dataset.extras["schemas"]`` keyed by the resource path (``data/population.csv``). A
distribution's schema is the one whose path ends in its file name.
"""

from __future__ import annotations

from typing import Any

from catalog.models import Dataset, Distribution


def table_schema(dataset: Dataset, distribution: Distribution) -> dict[str, Any] | None:
    schemas = (dataset.extras or {}).get("schemas") or {}
    if not isinstance(schemas, dict) or not distribution.file_name:
        return None
    for path, schema in schemas.items():
        if isinstance(schema, dict) and str(path).rsplit("/", 1)[-1] == distribution.file_name:
            return schema
    return None
