"""Case amounts keep up to four decimals: ISO 4217 currencies have 0 to 4 minor units (KWD 3, CLF 4).

Revision ID: b7d4e1a9c3f2
Revises: 8a41d07c2b55
Create Date: 2026-12-03 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d4e1a9c3f2'
down_revision = '8a41d07c2b55'
branch_labels = None
depends_on = None

AMOUNT_COLUMNS = ('gross_amount', 'remainder')


def upgrade():
    with op.batch_alter_table('cases') as batch:
        for column in AMOUNT_COLUMNS:
            batch.alter_column(column, existing_type=sa.Numeric(18, 2), type_=sa.Numeric(19, 4), existing_nullable=True)


def downgrade():
    with op.batch_alter_table('cases') as batch:
        for column in AMOUNT_COLUMNS:
            batch.alter_column(column, existing_type=sa.Numeric(19, 4), type_=sa.Numeric(18, 2), existing_nullable=True)
