"""The client's side of the wire (DESIGN R12): `HttpApi` implements `ReferralApi` over HTTP
against `referral-desktop serve`, `RemoteSimulator` drives a server's QA endpoints for
`sim --backend URL`. Part of the client: imports the contract (desktop.backend.api and
desktop.backend.wire) and the domain, never Qt, the cache, the controller or the UI."""

import sys

# httpx imports its command-line client (`httpx._main`: click, rich and pygments, about 0.2 s)
# whenever those happen to be installed (uvicorn brings click); the app never runs it. A None
# entry makes that one import fail, and httpx then defines its stand-in `main`
# (docs/PERFORMANCE.md).
if "httpx" not in sys.modules and "httpx._main" not in sys.modules:
    sys.modules["httpx._main"] = None  # type: ignore[assignment]
