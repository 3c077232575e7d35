.PHONY: check test lint demo translations

# The default target: the tests and the linters.
check: test lint

test:
	.venv/bin/pytest

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

demo:
	.venv/bin/gxdata demo

# After changing a user-facing string: extract, then translate it in the .po file and compile.
translations:
	.venv/bin/pybabel extract -F babel.cfg -k _ --no-location -o portal/translations/messages.pot .
	.venv/bin/pybabel update -i portal/translations/messages.pot -d portal/translations -l zh --no-fuzzy-matching
	.venv/bin/pybabel compile -d portal/translations
