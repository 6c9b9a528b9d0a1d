"""Realistic operator work for load runs: a ready client at the sandbox, and case forms as a browser posts them."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Flask

from dashboard.sandbox import domain, reference
from dashboard.services import mirror


def ready_tenant(app: Flask, external_tenant_id: str, *, debtor_countries: tuple[str, ...] = ("DK",)) -> int:
    """A client created through the real client, onboarded and with its PoAs signed at the sandbox; its tenant row id."""
    client = app.extensions["debitura"]
    sandbox = app.extensions["sandbox"]
    with app.app_context():
        client.referral.create_client({
            "externalTenantId": external_tenant_id,
            "client": {"name": f"{external_tenant_id} ApS", "country": "DK",
                       "supportEmail": f"support@{external_tenant_id}.customer.example"},
            "users": [{"name": "Anna Jensen", "email": f"anna@{external_tenant_id}.customer.example",
                       "isOnboardingUser": True}],
        })
        with sandbox.session() as s:
            link = domain.active_link(s, external_tenant_id)
            domain.complete_onboarding(s, link.id)
            for country in debtor_countries:
                domain.sign_power_of_attorney(s, link.id, reference.route(country).id)
        tenant = mirror.upsert_tenant_from_client(client.referral.get_client(external_tenant_id), source="api", status=201)
        return tenant.id


def case_form(creditor_reference: str, *, country: str = "DK") -> dict[str, str]:
    """A valid manual-case form, field by field as the browser posts it."""
    today = date.today()
    return {
        "currency_code": "EUR",
        "amount_to_recover": "1250.00",
        "invoice_date": (today - timedelta(days=90)).isoformat(),
        "due_date": (today - timedelta(days=60)).isoformat(),
        "creditor_reference": creditor_reference,
        "claim_description": "Consulting services",
        "debtor_type": "Company",
        "debtor_name": "Debtor GmbH",
        "debtor_address": "Hauptstrasse 10",
        "debtor_zip_code": "80331",
        "debtor_city": "Munich",
        "debtor_country": country,
        "debtor_email": "billing@debtor.example",
        "allow_pending_contracts": "y",
    }
