from flask import Blueprint

from dashboard.services import return_urls

bp = Blueprint("cases", __name__, url_prefix="/cases")


@bp.app_template_filter("with_return_url")
def with_return_url(url: str | None, return_url: str | None) -> str | None:
    """`{{ url|with_return_url(return_url) }}`: the hosted URL with the customer's return address, when valid."""
    return return_urls.build_or_keep(url, return_url)


from dashboard.cases import submission_views, views  # noqa: E402,F401
