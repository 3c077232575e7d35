"""the quarterly statistics: hit counters per day and the frozen figures of each quarter

See catalog/stats/models.py. Both tables are new; nothing else changes.

Revision ID: 0016_stats
Revises: 0015_data_requests
Create Date: 2026-12-04 19:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0016_stats'
down_revision = '0015_data_requests'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('stats_counter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('dataset_id', sa.String(length=36), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stats_counter')),
    sa.UniqueConstraint('day', 'kind', 'dataset_id', name=op.f('uq_stats_counter_day'))
    )
    with op.batch_alter_table('stats_counter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stats_counter_day'), ['day'], unique=False)

    op.create_table('stats_snapshot',
    sa.Column('quarter', sa.String(length=7), nullable=False),
    sa.Column('computed_at', sa.DateTime(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('quarter', name=op.f('pk_stats_snapshot'))
    )


def downgrade() -> None:
    op.drop_table('stats_snapshot')
    with op.batch_alter_table('stats_counter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stats_counter_day'))

    op.drop_table('stats_counter')
