"""A FastAPI route that does no work, for scale: the most the server and framework can answer."""

from fastapi import FastAPI


def create_app() -> FastAPI:
    app = FastAPI(title="Reference: hello")

    @app.get("/hello")
    async def hello() -> dict[str, str]:
        return {"message": "Hello, world"}

    return app
