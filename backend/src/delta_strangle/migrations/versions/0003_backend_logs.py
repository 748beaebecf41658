"""Backend logs: the backend_logs table, its FTS5 free-text index and the tailer checkpoint.

Revision ID: 0003_backend_logs
Revises: 0001_foundation
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

from delta_strangle.logs.schema import create_statements, drop_statements

revision: str = "0003_backend_logs"
down_revision: str | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for statement in create_statements():
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_statements():
        op.execute(statement)
