"""In a real Chromium: every search box shows its whole placeholder at the widths support staff use."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

# The placeholder's width in the input's own font, against the room inside its padding and border.
PLACEHOLDER_ROOM = """input => {
  const style = getComputedStyle(input);
  const context = document.createElement("canvas").getContext("2d");
  context.font = style.font;
  const text = context.measureText(input.placeholder).width;
  const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return room - text;
}"""
WIDTHS = (1440, 1280, 1024, 768, 390)
SEARCHES = (("/tenants/", "Search tenants"), ("/cases/", "Search"), ("/revenue/", "Search"))


def test_each_search_placeholder_fits_its_box_at_the_common_widths(live_server, page):
    sign_in(page, live_server.create_operator("viewer"))
    for path, label in SEARCHES:
        page.goto(path)
        box = page.get_by_role("searchbox", name=label, exact=True)
        expect(box).to_be_visible()
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            expect(box).to_be_visible()
            spare = box.evaluate(PLACEHOLDER_ROOM)
            assert spare >= 0, f"{path} at {width}px: the placeholder overflows by {-spare:.0f}px"
