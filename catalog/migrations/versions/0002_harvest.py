"""harvest sources, jobs, per-record outcomes and provenance; distribution licence,
conforms_to and table_schema

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 13:05:43.853037
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('harvest_source',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('frequency', sa.String(length=20), nullable=False),
    sa.Column('config', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_harvest_source_department_id_department'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_harvest_source')),
    sa.UniqueConstraint('name', name=op.f('uq_harvest_source_name'))
    )
    op.create_table('harvest_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('incremental_since', sa.DateTime(), nullable=True),
    sa.Column('added', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('restored', sa.Integer(), nullable=False),
    sa.Column('missing', sa.Integer(), nullable=False),
    sa.Column('archived', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('error_code', sa.String(length=60), nullable=True),
    sa.Column('error_message', sa.Text(), nullable=True),
    sa.Column('notes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['source_id'], ['harvest_source.id'], name=op.f('fk_harvest_job_source_id_harvest_source'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_harvest_job'))
    )
    with op.batch_alter_table('harvest_job', schema=None) as batch_op:
        batch_op.create_index('ix_harvest_job_one_running', ['source_id'], unique=True, sqlite_where=sa.text("status = 'running'"), postgresql_where=sa.text("status = 'running'"))
        batch_op.create_index('ix_harvest_job_source_started', ['source_id', 'started_at'], unique=False)

    op.create_table('harvest_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('remote_id', sa.String(length=500), nullable=False),
    sa.Column('dataset_id', sa.String(length=36), nullable=True),
    sa.Column('identifier', sa.String(length=500), nullable=True),
    sa.Column('uri', sa.String(length=1000), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('body_hash', sa.String(length=64), nullable=True),
    sa.Column('first_harvested_at', sa.DateTime(), nullable=False),
    sa.Column('harvested_at', sa.DateTime(), nullable=False),
    sa.Column('missing_since', sa.DateTime(), nullable=True),
    sa.Column('archived_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['dataset_id'], ['dataset.id'], name=op.f('fk_harvest_record_dataset_id_dataset'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['source_id'], ['harvest_source.id'], name=op.f('fk_harvest_record_source_id_harvest_source'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_harvest_record')),
    sa.UniqueConstraint('source_id', 'remote_id', name=op.f('uq_harvest_record_source_id'))
    )
    with op.batch_alter_table('harvest_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_harvest_record_dataset_id'), ['dataset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_harvest_record_identifier'), ['identifier'], unique=False)
        batch_op.create_index(batch_op.f('ix_harvest_record_uri'), ['uri'], unique=False)

    op.create_table('harvest_job_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('remote_id', sa.String(length=500), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=True),
    sa.Column('dataset_id', sa.String(length=36), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.Column('warnings', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['harvest_job.id'], name=op.f('fk_harvest_job_record_job_id_harvest_job'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_harvest_job_record'))
    )
    with op.batch_alter_table('harvest_job_record', schema=None) as batch_op:
        batch_op.create_index('ix_harvest_job_record_job_outcome', ['job_id', 'outcome'], unique=False)

    with op.batch_alter_table('distribution', schema=None) as batch_op:
        batch_op.add_column(sa.Column('licence', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('conforms_to', sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column('table_schema', sa.JSON(), nullable=True))




def downgrade() -> None:

    with op.batch_alter_table('distribution', schema=None) as batch_op:
        batch_op.drop_column('table_schema')
        batch_op.drop_column('conforms_to')
        batch_op.drop_column('licence')

    with op.batch_alter_table('harvest_job_record', schema=None) as batch_op:
        batch_op.drop_index('ix_harvest_job_record_job_outcome')

    op.drop_table('harvest_job_record')
    with op.batch_alter_table('harvest_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_harvest_record_uri'))
        batch_op.drop_index(batch_op.f('ix_harvest_record_identifier'))
        batch_op.drop_index(batch_op.f('ix_harvest_record_dataset_id'))

    op.drop_table('harvest_record')
    with op.batch_alter_table('harvest_job', schema=None) as batch_op:
        batch_op.drop_index('ix_harvest_job_source_started')
        batch_op.drop_index('ix_harvest_job_one_running', sqlite_where=sa.text("status = 'running'"), postgresql_where=sa.text("status = 'running'"))

    op.drop_table('harvest_job')
    op.drop_table('harvest_source')

