"""Request dependencies: who is calling (API key), their tenant, role checks, the snapshot.

Tenant scoping happens here and only here: `TenantDep` is the tenant of the verified key,
and `SnapshotDep` opens that tenant's published snapshot. No route takes a tenant from
the path, query or body, so a key can only ever read its own tenant's data.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Query, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from revlake.api.bodyguard import PRINCIPAL_STATE, client_address
from revlake.api.context import ServerContext
from revlake.api.keyguard import presented_key
from revlake.errors import InputError
from revlake.queries.params import DEFAULT_LIMIT, MAX_LIMIT, PageParams
from revlake.reader import Build
from revlake.store.keys import InvalidApiKeyError, Principal
from revlake.store.roles import Area, can_access

_bearer = HTTPBearer(auto_error=False, description="`Authorization: Bearer rvl_…`")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="`X-API-Key: rvl_…`")


async def get_context(request: Request) -> ServerContext:
    context = request.app.state.revlake
    assert isinstance(context, ServerContext)
    return context


ContextDep = Annotated[ServerContext, Depends(get_context)]


async def api_principal(
    request: Request,
    context: ContextDep,
    _bearer_doc: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    _api_key_doc: Annotated[str | None, Depends(_api_key)],
) -> Principal:
    """The principal of the request's API key (Bearer token or X-API-Key header).

    The two header dependencies only document the schemes in OpenAPI; the key is read by
    `presented_key`, the same function the response cache uses. A request with a body
    was authenticated by `BodyGuard` before its body was read; its principal is reused.
    """
    checked = request.scope.get("state", {}).get(PRINCIPAL_STATE)
    if isinstance(checked, Principal):
        principal = checked
    else:
        key = presented_key(request.scope["headers"])
        if not key:
            raise InvalidApiKeyError(
                "missing API key: send `Authorization: Bearer <key>` or `X-API-Key: <key>`"
            )
        principal = await context.authenticate(key, client_address(request.scope))
    # after authentication: only a verified caller learns which parameters a route takes
    await reject_unknown_query(request)
    return principal


PrincipalDep = Annotated[Principal, Depends(api_principal)]


async def tenant_of(principal: PrincipalDep) -> str:
    """The tenant every query of this request is scoped to: the key's own."""
    return principal.tenant_id


TenantDep = Annotated[str, Depends(tenant_of)]


def RoleDep(area: Area) -> Any:
    """A route dependency that refuses (403) keys whose role may not see `area`."""

    async def check(principal: PrincipalDep) -> None:
        if not can_access(principal.role, area):
            raise HTTPException(
                status_code=403,
                detail=f"role {principal.role.value!r} may not read {area.value!r}",
            )

    return Depends(check)


async def pinned_snapshot(context: ContextDep, tenant: TenantDep) -> AsyncIterator[Build]:
    """The tenant's published snapshot, pinned for the whole request."""
    with context.snapshots.acquire(tenant) as snapshot:
        yield snapshot


SnapshotDep = Annotated[Build, Depends(pinned_snapshot)]


async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")] = (
        DEFAULT_LIMIT
    ),
    offset: Annotated[int, Query(ge=0, le=10**9, description="Items to skip.")] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


PageDep = Annotated[PageParams, Depends(page_params)]


_ALLOWED_QUERY: dict[int, frozenset[str]] = {}


def _query_names(dependant: Any) -> set[str]:
    """The query parameter names of a dependant and of everything it depends on."""
    names = {str(field.alias) for field in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def _allowed_query(route: Any) -> frozenset[str] | None:
    """The query parameters a route (and its dependencies) declare; None for non-API routes."""
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return None
    allowed = _ALLOWED_QUERY.get(id(route))
    if allowed is None:
        allowed = frozenset(_query_names(dependant))
        _ALLOWED_QUERY[id(route)] = allowed
    return allowed


async def reject_unknown_query(request: Request) -> None:
    """An unknown query parameter is an error naming it and the allowed ones (400), never
    silently ignored: `?sales_agent=` on /deals must not answer every deal."""
    if not request.query_params:
        return
    allowed = _allowed_query(request.scope.get("route"))
    if allowed is None:
        return
    unknown = sorted(set(request.query_params.keys()) - allowed)
    if unknown:
        accepted = ", ".join(sorted(allowed)) if allowed else "no query parameters"
        raise InputError(
            f"unknown query parameter{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(map(repr, unknown))}; {request.url.path} accepts: {accepted}"
        )
