"""A CKAN site that answers 404 to package_search (the action removed, or a proxy in front)
is read with package_list and package_show, as one that says it does not know the action;
a site with neither fails its job with a typed error."""

from __future__ import annotations

import pytest
from factories import ckan_package

from catalog.harvest.models import HarvestJob


@pytest.mark.parametrize("page", ["json", "html"])
def test_a_404_to_package_search_falls_back_to_list_and_show(
    source_server, new_source, harvest, session, page
):
    url, site = source_server.ckan("/ckan")
    site.packages = [ckan_package(n) for n in range(1, 4)]
    if page == "json":
        site.missing = ("package_search",)
    else:  # a plain 404 page in front of the action
        source_server.routes["/ckan/api/action/package_search"] = lambda handler, _params: (
            handler.reply(404, b"<html><body>Not Found</body></html>", "text/html")
        )
    new_source("yulin", "ckan", url)
    report = harvest("yulin")
    assert report.status == "succeeded", report
    assert report.counts["added"] == 3
    assert "search-unavailable" in session.get(HarvestJob, report.job_id).notes
    assert any("package_show" in path for path in source_server.requests)


def test_a_site_with_neither_listing_fails_with_a_typed_error(source_server, new_source, harvest):
    url, site = source_server.ckan("/ckan")
    site.packages = [ckan_package(1)]
    site.missing = ("package_search", "package_list")
    new_source("yulin", "ckan", url)
    report = harvest("yulin")
    assert report.status == "failed" and report.error_code == "no-ckan-api"


def test_an_answer_nested_past_the_stack_fails_with_a_typed_error(
    source_server, new_source, harvest
):
    """ckanapi parses the answer itself: JSON nested 100,000 deep is ``document-too-deep``,
    not ``internal-error: RecursionError``."""
    url, _site = source_server.ckan("/ckan")
    deep = b'{"success": true, "result": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    source_server.routes["/ckan/api/action/package_search"] = lambda handler, _params: (
        handler.reply(200, deep, "application/json")
    )
    new_source("yulin", "ckan", url)
    report = harvest("yulin")
    assert report.status == "failed" and report.error_code == "document-too-deep", report
