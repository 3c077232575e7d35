"""the versions of datasets

See catalog/versions/models.py. One new table; nothing else changes. Existing datasets get
their first version at their next change (no backfill).

Revision ID: 0012_versions
Revises: 0011
Create Date: 2026-12-04 18:45:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0012_versions'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('dataset_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dataset_id', sa.String(length=36), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('origin', sa.String(length=20), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['dataset_id'], ['dataset.id'], name=op.f('fk_dataset_version_dataset_id_dataset'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dataset_version')),
    sa.UniqueConstraint('dataset_id', 'number', name=op.f('uq_dataset_version_dataset_id'))
    )
    with op.batch_alter_table('dataset_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dataset_version_dataset_id'), ['dataset_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('dataset_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dataset_version_dataset_id'))

    op.drop_table('dataset_version')
