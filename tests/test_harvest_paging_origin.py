"""A DCAT catalog's Hydra paging stays on the source's own site: a ``hydra:next`` to another
host or port is not fetched, and the job says so (note ``foreign-next-page``)."""

from __future__ import annotations

from sources_server import SourceServer
from test_harvest_dcat import TURTLE, _page
from test_harvest_sources import _sign_in

from catalog.harvest.models import HarvestJob
from harvesters.dcat import _origin


def test_a_next_page_on_another_host_is_not_followed(
    app, client, source_server, new_source, harvest, session
):
    elsewhere = SourceServer()
    elsewhere.start()
    try:
        foreign = elsewhere.file("/page2.ttl", _page(2, 5, None), TURTLE)
        source_server.file("/page1.ttl", _page(1, 3, "page2.ttl"), TURTLE)
        source_server.file("/page2.ttl", _page(9, 2, foreign), TURTLE)
        new_source("paged", "dcat", source_server.url("/page1.ttl"))
        report = harvest("paged")
        assert report.status == "succeeded" and report.counts["added"] == 5
        assert elsewhere.requests == []
        notes = session.get(HarvestJob, report.job_id).notes
        assert f"foreign-next-page:{foreign}" in notes
        _sign_in(app, client)
        page = client.get(f"/admin/harvest/jobs/{report.job_id}").text
        assert "下一页位于其他网站" in page
    finally:
        elsewhere.stop()


def test_origins_compare_scheme_host_and_port():
    assert _origin("http://Data.Example:80/a") == _origin("http://data.example/b?page=2")
    assert _origin("https://data.example/a") != _origin("http://data.example/a")
    assert _origin("https://data.example/a") != _origin("https://data.example:8443/a")
    assert _origin("https://data.example/a") != _origin("https://data.example.evil/a")
    assert _origin("/srv/catalog/page1.ttl") == _origin("/srv/catalog/page2.ttl")
    assert _origin("/srv/catalog/page1.ttl") != _origin("http://data.example/page2.ttl")
