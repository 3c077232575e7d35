"""linked data: indexes for catalog pages in id order and incremental harvesting

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 13:40:00

The DCAT catalog pages (/catalog.ttl?page=N) and the REST API read public datasets in id
order; (state, id, open_type) lets the database walk them in that order, checking the open
type in the index, instead of sorting the table. metadata_modified serves ``modified_since``
and, with issued, the catalog record's dates.
"""
from alembic import op


revision = '0004'
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_dataset_state_id', 'dataset', ['state', 'id', 'open_type'])
    op.create_index('ix_dataset_metadata_modified', 'dataset', ['metadata_modified'])
    op.create_index('ix_dataset_issued', 'dataset', ['issued'])


def downgrade() -> None:
    op.drop_index('ix_dataset_issued', table_name='dataset')
    op.drop_index('ix_dataset_metadata_modified', table_name='dataset')
    op.drop_index('ix_dataset_state_id', table_name='dataset')
