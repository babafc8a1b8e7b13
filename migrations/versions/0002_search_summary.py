"""documents.search_summary: the item's path words and the first paragraph of its docs

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 10:00:00.000000

A small weighted tsvector next to the whole-document `search`: the path's words as
written and stemmed (A) and the docs' first paragraph (B). It stays inline in the
row, so search can rank thousands of candidates on an item's own words cheaply and
keeps the whole document for the final few.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DOCS_SUMMARY = (
    r"split_part(regexp_replace(regexp_replace(content, E'^.*?\n```(\n|$)', ''), "
    r"E'^\\s*(Available on [^\n]*\n\n)?(> \\*\\*Deprecated[^\n]*\n\n)?', ''), "
    r"E'\n\n', 1)"
)
SUMMARY_VECTOR = (
    "setweight(to_tsvector('simple', search_terms), 'A') || "
    "setweight(to_tsvector('english', search_terms), 'A') || "
    f"setweight(to_tsvector('english', {DOCS_SUMMARY}), 'B')"
)


def upgrade() -> None:
    op.add_column(
        'documents',
        sa.Column('search_summary', postgresql.TSVECTOR(), sa.Computed(SUMMARY_VECTOR, persisted=True), nullable=True),
    )
    op.create_index('ix_documents_search_summary', 'documents', ['search_summary'], unique=False, postgresql_using='gin')


def downgrade() -> None:
    op.drop_index('ix_documents_search_summary', table_name='documents', postgresql_using='gin')
    op.drop_column('documents', 'search_summary')
