"""Tenants remember when Debitura's caseStats were last read.

Revision ID: e7a3c91f5b28
Revises: 4cd3657fa323
Create Date: 2026-12-04 20:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7a3c91f5b28'
down_revision = '4cd3657fa323'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('case_stats_as_of', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.drop_column('case_stats_as_of')
