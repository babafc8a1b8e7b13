"""document_sources.documents and .tokens: per-crate totals kept by the writers

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 18:15:00.000000

Listing crates and library statistics read these instead of aggregating every
document on every call (233 ms and 58 ms at 100,000 documents before).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "document_sources",
        sa.Column("documents", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column(
        "document_sources",
        sa.Column("tokens", sa.BigInteger(), server_default="0", nullable=False),
    )
    op.execute(
        """
        UPDATE document_sources AS s
        SET documents = d.n, tokens = d.t
        FROM (
            SELECT doc_type, source_name, count(*) AS n, coalesce(sum(token_count), 0) AS t
            FROM documents GROUP BY doc_type, source_name
        ) AS d
        WHERE s.doc_type = d.doc_type AND s.source_name = d.source_name
        """
    )


def downgrade() -> None:
    op.drop_column("document_sources", "tokens")
    op.drop_column("document_sources", "documents")
