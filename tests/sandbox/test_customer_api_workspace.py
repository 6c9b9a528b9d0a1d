"""The Customer API's case workspace with the client's bearer token: chats, tasks and the team, through the sandbox transport."""

from __future__ import annotations

import io
import uuid
from decimal import Decimal

import pytest

from dashboard.sandbox import domain
from dashboard.sandbox.models import Case
from tests.raw_body import raw

NORDIC = "Nordic Inkasso A/S"


@pytest.fixture
def acme_case(ready_client, poa_signed, debitura, case_body, sandbox):
    """An Active case of the ready client "acme" (PoA signed), assigned to the Danish partner."""
    ready_client("acme")
    poa_signed("acme", NORDIC)
    case = debitura.create_case("acme", raw(case_body(creditorReference="INV-7")))
    with sandbox.session() as s:
        domain.move_case(s, case.id, "Active")
    return case.id


@pytest.fixture
def api(sandbox, http, referral):
    """`api(method, path, tenant="acme", **kwargs)`: a Customer API call with the tenant's bearer token."""

    def call(method: str, path: str, tenant: str = "acme", **kwargs):
        token = referral.mint_token(tenant).access_token
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        return http.request(method, f"{sandbox.urls.customer_api}{path}", headers=headers, **kwargs)

    return call


def partner_asks(sandbox, case_id: str, message: str, **kwargs) -> None:
    with sandbox.session() as s:
        domain.post_partner_message(s, s.get_one(Case, case_id), message, **kwargs)


def open_tasks(api, case_id: str) -> list[dict]:
    answer = api("GET", f"/cases/{case_id}/tasks")
    assert answer.status_code == 200
    return answer.json()


def test_a_partner_question_opens_a_reply_task_that_a_reply_solves(sandbox, api, acme_case):
    partner_asks(sandbox, acme_case, "Can you confirm the debtor's address?")

    [task] = open_tasks(api, acme_case)
    assert task["type"] == "ReplyToChat"
    assert task["typeLabel"] == "Reply to chat"
    assert task["status"] == "Open"
    assert task["caseReference"] == "INV-7"
    assert task["action"] == {"method": "POST", "path": "/cases/{caseId}/chats"}
    assert task["solutionUrl"].startswith(sandbox.urls.ui) and acme_case in task["solutionUrl"]

    sent = api("POST", f"/cases/{acme_case}/chats",
               json={"message": "Yes: Hovedgaden 1, Copenhagen.", "userEmail": "ACME@customer.example"})

    assert sent.status_code == 200
    assert sent.json()["role"] == 0 and sent.json()["roleLabel"] == "Creditor"
    assert sent.json()["user"]["email"] == "acme@customer.example"
    assert open_tasks(api, acme_case) == []
    [solved] = api("GET", f"/cases/{acme_case}/tasks", params={"status": "Solved"}).json()
    assert solved["id"] == task["id"] and solved["dateSolved"] is not None


def test_the_chat_lists_partner_and_creditor_messages_in_order(sandbox, api, acme_case):
    partner_asks(sandbox, acme_case, "Is there a signed contract?", input_required=True)
    api("POST", f"/cases/{acme_case}/chats", json={"message": "Uploading it now.", "userEmail": "acme@customer.example"})

    chat = api("GET", f"/cases/{acme_case}/chats").json()

    assert [(m["roleLabel"], m["message"]) for m in chat] == [
        ("Partner", "Is there a signed contract?"),
        ("Creditor", "Uploading it now."),
    ]
    assert chat[0]["isSeen"] is True  # answered after it
    assert chat[0]["user"]["email"].endswith(".example")


def test_a_chat_message_may_name_its_sender_by_the_id_users_lists(api, acme_case):
    [member] = api("GET", "/users").json()["users"]

    sent = api("POST", f"/cases/{acme_case}/chats", json={"message": "Hello", "userId": member["id"]})

    assert sent.status_code == 200
    assert sent.json()["user"]["email"] == member["email"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"message": "Hello"}, "UserEmail"),
        ({"message": "Hello", "userEmail": "stranger@elsewhere.example"}, "UserEmail"),
        ({"message": "", "userEmail": "acme@customer.example"}, "Message"),
        ({"message": "x" * 10001, "userEmail": "acme@customer.example"}, "Message"),
    ],
)
def test_a_chat_message_needs_a_text_and_one_of_the_team(api, acme_case, body, field):
    answer = api("POST", f"/cases/{acme_case}/chats", json=body)

    assert answer.status_code == 400
    assert field in answer.json()
    assert api("GET", f"/cases/{acme_case}/chats").json() == []


