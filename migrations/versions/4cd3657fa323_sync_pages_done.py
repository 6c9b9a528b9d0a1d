"""Sync runs record the pages applied out of order, so a resumed run fetches only the missing ones.

Revision ID: 4cd3657fa323
Revises: 69c46420d6e6
Create Date: 2026-12-04 20:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4cd3657fa323'
down_revision = '69c46420d6e6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pages_done', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))


def downgrade():
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.drop_column('pages_done')
