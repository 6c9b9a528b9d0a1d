"""Sync runs count the time worked across resumptions, not the pauses between them.

Revision ID: a3d95e0c7f14
Revises: e7a3c91f5b28
Create Date: 2026-12-04 20:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a3d95e0c7f14'
down_revision = 'e7a3c91f5b28'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('worked_seconds', sa.Float(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('resumed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.drop_column('resumed_at')
        batch_op.drop_column('worked_seconds')
