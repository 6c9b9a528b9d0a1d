"""Tenants remember the cases sent with POST /clients and how many carried cases route to a KYC partner.

Revision ID: c4f8a2d6e1b9
Revises: c4e8d2a6b913
Create Date: 2026-12-03 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4f8a2d6e1b9'
down_revision = 'c4e8d2a6b913'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tenants') as batch:
        batch.add_column(sa.Column('first_cases', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch.add_column(sa.Column('carried_kyc_cases', sa.Integer(), nullable=False, server_default='0'))


def downgrade():
    with op.batch_alter_table('tenants') as batch:
        batch.drop_column('carried_kyc_cases')
        batch.drop_column('first_cases')
