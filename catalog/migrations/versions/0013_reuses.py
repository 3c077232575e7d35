"""reuses and competitions: the competition, reuse and reuse_dataset tables

See catalog/reuses/models.py. All three tables are new; nothing else changes.

Revision ID: 0013_reuses
Revises: 0012_versions
Create Date: 2026-12-04 18:37:56
"""
from alembic import op
import sqlalchemy as sa


revision = '0013_reuses'
down_revision = '0012_versions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('competition',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=True),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('organiser', sa.String(length=300), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('url', sa.String(length=1000), nullable=True),
    sa.Column('rounds', sa.JSON(), nullable=False),
    sa.Column('awards', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_competition')),
    sa.UniqueConstraint('slug', name=op.f('uq_competition_slug'))
    )
    op.create_table('reuse',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('team', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('url', sa.String(length=1000), nullable=True),
    sa.Column('image', sa.LargeBinary(), nullable=True),
    sa.Column('image_type', sa.String(length=20), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('competition_id', sa.Integer(), nullable=True),
    sa.Column('round', sa.String(length=100), nullable=True),
    sa.Column('award', sa.String(length=100), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['competition_id'], ['competition.id'], name=op.f('fk_reuse_competition_id_competition'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by'], ['user_account.id'], name=op.f('fk_reuse_decided_by_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], name=op.f('fk_reuse_owner_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reuse')),
    sa.UniqueConstraint('slug', name=op.f('uq_reuse_slug'))
    )
    with op.batch_alter_table('reuse', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reuse_competition_id'), ['competition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reuse_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reuse_state'), ['state'], unique=False)

    op.create_table('reuse_dataset',
    sa.Column('reuse_id', sa.Integer(), nullable=False),
    sa.Column('dataset_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['dataset_id'], ['dataset.id'], name=op.f('fk_reuse_dataset_dataset_id_dataset'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reuse_id'], ['reuse.id'], name=op.f('fk_reuse_dataset_reuse_id_reuse'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('reuse_id', 'dataset_id', name=op.f('pk_reuse_dataset'))
    )
    with op.batch_alter_table('reuse_dataset', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reuse_dataset_dataset_id'), ['dataset_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('reuse_dataset', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reuse_dataset_dataset_id'))

    op.drop_table('reuse_dataset')
    with op.batch_alter_table('reuse', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reuse_state'))
        batch_op.drop_index(batch_op.f('ix_reuse_owner_id'))
        batch_op.drop_index(batch_op.f('ix_reuse_competition_id'))

    op.drop_table('reuse')
    op.drop_table('competition')