def test_another_clients_case_is_not_found_and_a_malformed_id_is_refused(ready_client, api, acme_case):
    ready_client("globex")

    assert api("GET", f"/cases/{acme_case}/chats", tenant="globex").status_code == 404
    assert api("GET", f"/cases/{acme_case}/tasks", tenant="globex").status_code == 404
    refused = api("POST", f"/cases/{acme_case}/chats", tenant="globex",
                  json={"message": "Hi", "userEmail": "globex@customer.example"})
    assert refused.status_code == 404
    assert api("GET", "/cases/not-a-guid/chats").status_code == 400
    assert api("GET", f"/cases/{uuid.uuid4()}/tasks").status_code == 404


def test_account_level_tasks_appear_in_the_account_queue_only(sandbox, api, acme_case):
    partner_asks(sandbox, acme_case, "Please call us.")
    with sandbox.session() as s:
        case = s.get_one(Case, acme_case)
        domain.open_task(s, case.creditor_id, "AssignBankAccount")

    queue = api("GET", "/tasks").json()

    assert queue["page"]["totalResults"] == 2
    assert {task["type"] for task in queue["tasks"]} == {"ReplyToChat", "AssignBankAccount"}
    account_task = next(task for task in queue["tasks"] if task["type"] == "AssignBankAccount")
    assert account_task["caseId"] is None and account_task["action"] is None and account_task["solutionUrl"]
    assert [task["type"] for task in open_tasks(api, acme_case)] == ["ReplyToChat"]
    only = api("GET", "/tasks", params=[("type", "AssignBankAccount")]).json()
    assert [task["type"] for task in only["tasks"]] == ["AssignBankAccount"]


def test_the_task_queue_pages_and_refuses_unknown_filters(sandbox, api, acme_case, ready_client):
    with sandbox.session() as s:
        creditor_id = s.get_one(Case, acme_case).creditor_id
        domain.open_task(s, creditor_id, "AssignBankAccount")
        domain.open_task(s, creditor_id, "SignContract")
    partner_asks(sandbox, acme_case, "Question")

    first = api("GET", "/tasks", params={"Page": 1, "PageSize": 2}).json()
    second = api("GET", "/tasks", params={"Page": 2, "PageSize": 2}).json()

    assert first["page"] == {"totalResults": 3, "pageSize": 2, "currentPage": 1, "responseCount": 2, "totalPages": 2}
    assert len(second["tasks"]) == 1
    assert {t["id"] for t in first["tasks"]}.isdisjoint(t["id"] for t in second["tasks"])
    assert api("GET", "/tasks", params={"status": "Pending"}).status_code == 400
    assert api("GET", "/tasks", params={"type": "Nonsense"}).status_code == 400
    assert api("GET", "/tasks", params={"PageSize": 101}).status_code == 400
    assert api("GET", f"/cases/{acme_case}/tasks", params={"status": "nope"}).status_code == 400


def test_a_closed_case_solves_its_tasks(sandbox, api, acme_case):
    partner_asks(sandbox, acme_case, "Any news?")
    with sandbox.session() as s:
        domain.move_case(s, acme_case, "Closed", close_code="Withdrawn by Client")

    assert open_tasks(api, acme_case) == []


def test_users_lists_the_creditors_team_with_guids(api, acme_case, ready_client):
    ready_client("globex")

    listed = api("GET", "/users").json()

    assert listed["page"]["totalResults"] == 1
    [member] = listed["users"]
    assert member["email"] == "acme@customer.example" and member["name"] == "Anna Jensen"
    assert uuid.UUID(member["id"])
    assert api("GET", "/users", tenant="globex").json()["users"][0]["email"] == "globex@customer.example"
    refused = api("GET", "/users", params={"PageSize": 0})
    assert refused.status_code == 400 and refused.json()["status"] == 400


def test_payments_are_listed_with_the_case_they_paid(sandbox, api, acme_case):
    with sandbox.session() as s:
        domain.record_collection(s, acme_case, Decimal("400.00"))
        domain.record_collection(s, acme_case, Decimal("100.50"), recipient="Creditor", method="Cash")

    paid = api("GET", f"/cases/{acme_case}/payments").json()

    assert [(p["grossAmount"], p["recipient"], p["method"]) for p in paid] == [
        (400.0, "CollectionPartner", "BankTransfer"),
        (100.5, "Creditor", "Cash"),
    ]
    assert paid[0]["currency"] == "EUR" and paid[0]["invoice"]["invoiceId"] == acme_case
    assert api("GET", f"/cases/{acme_case}/timeline").json()["items"][-1]["type"] == "PaymentRegistered"


