"""Debitura reachability, shared by every worker, behind the outage banner.

Revision ID: 1bf264b39ebd
Revises: 6d58981370bb
Create Date: 2026-11-21 21:34:06.509520

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1bf264b39ebd'
down_revision = '6d58981370bb'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('debitura_health',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unreachable_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_ok_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_debitura_health'))
    )


def downgrade():
    op.drop_table('debitura_health')
