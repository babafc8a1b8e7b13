"""create documents, document_sources and crate_jobs

Revision ID: 0001
Revises: 
Create Date: 2026-12-03 16:47:02.076262
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('crate_jobs',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('flow_run_id', sa.Uuid(), nullable=True),
    sa.Column('crate_name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('requested_version', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('resolved_version', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('operation', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('items_done', sa.Integer(), nullable=False),
    sa.Column('items_total', sa.Integer(), nullable=True),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('summary', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("operation IN ('ingest', 'reingest', 'remove')", name='ck_crate_jobs_operation'),
    sa.CheckConstraint("status IN ('queued', 'running', 'completed', 'failed', 'cancelled')", name='ck_crate_jobs_status'),
    sa.CheckConstraint('progress BETWEEN 0 AND 100', name='ck_crate_jobs_progress'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('flow_run_id')
    )
    op.create_index('ix_crate_jobs_crate_created', 'crate_jobs', ['crate_name', 'created_at'], unique=False)
    op.create_index('ux_crate_jobs_active', 'crate_jobs', ['crate_name', 'requested_version', 'operation'], unique=True, postgresql_where=sa.text("status IN ('queued', 'running')"))
    op.create_table('document_sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('doc_type', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('source_name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('repository', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('homepage', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('documentation_url', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('current_version', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('format', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
    sa.Column('etag', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('metadata', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('last_ingested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_checked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('doc_type', 'source_name')
    )
    op.create_table('documents',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('doc_type', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('source_name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('version', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('doc_path', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('content', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('metadata', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('token_count', sa.Integer(), nullable=False),
    sa.Column('search_terms', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('search', postgresql.TSVECTOR(), sa.Computed("setweight(to_tsvector('simple', search_terms), 'A') || setweight(to_tsvector('english', left(content, 200000)), 'B')", persisted=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['doc_type', 'source_name'], ['document_sources.doc_type', 'document_sources.source_name'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('doc_type', 'source_name', 'version', 'doc_path')
    )
    op.create_index('ix_documents_name', 'documents', [sa.literal_column('lower(name)')], unique=False)
    op.create_index('ix_documents_search', 'documents', ['search'], unique=False, postgresql_using='gin')


def downgrade() -> None:
    op.drop_index('ix_documents_search', table_name='documents', postgresql_using='gin')
    op.drop_index('ix_documents_name', table_name='documents')
    op.drop_table('documents')
    op.drop_table('document_sources')
    op.drop_index('ux_crate_jobs_active', table_name='crate_jobs', postgresql_where=sa.text("status IN ('queued', 'running')"))
    op.drop_index('ix_crate_jobs_crate_created', table_name='crate_jobs')
    op.drop_table('crate_jobs')
