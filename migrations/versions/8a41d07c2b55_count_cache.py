"""List counts remembered until the rows they count change.

Revision ID: 8a41d07c2b55
Revises: 3c7e2a9d4f10
Create Date: 2026-11-22 00:20:00

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '8a41d07c2b55'
down_revision = '3c7e2a9d4f10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('count_cache',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('marker', sa.String(length=100), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_count_cache'))
    )


def downgrade():
    op.drop_table('count_cache')
