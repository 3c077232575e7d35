"""The publishing acts: permission per department, review, harvested read-only, uploads by
content, and one audit row per act."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import audit
from catalog.accounts import users
from catalog.accounts.models import PUBLISHER, REVIEWER
from catalog.errors import InvalidValue
from catalog.models import PENDING, PUBLISHED, WITHDRAWN, Department
from catalog.permissions import actor_for
from catalog.publishing import acts
from catalog.storage import FileStore


def _person(session: Session, email: str, role: str, department: Department) -> users.User:
    user, _ = users.create_staff_user(session, email=email, password=None)
    users.grant_role(session, user, role, department)
    return user


@pytest.fixture
def departments(session: Session) -> tuple[Department, Department]:
    mine, other = Department(slug="mine", name="本厅"), Department(slug="other", name="他厅")
    session.add_all([mine, other])
    session.flush()
    return mine, other


def test_a_publisher_publishes_for_their_department_only(session, departments) -> None:
    mine, other = departments
    actor = actor_for(_person(session, "p@example.org", PUBLISHER, mine))
    dataset = acts.create_dataset(session, actor, mine, {"title": "公交站牌信息"})
    assert dataset.state == "draft"
    acts.publish_dataset(session, actor, dataset)
    assert dataset.state == PUBLISHED
    with pytest.raises(acts.Forbidden):
        acts.create_dataset(session, actor, other, {"title": "别人的"})
    acts.withdraw_dataset(session, actor, dataset)
    assert dataset.state == WITHDRAWN
    actions = session.scalars(select(audit.AuditEntry.action).order_by(audit.AuditEntry.seq))
    assert list(actions) == ["dataset.create", "dataset.publish", "dataset.withdraw"]
    assert audit.verify(session).ok


def test_review_sends_to_pending_then_a_reviewer_approves(session, departments) -> None:
    mine, _ = departments
    mine.requires_review = True
    publisher = actor_for(_person(session, "p@example.org", PUBLISHER, mine))
    reviewer = actor_for(_person(session, "r@example.org", REVIEWER, mine), two_factor=True)
    dataset = acts.create_dataset(session, publisher, mine, {"title": "待审数据"})
    acts.publish_dataset(session, publisher, dataset)
    assert dataset.state == PENDING
    with pytest.raises(acts.Forbidden):
        acts.review_dataset(session, publisher, dataset, approve=True)
    acts.review_dataset(session, reviewer, dataset, approve=True)
    assert dataset.state == PUBLISHED and dataset.issued is not None


def test_an_upload_is_typed_by_content_and_keeps_its_chinese_name(
    session, departments, tmp_path: Path
) -> None:
    mine, _ = departments
    actor = actor_for(_person(session, "p@example.org", PUBLISHER, mine))
    dataset = acts.create_dataset(session, actor, mine, {"title": "表格"})
    store = FileStore(tmp_path)
    book = openpyxl.Workbook()
    book.active["A1"] = "名称"
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    kept = acts.add_upload(
        session, actor, dataset, store, stream=buffer, file_name="南宁 数据.xlsx", max_bytes=10**6
    )
    assert (kept.format, kept.file_name) == ("XLSX", "南宁 数据.xlsx")
    with pytest.raises(InvalidValue) as error:
        acts.add_upload(
            session, actor, dataset, store,
            stream=io.BytesIO(b"a,b\n1,2\n"), file_name="fake.xlsx", max_bytes=10**6,
        )  # fmt: skip
    assert error.value.code == "content-not-format"
    assert [d.file_name for d in dataset.distributions] == ["南宁 数据.xlsx"]
