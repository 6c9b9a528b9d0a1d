"""Tenants remember Debitura's review state of their latest KYC submission.

Revision ID: c4e8d2a6b913
Revises: b7d4e1a9c3f2
Create Date: 2026-12-03 14:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e8d2a6b913'
down_revision = 'b7d4e1a9c3f2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kyc_review_status', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.drop_column('kyc_review_status')
