"""Every state transition of the simulated Debitura, as plain functions over an ORM session.

The APIs, the hosted customer pages and the control panel all change state through
these functions, so each rule lives in one place. Functions flush but never commit:
the caller owns the transaction. Webhook events are written to the outbox in the same
transaction (see events.emit).

- clients: POST /clients (the matching rules are in its docstring) and withdrawal;
- linking: client links and the 409 link requests (approve, decline, expire);
- cases: case creation, lifecycle moves, files;
- signing: onboarding, SDCA/PoA/JPA signing, the combined chain, KYC;
- revenue: collections and revenue stages;
- lookups and notify: reading state, and the webhook events state changes fire.
"""

from dashboard.sandbox.domain.cases import (
    case_signing_url,
    create_case,
    move_case,
    open_validation_items,
    request_information,
    required_actions,
    upload_file,
)
from dashboard.sandbox.domain.chats import (
    messages,
    post_creditor_message,
    post_partner_message,
    post_system_message,
    team_member,
)
from dashboard.sandbox.domain.clients import (
    ClientOutcome,
    create_or_link_client,
    link_email_to_other_partner,
    set_creditor_blocked,
    withdraw,
)
from dashboard.sandbox.domain.linking import (
    approve_link_request,
    decline_link_request,
    expire_link_requests,
    link_request_by_token,
)
from dashboard.sandbox.domain.lookups import (
    active_link,
    has_signature,
    kyc_status,
    latest_kyc,
    link_by_id,
    onboarding_url,
    partner,
    partner_contracts_signed,
    require_link,
    sdca_current,
    state,
    urls,
    visible_case,
)
from dashboard.sandbox.domain.notify import case_event_payload, client_event_payload
from dashboard.sandbox.domain.quotes import add_quote, request_quotes, select_winner
from dashboard.sandbox.domain.reset import advance_state, advance_test_case, delete_client, deletion_blockers
from dashboard.sandbox.domain.revenue import REVENUE_STATUSES, record_collection, set_transaction_status
from dashboard.sandbox.domain.signing import (
    complete_combined_signing,
    complete_onboarding,
    pending_signing_steps,
    publish_sdca_version,
    record_onboarding_step,
    review_kyc,
    sign_contract_upgrade,
    sign_power_of_attorney,
    submit_kyc,
    with_completed_flag,
)
from dashboard.sandbox.domain.tasks import TASK_KINDS, TASK_STATUSES, open_task, solve_task, solve_tasks
from dashboard.sandbox.models import LinkRequest  # what link_request_by_token returns

__all__ = [
    "REVENUE_STATUSES",
    "ClientOutcome",
    "LinkRequest",
    "active_link",
    "approve_link_request",
    "case_event_payload",
    "case_signing_url",
    "client_event_payload",
    "complete_combined_signing",
    "complete_onboarding",
    "create_case",
    "create_or_link_client",
    "decline_link_request",
    "expire_link_requests",
    "has_signature",
    "kyc_status",
    "latest_kyc",
    "link_by_id",
    "link_email_to_other_partner",
    "link_request_by_token",
    "move_case",
    "onboarding_url",
    "partner",
    "partner_contracts_signed",
    "pending_signing_steps",
    "publish_sdca_version",
    "record_collection",
    "record_onboarding_step",
    "require_link",
    "required_actions",
    "review_kyc",
    "sdca_current",
    "set_creditor_blocked",
    "set_transaction_status",
    "sign_contract_upgrade",
    "sign_power_of_attorney",
    "state",
    "submit_kyc",
    "upload_file",
    "urls",
    "visible_case",
    "with_completed_flag",
    "withdraw",
    "TASK_KINDS",
    "TASK_STATUSES",
    "messages",
    "open_task",
    "open_validation_items",
    "post_creditor_message",
    "post_partner_message",
    "post_system_message",
    "request_information",
    "solve_task",
    "solve_tasks",
    "team_member",
    "add_quote",
    "request_quotes",
    "select_winner",
    "advance_state",
    "advance_test_case",
    "delete_client",
    "deletion_blockers",
]
