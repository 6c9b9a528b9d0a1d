"""Failed sign-ins and refused webhook deliveries counted per source and minute.

Revision ID: c4f1a7e9d2b3
Revises: c4f8a2d61e90
Create Date: 2026-12-03 15:00:00

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = 'c4f1a7e9d2b3'
down_revision = 'c4f8a2d61e90'
branch_labels = None
depends_on = None


def upgrade():
    # Failures only count within the throttle window (minutes), so the old rows are dropped, not converted.
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failures_scope_key_at')
        batch_op.drop_index('ix_login_failures_at')
    op.drop_table('login_failures')
    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=10), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('minute', sa.DateTime(timezone=True), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('last_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures'))
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index('ix_login_failures_last_at', ['last_at'], unique=False)
        batch_op.create_index('ux_login_failures_scope_key_minute', ['scope', 'key', 'minute'], unique=True)

    op.execute("UPDATE webhook_rejections SET remote_addr = '' WHERE remote_addr IS NULL")
    with op.batch_alter_table('webhook_rejections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('count', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('last_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column('remote_addr', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_index('ux_webhook_rejections_minute_reason_addr', ['received_at', 'reason', 'remote_addr'],
                              unique=True)
    op.execute("UPDATE webhook_rejections SET last_at = received_at")


def downgrade():
    with op.batch_alter_table('webhook_rejections', schema=None) as batch_op:
        batch_op.drop_index('ux_webhook_rejections_minute_reason_addr')
        batch_op.alter_column('remote_addr', existing_type=sa.String(length=64), nullable=True)
        batch_op.drop_column('last_at')
        batch_op.drop_column('count')

    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index('ux_login_failures_scope_key_minute')
        batch_op.drop_index('ix_login_failures_last_at')
    op.drop_table('login_failures')
    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=10), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures'))
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index('ix_login_failures_at', ['at'], unique=False)
        batch_op.create_index('ix_login_failures_scope_key_at', ['scope', 'key', 'at'], unique=False)
