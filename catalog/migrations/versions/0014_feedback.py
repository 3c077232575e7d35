"""the data-quality loop: problem reports and their transitions

See catalog/feedback/models.py. Both tables are new; nothing else changes.

Revision ID: 0014_feedback
Revises: 0013_reuses
Create Date: 2026-12-04 19:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0014_feedback'
down_revision = '0013_reuses'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('feedback_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=24), nullable=False),
    sa.Column('dataset_id', sa.String(length=36), nullable=False),
    sa.Column('distribution_id', sa.String(length=36), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('row_ref', sa.String(length=40), nullable=True),
    sa.Column('column_ref', sa.String(length=100), nullable=True),
    sa.Column('contact', sa.String(length=254), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('answer_days', sa.Integer(), nullable=False),
    sa.Column('limit_from', sa.DateTime(), nullable=False),
    sa.Column('limit_day', sa.Date(), nullable=False),
    sa.Column('limit_estimated', sa.Boolean(), nullable=False),
    sa.Column('extended', sa.Boolean(), nullable=False),
    sa.Column('extension_reason', sa.Text(), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('answered_in_time', sa.Boolean(), nullable=True),
    sa.Column('rejection_reason', sa.Text(), nullable=True),
    sa.Column('fixed_at', sa.DateTime(), nullable=True),
    sa.Column('feedback', sa.Text(), nullable=True),
    sa.Column('feedback_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['dataset_id'], ['dataset.id'], name=op.f('fk_feedback_report_dataset_id_dataset'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_feedback_report_department_id_department'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_feedback_report_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_report')),
    sa.UniqueConstraint('reference', name=op.f('uq_feedback_report_reference'))
    )
    with op.batch_alter_table('feedback_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_report_dataset_id'), ['dataset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_report_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_report_user_id'), ['user_id'], unique=False)
        batch_op.create_index('ix_feedback_report_state_limit', ['state', 'limit_day'], unique=False)

    op.create_table('feedback_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=30), nullable=False),
    sa.Column('from_state', sa.String(length=20), nullable=False),
    sa.Column('to_state', sa.String(length=20), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=40), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_feedback_event_actor_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['report_id'], ['feedback_report.id'], name=op.f('fk_feedback_event_report_id_feedback_report'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_event')),
    sa.UniqueConstraint('report_id', 'seq', name=op.f('uq_feedback_event_report_id'))
    )
    with op.batch_alter_table('feedback_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_event_report_id'), ['report_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('feedback_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_event_report_id'))
    op.drop_table('feedback_event')
    with op.batch_alter_table('feedback_report', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_report_state_limit')
        batch_op.drop_index(batch_op.f('ix_feedback_report_user_id'))
        batch_op.drop_index(batch_op.f('ix_feedback_report_department_id'))
        batch_op.drop_index(batch_op.f('ix_feedback_report_dataset_id'))
    op.drop_table('feedback_report')
