"""The rows every sandbox starts with, demo or not: the state row (clock, settings, fault plan) and the partner."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from dashboard.sandbox import clock
from dashboard.sandbox.config import SandboxConfig
from dashboard.sandbox.models import Partner, SandboxState
from dashboard.sandbox.store import Store


def create_schema(store: Store, config: SandboxConfig) -> None:
    """Create the tables and the rows every sandbox needs; safe to repeat."""
    store.create_tables()
    with store.session() as s:
        if s.get(SandboxState, clock.STATE_ID) is None:
            s.add(
                SandboxState(
                    id=clock.STATE_ID,
                    approval_ttl_days=config.approval_ttl_days,
                    rate_limit_per_minute=config.rate_limit_per_minute,
                    fault_plan={},
                )
            )
        if s.scalars(select(Partner)).first() is None:
            s.add(
                Partner(
                    company_name="Northwind Invoicing ApS",
                    short_name="Northwind",
                    contact_email="partners@northwind.example",
                    referral_fee_percentage=Decimal("50"),
                    background_color="#1F3A5F",
                    font_color="#FFFFFF",
                    font_family="Inter, sans-serif",
                )
            )
