"""Case submissions keep their last pricing preview, shown again on a reload.

Revision ID: f2b8c4d1e6a7
Revises: a3d95e0c7f14
Create Date: 2026-12-04 20:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f2b8c4d1e6a7'
down_revision = 'a3d95e0c7f14'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case_submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('previewed_quote', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('case_submissions', schema=None) as batch_op:
        batch_op.drop_column('previewed_quote')
