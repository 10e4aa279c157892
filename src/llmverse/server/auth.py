"""Who is calling: a bearer token on every REST and OpenAI-compatible call (WebSockets send it in
their first frame). A missing, wrong or expired token is a 401 that says only that."""

from __future__ import annotations

from fastapi import Depends, HTTPException, Request

from llmverse.server.accounts import Account
from llmverse.server.runtime import Runtime

UNAUTHORIZED = "invalid or missing token"


def runtime(request: Request) -> Runtime:
    return request.app.state.runtime


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def current_account(request: Request, rt: Runtime = Depends(runtime)) -> Account:
    account = rt.accounts.authenticate(bearer(request))
    if account is None:
        raise HTTPException(401, UNAUTHORIZED, headers={"WWW-Authenticate": "Bearer"})
    return account


def admin_account(account: Account = Depends(current_account)) -> Account:
    if not account.admin:
        raise HTTPException(403, "this needs the admin role")
    return account
