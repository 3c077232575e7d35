"""A committed world of applications for the page and command tests: two departments, a
conditional dataset in each (a CSV of made-up people), reviewers, an administrator and
enterprise applicants; applications made, submitted and decided through the services at
fixed times."""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy.orm import Session
from test_applications import CONDITIONS, PDF, REQUIREMENTS
from test_masking import credit_code, csv_bytes, table

from catalog.accounts import users
from catalog.accounts.models import ADMIN, ENTERPRISE, REVIEWER, User
from catalog.applications import acts, grants
from catalog.applications.models import Application, Grant
from catalog.models import Dataset, Department
from catalog.permissions import Actor, actor_for
from catalog.services.datasets import create_dataset, publish_dataset
from catalog.services.distributions import store_file

# Friday 26 September 2025, 10:00 in Beijing: the limit of 10 working days falls after the
# National Day holiday (Thursday 16 October 2025).
EARLY = datetime(2025, 9, 26, 2, 0)
LATE = datetime(2025, 10, 15, 2, 0)  # limit Wednesday 29 October 2025
QUEUE_NOW = datetime(2025, 10, 20, 2, 0)  # EARLY is overdue, LATE is not


@dataclass
class People:
    reviewer: int  # of "mine"
    outsider: int  # a reviewer of "other"
    admin: int
    applicants: list[int]


def person(session: Session, email: str, role: str | None = None,
           department: Department | None = None) -> User:  # fmt: skip
    user, _ = users.create_staff_user(session, email=email, password="Staff-pass-2026!")
    user.must_change_password = False
    if role is not None:
        users.grant_role(session, user, role, department)
    return user


def applicant(session: Session, n: int) -> User:
    user = person(session, f"e{n}@example.org")
    user.kind = ENTERPRISE
    user.organization_name = f"南宁第{n}科技有限公司"
    user.credit_code = credit_code(random.Random(n))
    user.display_name = f"企业{n}"
    return user


def conditional_dataset(
    app: Flask, session: Session, department: Department, title: str
) -> Dataset:
    dataset = create_dataset(
        session, title=title, department=department, open_type="conditional",
        conditions=CONDITIONS,
    )  # fmt: skip
    store_file(
        session, app.extensions["gxdata"].files, dataset, file_name="居民.csv",
        stream=io.BytesIO(csv_bytes(table(200))), max_bytes=10**7,
    )  # fmt: skip
    publish_dataset(session, dataset)
    return dataset


def build(app: Flask, applicants: int = 3) -> People:
    with app.extensions["gxdata"].session_factory() as session, session.begin():
        mine, other = Department(slug="mine", name="本厅"), Department(slug="other", name="他厅")
        session.add_all([mine, other])
        session.flush()
        conditional_dataset(app, session, mine, "居民信息")
        conditional_dataset(app, session, other, "=1+2 他厅数据")
        people = People(
            reviewer=person(session, "r@example.org", REVIEWER, mine).id,
            outsider=person(session, "o@example.org", REVIEWER, other).id,
            admin=person(session, "a@example.org", ADMIN).id,
            applicants=[applicant(session, n).id for n in range(applicants)],
        )
    return people


def dataset_of(session: Session, department: str) -> Dataset:
    found = session.query(Dataset).join(Department).filter(Department.slug == department).one()
    return found


def actor(session: Session, user_id: int) -> Actor:
    user = session.get(User, user_id)
    assert user is not None
    return actor_for(user, two_factor=True)


def submitted(app: Flask, user_id: int, department: str, at: datetime) -> str:
    """A submitted application of ``user_id`` for the dataset of ``department``; its reference."""
    with app.extensions["gxdata"].session_factory() as session, session.begin():
        dataset = dataset_of(session, department)
        csv_file = next(d for d in dataset.distributions if d.stored_file)
        who = actor(session, user_id)
        fields = {
            "purpose": "信用评估模型",
            "scenario": "小微企业贷款风控",
            "distribution_ids": [csv_file.id],
            "fields": [],
            "commitments": REQUIREMENTS,
        }
        application = acts.create_application(session, who, dataset, fields, now=at)
        acts.add_attachment(
            session, who, application, app.extensions["gxdata"].files,
            stream=io.BytesIO(PDF), file_name="营业执照.pdf", now=at,
        )  # fmt: skip
        acts.submit(session, who, application, now=at)
        return application.reference


def granted(
    app: Flask, people: People, n: int, at: datetime, department: str = "mine"
) -> tuple[str, str]:
    """Applicant ``n``'s approved application of ``department`` (reference, grant id)."""
    reference = submitted(app, people.applicants[n], department, at)
    with app.extensions["gxdata"].session_factory() as session, session.begin():
        application = session.query(Application).filter_by(reference=reference).one()
        reviewer = actor(session, people.reviewer if department == "mine" else people.outsider)
        acts.start_review(session, reviewer, application, now=at + timedelta(hours=1))
        grant: Grant = grants.approve(session, reviewer, application, now=at + timedelta(hours=2))
        return reference, grant.id


def reported(
    app: Flask, user_id: int, grant_id: str, at: datetime, *, what_built: str = "风控评分模型",
    results: str = "试运行，覆盖五百家企业", problems: str | None = None, final: bool = False,
) -> None:  # fmt: skip
    """A usage report filed by ``user_id`` on ``grant_id`` at ``at``, through the service."""
    with app.extensions["gxdata"].session_factory() as session, session.begin():
        grant = session.get(Grant, grant_id)
        assert grant is not None
        grants.file_usage_report(session, actor(session, user_id), grant, what_built=what_built,
                                 results=results, problems=problems, final=final,
                                 now=at)  # fmt: skip
