"""applications for conditional data and what follows them: their history, attachments,
the grants an approval makes, every masked delivery and the usage reports

See catalog/applications/. Every table is new; nothing else changes.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 04:49:57
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('application',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=24), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('dataset_id', sa.String(length=36), nullable=False),
    sa.Column('state', sa.String(length=30), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('scenario', sa.Text(), nullable=False),
    sa.Column('distribution_ids', sa.JSON(), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('period_days', sa.Integer(), nullable=True),
    sa.Column('commitments', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('limit_day', sa.Date(), nullable=True),
    sa.Column('limit_estimated', sa.Boolean(), nullable=False),
    sa.Column('reminded_at', sa.DateTime(), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['dataset_id'], ['dataset.id'], name=op.f('fk_application_dataset_id_dataset'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_application_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application')),
    sa.UniqueConstraint('reference', name=op.f('uq_application_reference'))
    )
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_dataset_id'), ['dataset_id'], unique=False)
        batch_op.create_index('ix_application_state_limit', ['state', 'limit_day'], unique=False)
        batch_op.create_index(batch_op.f('ix_application_user_id'), ['user_id'], unique=False)

    op.create_table('access_grant',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('dataset_id', sa.String(length=36), nullable=False),
    sa.Column('distribution_ids', sa.JSON(), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('end_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_access_grant_application_id_application'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['dataset_id'], ['dataset.id'], name=op.f('fk_access_grant_dataset_id_dataset'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_access_grant_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_grant')),
    sa.UniqueConstraint('application_id', name=op.f('uq_access_grant_application_id'))
    )
    with op.batch_alter_table('access_grant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_grant_dataset_id'), ['dataset_id'], unique=False)
        batch_op.create_index('ix_access_grant_user_state', ['user_id', 'state'], unique=False)

    op.create_table('application_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('file_key', sa.String(length=64), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_application_attachment_application_id_application'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_attachment'))
    )
    with op.batch_alter_table('application_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_attachment_application_id'), ['application_id'], unique=False)

    op.create_table('application_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=30), nullable=False),
    sa.Column('from_state', sa.String(length=30), nullable=False),
    sa.Column('to_state', sa.String(length=30), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=40), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_application_event_actor_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_application_event_application_id_application'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_event')),
    sa.UniqueConstraint('application_id', 'seq', name=op.f('uq_application_event_application_id'))
    )
    with op.batch_alter_table('application_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_event_application_id'), ['application_id'], unique=False)

    op.create_table('delivery',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('grant_id', sa.String(length=32), nullable=False),
    sa.Column('distribution_id', sa.String(length=36), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('format', sa.String(length=20), nullable=False),
    sa.Column('bytes', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['grant_id'], ['access_grant.id'], name=op.f('fk_delivery_grant_id_access_grant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery'))
    )
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_grant_id'), ['grant_id'], unique=False)

    op.create_table('usage_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grant_id', sa.String(length=32), nullable=False),
    sa.Column('filed_at', sa.DateTime(), nullable=False),
    sa.Column('what_built', sa.Text(), nullable=False),
    sa.Column('results', sa.Text(), nullable=False),
    sa.Column('problems', sa.Text(), nullable=True),
    sa.Column('final', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['grant_id'], ['access_grant.id'], name=op.f('fk_usage_report_grant_id_access_grant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_usage_report'))
    )
    with op.batch_alter_table('usage_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_usage_report_grant_id'), ['grant_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('usage_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_usage_report_grant_id'))

    op.drop_table('usage_report')
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_grant_id'))

    op.drop_table('delivery')
    with op.batch_alter_table('application_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_event_application_id'))

    op.drop_table('application_event')
    with op.batch_alter_table('application_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_attachment_application_id'))

    op.drop_table('application_attachment')
    with op.batch_alter_table('access_grant', schema=None) as batch_op:
        batch_op.drop_index('ix_access_grant_user_state')
        batch_op.drop_index(batch_op.f('ix_access_grant_dataset_id'))

    op.drop_table('access_grant')
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_user_id'))
        batch_op.drop_index('ix_application_state_limit')
        batch_op.drop_index(batch_op.f('ix_application_dataset_id'))

    op.drop_table('application')
