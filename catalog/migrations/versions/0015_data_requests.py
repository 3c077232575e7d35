"""data requests (数据需求): the requests, their supporters and their history

See catalog/datarequests/models.py. The three tables are new; nothing else changes.

Revision ID: 0015_data_requests
Revises: 0014_feedback
Create Date: 2026-12-04 18:38:14
"""

from alembic import op
import sqlalchemy as sa


revision = "0015_data_requests"
down_revision = "0014_feedback"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "data_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("suggested_department_id", sa.Integer(), nullable=True),
        sa.Column("suggested_department_text", sa.String(length=200), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("answer", sa.String(length=20), nullable=True),
        sa.Column("answer_text", sa.Text(), nullable=True),
        sa.Column("answer_url", sa.String(length=500), nullable=True),
        sa.Column("answer_dataset_id", sa.String(length=36), nullable=True),
        sa.Column("publish_by", sa.Date(), nullable=True),
        sa.Column("close_reason", sa.String(length=20), nullable=True),
        sa.Column("close_text", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("routed_at", sa.DateTime(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["answer_dataset_id"],
            ["dataset.id"],
            name=op.f("fk_data_request_answer_dataset_id_dataset"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_data_request_department_id_department"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["suggested_department_id"],
            ["department.id"],
            name=op.f("fk_data_request_suggested_department_id_department"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_data_request_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_request")),
    )
    with op.batch_alter_table("data_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_data_request_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_data_request_department_id"), ["department_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_data_request_state"), ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_data_request_user_id"), ["user_id"], unique=False)

    op.create_table(
        "data_request_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=40), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.String(length=40), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["user_account.id"],
            name=op.f("fk_data_request_event_actor_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_data_request_event_department_id_department"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["data_request.id"],
            name=op.f("fk_data_request_event_request_id_data_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_request_event")),
        sa.UniqueConstraint("request_id", "seq", name=op.f("uq_data_request_event_request_id")),
    )
    with op.batch_alter_table("data_request_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_data_request_event_request_id"), ["request_id"], unique=False
        )

    op.create_table(
        "data_request_support",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["data_request.id"],
            name=op.f("fk_data_request_support_request_id_data_request"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_data_request_support_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_request_support")),
        sa.UniqueConstraint(
            "request_id", "user_id", name=op.f("uq_data_request_support_request_id")
        ),
    )
    with op.batch_alter_table("data_request_support", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_data_request_support_request_id"), ["request_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("data_request_support", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_data_request_support_request_id"))

    op.drop_table("data_request_support")
    with op.batch_alter_table("data_request_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_data_request_event_request_id"))

    op.drop_table("data_request_event")
    with op.batch_alter_table("data_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_data_request_user_id"))
        batch_op.drop_index(batch_op.f("ix_data_request_state"))
        batch_op.drop_index(batch_op.f("ix_data_request_department_id"))
        batch_op.drop_index(batch_op.f("ix_data_request_created_at"))

    op.drop_table("data_request")
