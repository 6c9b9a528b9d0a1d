"""The return-URL builder: Debitura's rules for returnUrl, and exact encoding."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from dashboard.services import return_urls

SIGNING = "https://testreferral.debitura.com/Signing/PendingContracts?link=abc%20def"


def test_the_return_address_is_percent_encoded_as_one_query_value():
    built = return_urls.build(SIGNING, "https://app.example.com/done?tab=cases&id=7#top")

    assert built == (
        "https://testreferral.debitura.com/Signing/PendingContracts?link=abc%20def"
        "&returnUrl=https%3A%2F%2Fapp.example.com%2Fdone%3Ftab%3Dcases%26id%3D7%23top"
    )
    assert parse_qs(urlsplit(built).query)["returnUrl"] == ["https://app.example.com/done?tab=cases&id=7#top"]


def test_an_earlier_return_address_is_replaced_and_the_fragment_kept():
    built = return_urls.build("https://ui.example/x?returnUrl=https%3A%2F%2Fold.example&a=1#step-2", "https://new.example/")

    assert built == "https://ui.example/x?a=1&returnUrl=https%3A%2F%2Fnew.example%2F#step-2"


def test_a_url_without_a_query_gets_one():
    assert return_urls.build("https://ui.example/onboarding/companydetails/1", "http://localhost:3000/back") == (
        "https://ui.example/onboarding/companydetails/1?returnUrl=http%3A%2F%2Flocalhost%3A3000%2Fback"
    )


def test_characters_javascript_leaves_alone_are_encoded_the_same_way_here():
    built = return_urls.build("https://ui.example/a", "https://app.example/it's(1)*!~_.-")

    assert built.endswith("returnUrl=https%3A%2F%2Fapp.example%2Fit%27s%281%29%2A%21~_.-")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Enter the address"),
        ("   ", "Enter the address"),
        ("app.example.com/done", "Enter a full address starting with https://"),
        ("ftp://app.example.com/done", "Enter a full address starting with https://"),
        ("javascript:alert(1)", "Enter a full address starting with https://"),
        ("https://", "Enter a full address starting with https://"),
        ("https://app.example.com/a b", "must not contain spaces"),
        ("https://app.example.com/" + "x" * 2030, "Debitura accepts at most 2048"),
    ],
)
def test_addresses_debitura_would_silently_drop_are_refused_with_a_reason(value, message):
    with pytest.raises(ValueError, match=message):
        return_urls.validate(value)


def test_exactly_2048_characters_are_accepted():
    value = "https://app.example.com/" + "x" * (2048 - len("https://app.example.com/"))

    assert return_urls.validate(value) == value


def test_the_hosted_url_itself_must_be_absolute():
    with pytest.raises(ValueError, match="not an absolute"):
        return_urls.build("/relative/path", "https://app.example.com")


def test_templates_keep_the_url_unchanged_when_no_valid_return_address_is_given():
    assert return_urls.build_or_keep(SIGNING, "") == SIGNING
    assert return_urls.build_or_keep(SIGNING, "not a url") == SIGNING
    assert return_urls.build_or_keep(None, "https://app.example.com") is None
    assert return_urls.build_or_keep(SIGNING, "https://app.example.com").endswith("returnUrl=https%3A%2F%2Fapp.example.com")
