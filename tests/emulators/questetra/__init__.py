"""An in-memory Questetra BPM Suite tenant served over real HTTP, for tests and demos.

    state = EmulatorState()
    app = create_app(state)            # Starlette; run it with tests/emulators/server.serve(app)

It follows /work/shared/questetra-api.md: OAuth2 (consent page, PKCE S256, client_secret_post,
refresh tokens with the 10-per-client cap), Basic auth with API passwords, the /API/ endpoints
the bridge uses, Message Start Events with their XML errors, and fault switches.
"""

from .app import create_app
from .clock import Clock
from .faults import Faults
from .model import (
    App,
    Field,
    FileValue,
    ProcessInstance,
    QGroup,
    QUser,
    RecordedRequest,
    StartEventSubmission,
    TokenRequest,
    Workitem,
)
from .state import EmulatorState

__all__ = [
    "App",
    "Clock",
    "EmulatorState",
    "Faults",
    "Field",
    "FileValue",
    "ProcessInstance",
    "QGroup",
    "QUser",
    "RecordedRequest",
    "StartEventSubmission",
    "TokenRequest",
    "Workitem",
    "create_app",
]
