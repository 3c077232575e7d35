"""Harvest source names are words, so every source has working pages: a name with ``/``,
``..``, a dot, a space or markup is refused with ``invalid-name``, explained in Chinese on
the command line and in the administration form."""

from __future__ import annotations

import pytest
from form_tokens import csrf
from signing_in import signed_in
from sqlalchemy import func, select

from catalog.errors import InvalidValue
from catalog.harvest.models import HarvestSource
from catalog.harvest.sources import add_source

EXPLAINED = "采集来源名称由 1 至 64 个字母"
BAD_NAMES = ["../x", "a/b", "..", "<b>x</b>", "x.y", "a b", "", "_x", "-x", "x" * 65, "a\u0000"]
GOOD_NAMES = ["nanning", "qinzhou-catalog", "柳州", "北海市目录", "by_hand2", "x" * 64]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_bad_name_is_refused(session, name):
    with pytest.raises(InvalidValue) as refused:
        add_source(session, name=name, kind="ckan", url="https://ckan.example.gov.cn")
    assert refused.value.code == "invalid-name" and refused.value.field == "name"


@pytest.mark.parametrize("name", GOOD_NAMES)
def test_good_names_are_accepted_and_their_page_answers(app, client, session, name):
    with session.begin():
        add_source(session, name=name, kind="ckan", url="https://ckan.example.gov.cn")
    _sign_in(app, client)
    assert client.get(f"/admin/harvest/{name}").status_code == 200


def test_the_command_line_explains_a_bad_name_in_chinese(runner, session):
    add = ["harvest", "source", "add", "--type", "ckan", "--url", "https://x.example"]
    result = runner.invoke(args=[*add, "--name", "../../etc"])
    assert result.exit_code != 0
    assert "invalid-name" in result.output and EXPLAINED in result.output
    assert session.scalar(select(func.count()).select_from(HarvestSource)) == 0


def test_the_form_explains_a_bad_name_in_chinese(app, client, session):
    _sign_in(app, client)
    page = client.get("/admin/harvest")
    form = {
        "csrf_token": csrf(page.text),
        "kind": "ckan",
        "frequency": "manual",
        "department": "",
        "url": "https://ckan.example.gov.cn",
        "name": "<script>x</script>",
    }
    refused = client.post("/admin/harvest", data=form)
    assert EXPLAINED in refused.text and "<script>x</script>" not in refused.text
    assert session.scalar(select(func.count()).select_from(HarvestSource)) == 0


def _sign_in(app, client) -> None:
    signed_in(app, client, "admin@gx.test", "admin")
