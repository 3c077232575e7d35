"""the sandbox's query log and the exports of its results

See catalog/sandbox/models.py. Both tables are new; nothing else changes.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 12:58:09
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sandbox_query',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grant_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('sql', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('refusal', sa.String(length=40), nullable=True),
    sa.Column('table_name', sa.String(length=64), nullable=True),
    sa.Column('distribution_id', sa.String(length=36), nullable=True),
    sa.Column('seconds', sa.Float(), nullable=True),
    sa.Column('rows_touched', sa.BigInteger(), nullable=True),
    sa.Column('result_rows', sa.Integer(), nullable=True),
    sa.Column('suppressed', sa.Integer(), nullable=True),
    sa.Column('truncated', sa.Boolean(), nullable=True),
    sa.Column('k', sa.Integer(), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['grant_id'], ['access_grant.id'], name=op.f('fk_sandbox_query_grant_id_access_grant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_sandbox_query_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sandbox_query'))
    )
    with op.batch_alter_table('sandbox_query', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sandbox_query_grant_id'), ['grant_id'], unique=False)

    op.create_table('sandbox_export',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('query_id', sa.Integer(), nullable=False),
    sa.Column('grant_id', sa.String(length=32), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('downloaded_at', sa.DateTime(), nullable=True),
    sa.Column('delivery_id', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['grant_id'], ['access_grant.id'], name=op.f('fk_sandbox_export_grant_id_access_grant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['query_id'], ['sandbox_query.id'], name=op.f('fk_sandbox_export_query_id_sandbox_query'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['user_account.id'], name=op.f('fk_sandbox_export_reviewer_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sandbox_export')),
    sa.UniqueConstraint('query_id', name=op.f('uq_sandbox_export_query_id'))
    )
    with op.batch_alter_table('sandbox_export', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sandbox_export_grant_id'), ['grant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sandbox_export_state'), ['state'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('sandbox_export', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sandbox_export_state'))
        batch_op.drop_index(batch_op.f('ix_sandbox_export_grant_id'))

    op.drop_table('sandbox_export')
    with op.batch_alter_table('sandbox_query', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sandbox_query_grant_id'))

    op.drop_table('sandbox_query')
