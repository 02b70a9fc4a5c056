"""The client's side of the wire (DESIGN R12): `HttpApi` implements `ReferralApi` over HTTP
against `referral-desktop serve`, `RemoteSimulator` drives a server's QA endpoints for
`sim --backend URL`. Part of the client: imports the contract (desktop.backend.api and
desktop.backend.wire) and the domain, never Qt, the cache, the controller or the UI; its HTTP is
the standard library's (`http.client`), never httpx or asyncio (start-up time, issue 15)."""
