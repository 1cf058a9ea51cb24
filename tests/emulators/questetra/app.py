"""``create_app(state)``: the Starlette application of one emulated tenant."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount

from . import api, control, forms, oauth, pages, start_events
from .html import not_found
from .middleware import EmulatorMiddleware, quiet_simulated_resets
from .state import EmulatorState


def create_app(state: EmulatorState) -> Starlette:
    """All routes live under ``state.base_path`` (``/`` for a cloud tenant)."""
    quiet_simulated_resets()
    tenant: list[BaseRoute] = [
        *oauth.routes(state),
        *api.routes(state),
        *forms.routes(state),
        *start_events.routes(state),
        *control.routes(state),
        *pages.routes(state),
    ]
    routes = (
        tenant if state.base_path == "/" else [Mount(state.base_path.rstrip("/"), routes=tenant)]
    )
    return Starlette(
        routes=routes,
        middleware=[Middleware(EmulatorMiddleware, state=state)],
        exception_handlers={404: not_found},
    )
