"""Data requests (数据需求): anyone signed in asks for a dataset the catalog lacks, others support
it, an administrator routes it to a department (or closes it), and the department answers.
The acts are :mod:`catalog.datarequests.service`; :func:`figures` gives the quarterly counts."""

from catalog.datarequests.stats import DepartmentFigures, figures

__all__ = ["DepartmentFigures", "figures"]
