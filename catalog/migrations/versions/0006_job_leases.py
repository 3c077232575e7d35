"""job leases: the owner and heartbeat of a harvest job; the heartbeat and the earliest
retry of a background job

A harvest job names its owner (``host:pid:token``) and the last time that owner said it was
alive; a job whose heartbeat is older than the lease, or whose owner process on this host is
gone, is marked failed (``owner-died``) by the next start. A background job keeps the same
heartbeat while a worker runs it, and ``not_before`` holds back a job that failed for lack
of disk space until there may be space again.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 21:15:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('harvest_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('not_before', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_column('not_before')
        batch_op.drop_column('heartbeat_at')
    with op.batch_alter_table('harvest_job', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')
        batch_op.drop_column('owner')
