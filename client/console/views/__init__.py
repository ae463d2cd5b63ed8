"""The console's views, in menu order.

How a domain adds its view (waste, compensation, credit, governance, ...):

1. Write ``client/console/views/<domain>.py`` with two functions and a ``VIEW``::

       from client.console.views.common import ConsoleContext, param, section, table
       from client.console.views.registry import View
       from client.console.views import query

       def data(ctx: ConsoleContext, params) -> dict:      # JSON-able; ?format=json serves it as is
           evs = query.events_named(ctx, ["ManifestCreated", ...], None)   # only this org's channels
           return {"manifests": [...]}

       def html(d: dict) -> str:                           # the page body; escape text (common.h/table)
           return section("Manifests", table(["id", "status"], [[m["id"], m["status"]] for m in d["manifests"]]))

       VIEW = View(slug="manifests", title="Manifests", data=data, html=html)

2. Append ``<domain>.VIEW`` to ``VIEWS`` below (one line).

The view is then served at ``/<slug>`` (and ``/<slug>?format=json``), is in
the menu, and is covered by the console's generic tests (loads, JSON, bad
parameters are 4xx). Validate every query parameter with ``common.param`` /
``int_param`` / ``channel_param`` (they raise ``BadRequest``/``NotFound``);
charts and diagrams come from ``client.console.svg``.
"""

from client.console.views import (allowances, compensation, credit, governance, manifests, monitoring, overview,
                                  regions, search)
from client.console.views.registry import View

VIEWS: list[View] = [
    overview.VIEW,
    search.VIEW,
    allowances.VIEW,
    monitoring.VIEW,
    manifests.VIEW,
    compensation.VIEW,
    credit.VIEW,
    governance.VIEW,
    regions.VIEW,
]
