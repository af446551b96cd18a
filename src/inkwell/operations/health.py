"""Liveness and readiness probes for load balancers, orchestrators and Docker's HEALTHCHECK."""

import asyncio
import logging

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from inkwell.errors import ErrorCode, ServiceUnavailable, responses
from inkwell.state import state_of

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/health", tags=["operations"])


class Status(BaseModel):
    status: str


async def _select_one(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


async def _probe(engine: AsyncEngine) -> None:
    """A pooled connection lost to a database restart says nothing about the database now
    (there is no pre-ping): its failure invalidates the pool, and a new connection tells."""
    try:
        await _select_one(engine)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        await _select_one(engine)


@router.get("", summary="Liveness: the process answers")
async def live() -> Status:
    return Status(status="ok")


@router.get(
    "/ready",
    summary="Readiness: the database answers a query within READINESS_TIMEOUT seconds",
    responses=responses(503),
)
async def ready(request: Request) -> Status:
    state = state_of(request)
    engine, settings = state["engine"], state["settings"]
    try:
        async with asyncio.timeout(settings.readiness_timeout):
            await _probe(engine)
    except TimeoutError:
        reason = f"the database did not answer within {settings.readiness_timeout:g} s"
    except (SQLAlchemyError, OSError) as exc:
        cause = exc.orig if isinstance(exc, DBAPIError) else exc
        reason = f"the database is unreachable ({type(cause).__name__})"
    else:
        return Status(status="ready")
    # Probes repeat every few seconds during an outage: one line each, no traceback.
    logger.warning("not ready: %s", reason)
    raise ServiceUnavailable(reason, code=ErrorCode.DATABASE_UNAVAILABLE)