def test_files_uploaded_on_the_referral_api_are_listed_and_noticed_in_the_chat(sandbox, referral, api, acme_case):
    referral.upload_file(acme_case, file_name="invoice.pdf", stream=io.BytesIO(b"%PDF-1.4"))

    [listed] = api("GET", f"/cases/{acme_case}/files").json()
    [notice] = api("GET", f"/cases/{acme_case}/chats").json()

    assert listed["fileName"] == "invoice.pdf" and listed["caseId"] == acme_case
    assert notice["roleLabel"] == "System" and notice["user"] is None
    assert "invoice.pdf" in notice["message"]


def test_a_document_request_needs_info_until_the_case_moves_on(sandbox, api, acme_case):
    with sandbox.session() as s:
        domain.request_information(s, acme_case, "The signed contract with the debtor")

    case = api("GET", f"/cases/{acme_case}").json()
    assert case["lifecycle"] == "More Info Required" and case["validation"]["needsInfo"] is True
    needs = api("GET", f"/cases/{acme_case}/validation").json()
    assert needs["items"] == [{"resolutionArea": "Documents", "description": "The signed contract with the debtor"}]
    assert needs["creditorRespondedAt"] is None
    [task] = open_tasks(api, acme_case)
    assert task["type"] == "MoreInfoNeeded" and task["action"]["method"] == "POST"

    api("POST", f"/cases/{acme_case}/chats", json={"message": "Attached.", "userEmail": "acme@customer.example"})
    assert api("GET", f"/cases/{acme_case}/validation").json()["creditorRespondedAt"] is not None
    assert [t["type"] for t in open_tasks(api, acme_case)] == ["MoreInfoNeeded"]  # until the case leaves the state

    with sandbox.session() as s:
        domain.move_case(s, acme_case, "Active")
    assert open_tasks(api, acme_case) == []
    assert api("GET", f"/cases/{acme_case}/validation").json() == {
        "needsInfo": False, "creditorRespondedAt": None, "items": []
    }


def test_the_timeline_tells_the_case_in_order_with_its_phase(sandbox, api, acme_case):
    partner_asks(sandbox, acme_case, "We sent the first letter.")
    with sandbox.session() as s:
        domain.move_case(s, acme_case, "Closed", close_code="Paid")

    timeline = api("GET", f"/cases/{acme_case}/timeline").json()

    types = [item["type"] for item in timeline["items"]]
    assert types[0] == "CaseCreated" and types[-1] == "CaseClosed"
    assert {"CollectionStarted", "ChatMessage", "PaymentRegistered"} <= set(types)
    assert [item["date"] for item in timeline["items"]] == sorted(item["date"] for item in timeline["items"])
    assert timeline["currentEngagementPhase"] == "Pre-legal"
    assert api("GET", "/cases/123/timeline").status_code == 400


def test_a_file_uploaded_on_the_customer_api_keeps_its_type_and_description(api, acme_case):
    sent = api("POST", f"/cases/{acme_case}/files", files={"File": ("contract.pdf", b"%PDF-1.4", "application/pdf")},
               data={"DocumentType": "CreditorDocuments", "Description": "Signed contract"})

    assert sent.status_code == 200
    assert sent.json()["documentType"] == "CreditorDocuments" and sent.json()["description"] == "Signed contract"
    [listed] = api("GET", f"/cases/{acme_case}/files").json()
    assert listed["id"] == sent.json()["id"] and listed["fileName"] == "contract.pdf"
    assert "contract.pdf" in api("GET", f"/cases/{acme_case}/chats").json()[0]["message"]


@pytest.mark.parametrize(
    "files, data, status",
    [
        ({"File": ("run.exe", b"MZ", "application/octet-stream")}, {}, 415),
        ({"File": ("big.pdf", b"0" * (25 * 1024 * 1024 + 1), "application/pdf")}, {}, 413),
        ({"File": ("a.pdf", b"%PDF", "application/pdf")}, {"DocumentType": "Poem"}, 400),
        ({"Other": ("a.pdf", b"%PDF", "application/pdf")}, {}, 400),
    ],
)
def test_a_customer_api_upload_is_refused_when_wrong(api, acme_case, files, data, status):
    assert api("POST", f"/cases/{acme_case}/files", files=files, data=data).status_code == status
    assert api("GET", f"/cases/{acme_case}/files").json() == []
