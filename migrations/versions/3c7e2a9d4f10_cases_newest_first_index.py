"""An index for the case list's default order (newest first, undated last), on PostgreSQL.

Revision ID: 3c7e2a9d4f10
Revises: 1bf264b39ebd
Create Date: 2026-11-22 00:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c7e2a9d4f10'
down_revision = '1bf264b39ebd'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.create_index('ix_cases_newest_first', 'cases',
                        [sa.text('date_created DESC NULLS LAST'), 'id'], unique=False)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_cases_newest_first', table_name='cases')
