"""The Conduit application, mounted by `inkwell.app.create_app` at `/conduit/api`: its own
routes, errors, CORS and OpenAPI document (`/conduit/api/openapi.json`), over the State the
main application's lifespan yields (a mounted application shares the request's State)."""

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from inkwell import __version__
from inkwell.conduit import articles, users
from inkwell.conduit.errors import install_conduit_errors
from inkwell.config import Settings

PREFIX = "/conduit/api"


def create_conduit_app(settings: Settings) -> FastAPI:
    app = FastAPI(
        title="Conduit (RealWorld) API",
        version=__version__,
        summary="Inkwell as a backend for RealWorld frontends: `Authorization: Token <jwt>`, "
        "bodies wrapped as the RealWorld spec says, errors as `{errors: {field: [messages]}}`.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json" if settings.api_docs else None,
    )
    install_conduit_errors(app)
    app.include_router(articles.router)
    app.include_router(users.router)
    if settings.conduit_cors_origins:
        # No credentials: the token is a header the frontend sets, never a cookie.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.conduit_cors_origins,
            allow_credentials=False,
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
            max_age=600,
        )
    return app
