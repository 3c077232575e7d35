"""change log: what each commit changed, for the stores that follow the database

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 21:30:00

``change_log`` gets one row per dataset (or department) a committed transaction changed, in
the same transaction; the search index and the SPARQL store apply it in order and keep their
position in themselves. ``follower_position`` notes how far each store got, for pruning.
"""
import sqlalchemy as sa
from alembic import op


revision = '0005'
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'change_log',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('dataset_id', sa.String(length=36), nullable=True),
        sa.Column('department_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_change_log')),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f('ix_change_log_created_at'), 'change_log', ['created_at'])
    op.create_table(
        'follower_position',
        sa.Column('name', sa.String(length=300), nullable=False),
        sa.Column('change_id', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_follower_position')),
    )


def downgrade() -> None:
    op.drop_table('follower_position')
    op.drop_index(op.f('ix_change_log_created_at'), table_name='change_log')
    op.drop_table('change_log')
