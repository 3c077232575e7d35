"""Downloads: Content-Type, Chinese file names (RFC 5987), ETag, Range, counts, access."""

from __future__ import annotations

from urllib.parse import quote

from factories import full_dataset
from sqlalchemy import select

from catalog.models import Dataset, Distribution


def _distribution(demo_app, title, fmt, name_part=""):
    with demo_app.extensions["gxdata"].session_factory() as session:
        dataset = session.scalar(select(Dataset).where(Dataset.title == title))
        dist = next(
            d for d in dataset.distributions if d.format == fmt and name_part in d.file_name
        )
        url = f"/dataset/{dataset.slug}/resource/{dist.id}/download/{quote(dist.file_name)}"
        return url, dist.id, dist.byte_size, dist.sha256


def _count(demo_app, dist_id):
    demo_app.extensions["gxdata_stats"].counter.flush()  # downloads are counted in batches
    with demo_app.extensions["gxdata"].session_factory() as session:
        return session.get(Distribution, dist_id).download_count


def test_download_keeps_chinese_name_and_type(demo_app, demo_client):
    url, dist_id, size, sha = _distribution(
        demo_app, "联合国M49国家和地区代码（含中文名称）", "CSV", "简体中文"
    )
    before = _count(demo_app, dist_id)
    response = demo_client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "filename*=UTF-8''" + quote("联合国M49国家和地区代码（简体中文）.csv") in disposition
    assert len(response.data) == size
    assert response.headers["ETag"].strip('"') == sha
    assert _count(demo_app, dist_id) == before + 1
    assert demo_client.head(url).status_code == 200
    resumed = demo_client.get(url, headers={"Range": "bytes=100-"})
    assert resumed.status_code == 206
    assert _count(demo_app, dist_id) == before + 1  # HEAD and resumed chunks are not downloads


def test_ascii_file_name_stays_plain(demo_app, demo_client):
    url, *_ = _distribution(demo_app, "联合国M49国家和地区代码（含中文名称）", "CSV", "country")
    assert demo_client.get(url).headers["Content-Disposition"] == (
        "attachment; filename=country-codes.csv"
    )


def test_range_and_conditional_requests(demo_app, demo_client):
    url, _id, size, sha = _distribution(demo_app, "广西公共数据开放平台2021年数据目录", "CSV")
    partial = demo_client.get(url, headers={"Range": "bytes=0-99"})
    assert partial.status_code == 206 and len(partial.data) == 100
    assert partial.headers["Content-Range"] == f"bytes 0-99/{size}"
    cached = demo_client.get(url, headers={"If-None-Match": f'"{sha}"'})
    assert cached.status_code == 304
    bad = demo_client.get(url, headers={"Range": f"bytes={size + 10}-"})
    assert bad.status_code == 416


def test_conditional_files_are_refused(demo_app, demo_client):
    url, *_ = _distribution(demo_app, "【示例】企业纳税信用评价结果", "CSV")
    assert demo_client.get(url).status_code == 403


def test_hidden_dataset_files_are_not_found(demo_app, demo_client):
    url, *_ = _distribution(demo_app, "【示例】涉密案件办理信息", "CSV")
    assert demo_client.get(url).status_code == 404


def test_unknown_resource_is_404(demo_app, demo_client):
    url, *_ = _distribution(demo_app, "世界各国和地区人口数", "CSV")
    broken = url.split("/resource/")[0] + "/resource/nope/download/x.csv"
    assert demo_client.get(broken).status_code == 404


def test_redirected_download_counts_get_not_head_or_resumed_range(app, client, session):
    """A file kept at its source is a redirect: HEAD and a resumed range are not downloads,
    a plain GET and a range from byte 0 are."""
    with session.begin():
        dataset = full_dataset(session)
        dist_id, slug = dataset.distributions[0].id, dataset.slug
    url = f"/dataset/{slug}/resource/{dist_id}/download"

    def count():
        app.extensions["gxdata_stats"].counter.flush()  # downloads are counted in batches
        session.expire_all()
        return session.get(Distribution, dist_id).download_count

    assert client.head(url).status_code == 302
    assert client.get(url, headers={"Range": "bytes=100-"}).status_code == 302
    assert count() == 0
    assert client.get(url).status_code == 302
    assert client.get(url, headers={"Range": "bytes=0-"}).status_code == 302
    assert count() == 2
