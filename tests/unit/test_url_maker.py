"""url_maker: the row links of a table, built from one url_for call, must be what url_for gives."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from flask import Flask, url_for

from dashboard import routing
from dashboard.jinja import url_maker


@pytest.fixture
def app() -> Flask:
    app = Flask(__name__)
    routing.register(app)
    app.add_url_rule("/tenants/<int:tenant_id>", "tenant", lambda tenant_id: "")
    app.add_url_rule("/cases/<debitura_id:case_id>/files", "case_files", lambda case_id: "")
    return app


@pytest.mark.parametrize("case_id", ["3f2b9c1e-0a4d-4b8e-9f1a-2c3d4e5f6a7b", "plain_id.v2~x", "odd id?&#", "ünïcode"])
def test_each_row_link_decodes_to_the_row_id_as_url_for_routes_it(app, case_id):
    with app.test_request_context():
        link = url_maker("case_files", "case_id")(case_id)
        routed = app.url_map.bind("localhost").match(unquote(link))  # as the server decodes PATH_INFO

    assert routed == ("case_files", {"case_id": case_id})


def test_integer_ids_give_exactly_url_for(app):
    with app.test_request_context():
        make = url_maker("tenant", "tenant_id")
        assert [make(number) for number in (1, 42, 2**31 - 1)] == [url_for("tenant", tenant_id=number)
                                                                  for number in (1, 42, 2**31 - 1)]


def test_a_key_outside_the_path_varies_the_query_string_like_url_for(app):
    with app.test_request_context():
        assert url_maker("tenant", "page", tenant_id=7)(3) == url_for("tenant", tenant_id=7, page=3)
