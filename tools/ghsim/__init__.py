"""ghsim: a simulated GitHub REST API (GitHub Enterprise Server paths) for tests and rehearsals.

The real terraform-provider-github talks to it with ``GITHUB_BASE_URL=http://127.0.0.1:PORT/``
(any host other than github.com is GitHub Enterprise Server to the provider: REST under
``/api/v3/``, GraphQL under ``/api/graphql``, which answers 501 here). Every request and
response is checked against GitHub's OpenAPI description (``_openapi``); the operations served
and the provider code that calls each are listed in ``_routes``; the seed/dump format in
``_state``; limits, ETags and faults in ``_server``.

    with Simulator(seed={...}, hourly_budget=5000) as sim:
        sim.base_url; sim.set_phase("up"); sim.inject("PUT", r"/contents/", status=502, times=1)
        sim.state(); sim.requests; sim.violations

It binds 127.0.0.1 only and makes no outbound connection.
"""

from ._openapi import DescriptionMissingError, load_description
from ._routes import served
from ._server import Simulator

__all__ = ["DescriptionMissingError", "Simulator", "load_description", "served"]
