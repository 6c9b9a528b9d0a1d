"""Initial schema: operators, the tenant and case mirror, webhook events and secrets, sync runs,
leases, bearer tokens, case submissions and uploads, login throttling and the audit trail.

Revision ID: 6d58981370bb
Revises: 
Create Date: 2026-11-21 20:25:19.718397

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6d58981370bb'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=True),
    sa.Column('operator_email', sa.String(length=320), nullable=True),
    sa.Column('action', sa.String(length=80), nullable=False),
    sa.Column('external_tenant_id', sa.String(length=255), nullable=True),
    sa.Column('case_id', sa.String(length=64), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('debitura_status', sa.Integer(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=255), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entries'))
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entries_action', ['action', 'at'], unique=False)
        batch_op.create_index('ix_audit_entries_at', ['at'], unique=False)
        batch_op.create_index('ix_audit_entries_case', ['case_id', 'at'], unique=False)
        batch_op.create_index('ix_audit_entries_operator', ['operator_id', 'at'], unique=False)
        batch_op.create_index('ix_audit_entries_tenant', ['external_tenant_id', 'at'], unique=False)

    op.create_table('bearer_tokens',
    sa.Column('external_tenant_id', sa.String(length=255), nullable=False),
    sa.Column('ciphertext', sa.Text(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('minted_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('external_tenant_id', name=op.f('pk_bearer_tokens'))
    )
    op.create_table('case_file_uploads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=255), nullable=False),
    sa.Column('case_id', sa.String(length=64), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('send_chat_notification', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('debitura_file_id', sa.String(length=64), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('operator_id', sa.Integer(), nullable=True),
    sa.Column('operator_email', sa.String(length=320), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_file_uploads')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_case_file_uploads_idempotency_key'))
    )
    with op.batch_alter_table('case_file_uploads', schema=None) as batch_op:
        batch_op.create_index('ix_case_file_uploads_case', ['case_id', 'created_at'], unique=False)

    op.create_table('leases',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('holder', sa.String(length=100), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_leases'))
    )
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

    op.create_table('operators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('session_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_operators')),
    sa.UniqueConstraint('email', name=op.f('uq_operators_email'))
    )
    op.create_table('sync_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('trigger', sa.String(length=20), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=True),
    sa.Column('holder', sa.String(length=100), nullable=True),
    sa.Column('phase', sa.String(length=20), nullable=False),
    sa.Column('next_page', sa.Integer(), nullable=False),
    sa.Column('total_pages', sa.Integer(), nullable=True),
    sa.Column('resumed', sa.Integer(), nullable=False),
    sa.Column('clients_seen', sa.Integer(), nullable=False),
    sa.Column('cases_seen', sa.Integer(), nullable=False),
    sa.Column('tenants_changed', sa.Integer(), nullable=False),
    sa.Column('tenants_missing', sa.Integer(), nullable=False),
    sa.Column('cases_changed', sa.Integer(), nullable=False),
    sa.Column('calls_made', sa.Integer(), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_runs'))
    )
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.create_index('ix_sync_runs_started_at', ['started_at'], unique=False)

    op.create_table('tenants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('external_tenant_id', sa.String(length=255), nullable=False),
    sa.Column('creditor_id', sa.String(length=64), nullable=True),
    sa.Column('company_name', sa.String(length=500), nullable=False),
    sa.Column('registration_number', sa.String(length=100), nullable=True),
    sa.Column('country', sa.String(length=100), nullable=True),
    sa.Column('address', sa.String(length=500), nullable=True),
    sa.Column('city', sa.String(length=100), nullable=True),
    sa.Column('zip_code', sa.String(length=20), nullable=True),
    sa.Column('region', sa.String(length=100), nullable=True),
    sa.Column('support_email', sa.String(length=320), nullable=True),
    sa.Column('support_phone', sa.String(length=50), nullable=True),
    sa.Column('users', sa.JSON(), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('is_attributed', sa.Boolean(), nullable=True),
    sa.Column('fee_percentage_snapshot', sa.Numeric(precision=9, scale=4), nullable=True),
    sa.Column('date_linked', sa.DateTime(timezone=True), nullable=True),
    sa.Column('onboarding_done', sa.Boolean(), nullable=True),
    sa.Column('onboarding_url', sa.Text(), nullable=True),
    sa.Column('onboarding_started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('conflict_type', sa.String(length=64), nullable=True),
    sa.Column('conflict_message', sa.Text(), nullable=True),
    sa.Column('link_request_status', sa.String(length=20), nullable=True),
    sa.Column('approval_url', sa.Text(), nullable=True),
    sa.Column('approval_requested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approval_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approval_deadline_estimated', sa.Boolean(), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('missing_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('kyc_status', sa.String(length=20), nullable=True),
    sa.Column('kyc_submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('kyc_blocked_cases', sa.Integer(), nullable=False),
    sa.Column('cases_total', sa.Integer(), nullable=False),
    sa.Column('cases_closed', sa.Integer(), nullable=False),
    sa.Column('earnings_usd', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('state', sa.String(length=40), nullable=False),
    sa.Column('state_changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('link_as_of', sa.DateTime(timezone=True), nullable=True),
    sa.Column('onboarding_as_of', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sync_seen_run', sa.Integer(), nullable=True),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_seen_source', sa.String(length=20), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenants')),
    sa.UniqueConstraint('external_tenant_id', name=op.f('uq_tenants_external_tenant_id'))
    )
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.create_index('ix_tenants_company_name', ['company_name'], unique=False)
        batch_op.create_index('ix_tenants_creditor_id', ['creditor_id'], unique=False)
        batch_op.create_index('ix_tenants_state', ['state'], unique=False)
        batch_op.create_index('ix_tenants_updated_at', ['updated_at'], unique=False)

    op.create_table('webhook_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=100), nullable=False),
    sa.Column('event_type', sa.String(length=100), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('external_tenant_id', sa.String(length=255), nullable=True),
    sa.Column('case_id', sa.String(length=64), nullable=True),
    sa.Column('is_test', sa.Boolean(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('duplicates', sa.Integer(), nullable=False),
    sa.Column('last_duplicate_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_events')),
    sa.UniqueConstraint('event_id', name=op.f('uq_webhook_events_event_id'))
    )
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_events_case', ['case_id'], unique=False)
        batch_op.create_index('ix_webhook_events_received_at', ['received_at'], unique=False)
        batch_op.create_index('ix_webhook_events_tenant', ['external_tenant_id', 'received_at'], unique=False)

    op.create_table('webhook_rejections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('remote_addr', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_rejections'))
    )
    with op.batch_alter_table('webhook_rejections', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_rejections_received_at', ['received_at'], unique=False)

    op.create_table('webhook_secrets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ciphertext', sa.Text(), nullable=False),
    sa.Column('fingerprint', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('grace_until', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_secrets'))
    )
    op.create_table('case_submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=255), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('external_tenant_id', sa.String(length=255), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('form_data', sa.JSON(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=True),
    sa.Column('previewed_payload', sa.Text(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('sending_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('case_id', sa.String(length=64), nullable=True),
    sa.Column('case_reference', sa.String(length=50), nullable=True),
    sa.Column('lifecycle', sa.String(length=60), nullable=True),
    sa.Column('signing_url', sa.Text(), nullable=True),
    sa.Column('is_test', sa.Boolean(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_status', sa.Integer(), nullable=True),
    sa.Column('business_errors', sa.JSON(), nullable=False),
    sa.Column('retry_of', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_case_submissions_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_submissions')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_case_submissions_idempotency_key'))
    )
    with op.batch_alter_table('case_submissions', schema=None) as batch_op:
        batch_op.create_index('ix_case_submissions_case', ['case_id'], unique=False)
        batch_op.create_index('ix_case_submissions_status', ['status', 'updated_at'], unique=False)
        batch_op.create_index('ix_case_submissions_tenant', ['tenant_id', 'created_at'], unique=False)

    op.create_table('cases',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=True),
    sa.Column('external_tenant_id', sa.String(length=255), nullable=True),
    sa.Column('client_name', sa.String(length=500), nullable=True),
    sa.Column('reference', sa.String(length=50), nullable=True),
    sa.Column('creditor_reference', sa.String(length=100), nullable=True),
    sa.Column('debtor_name', sa.String(length=500), nullable=True),
    sa.Column('debtor_country', sa.String(length=100), nullable=True),
    sa.Column('gross_amount', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('remainder', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('lifecycle', sa.String(length=60), nullable=True),
    sa.Column('close_code', sa.String(length=100), nullable=True),
    sa.Column('engagement_phase', sa.String(length=30), nullable=True),
    sa.Column('collection_partner', sa.String(length=200), nullable=True),
    sa.Column('is_test', sa.Boolean(), nullable=False),
    sa.Column('date_created', sa.DateTime(timezone=True), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('date_collection_started', sa.DateTime(timezone=True), nullable=True),
    sa.Column('date_finished', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expected_referral_rate', sa.Numeric(precision=9, scale=4), nullable=True),
    sa.Column('needs_info', sa.Boolean(), nullable=False),
    sa.Column('validation_items', sa.JSON(), nullable=False),
    sa.Column('signing_url', sa.Text(), nullable=True),
    sa.Column('solution_urls', sa.JSON(), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('lifecycle_as_of', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_seen_source', sa.String(length=20), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_cases_tenant_id_tenants'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_date_created', ['date_created'], unique=False)
        batch_op.create_index('ix_cases_external_tenant_id', ['external_tenant_id'], unique=False)
        batch_op.create_index('ix_cases_is_test', ['is_test'], unique=False)
        batch_op.create_index('ix_cases_lifecycle_date', ['lifecycle', 'date_created'], unique=False)
        batch_op.create_index('ix_cases_tenant_date', ['tenant_id', 'date_created'], unique=False)
        batch_op.create_index('ix_cases_updated_at', ['updated_at'], unique=False)



def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_updated_at')
        batch_op.drop_index('ix_cases_tenant_date')
        batch_op.drop_index('ix_cases_lifecycle_date')
        batch_op.drop_index('ix_cases_is_test')
        batch_op.drop_index('ix_cases_external_tenant_id')
        batch_op.drop_index('ix_cases_date_created')

    op.drop_table('cases')
    with op.batch_alter_table('case_submissions', schema=None) as batch_op:
        batch_op.drop_index('ix_case_submissions_tenant')
        batch_op.drop_index('ix_case_submissions_status')
        batch_op.drop_index('ix_case_submissions_case')

    op.drop_table('case_submissions')
    op.drop_table('webhook_secrets')
    with op.batch_alter_table('webhook_rejections', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_rejections_received_at')

    op.drop_table('webhook_rejections')
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_events_tenant')
        batch_op.drop_index('ix_webhook_events_received_at')
        batch_op.drop_index('ix_webhook_events_case')

    op.drop_table('webhook_events')
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.drop_index('ix_tenants_updated_at')
        batch_op.drop_index('ix_tenants_state')
        batch_op.drop_index('ix_tenants_creditor_id')
        batch_op.drop_index('ix_tenants_company_name')

    op.drop_table('tenants')
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_sync_runs_started_at')

    op.drop_table('sync_runs')
    op.drop_table('operators')
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failures_scope_key_at')
        batch_op.drop_index('ix_login_failures_at')

    op.drop_table('login_failures')
    op.drop_table('leases')
    with op.batch_alter_table('case_file_uploads', schema=None) as batch_op:
        batch_op.drop_index('ix_case_file_uploads_case')

    op.drop_table('case_file_uploads')
    op.drop_table('bearer_tokens')
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entries_tenant')
        batch_op.drop_index('ix_audit_entries_operator')
        batch_op.drop_index('ix_audit_entries_case')
        batch_op.drop_index('ix_audit_entries_at')
        batch_op.drop_index('ix_audit_entries_action')

    op.drop_table('audit_entries')
