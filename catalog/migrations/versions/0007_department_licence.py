"""department default licence: the licence of its datasets that name none

``department.default_licence`` holds a notation of the licence table (``vocab/licences``);
NULL means the platform's terms of use (平台数据使用协议) apply. See catalog/licensing.py.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 22:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('department', schema=None) as batch_op:
        batch_op.add_column(sa.Column('default_licence', sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('department', schema=None) as batch_op:
        batch_op.drop_column('default_licence')
