"""Interactive API docs that work offline and under the strict Content-Security-Policy.

FastAPI's own /docs loads Swagger UI from a CDN and starts it with an inline script;
here the assets come from the swagger-ui-bundle-v2 package and the start-up code from
/static/js/swagger-init.js; /static/css/swagger-ui.css lays colours that meet WCAG AA over
its own. ReDoc is left off: its styles are injected inline.
"""

from html import escape

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

ASSETS = "/docs/assets"


def install_api_docs(app: FastAPI) -> None:
    """Serves Swagger UI at /docs; build the app with docs_url=None and redoc_url=None."""
    app.mount(ASSETS, StaticFiles(directory=str(swagger_ui_path)), name="swagger-ui")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = escape(request.scope.get("root_path", ""))
        openapi_url = escape(f"{root}{app.openapi_url}")
        return HTMLResponse(
            f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{escape(app.title)} API</title>
<link rel="stylesheet" href="{root}{ASSETS}/swagger-ui.css">
<link rel="stylesheet" href="{root}/static/css/swagger-ui.css">
<link rel="icon" type="image/png" href="{root}{ASSETS}/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{root}{ASSETS}/swagger-ui-bundle.js"></script>
<script src="{root}/static/js/swagger-init.js" data-openapi-url="{openapi_url}"
  data-oauth2-redirect-url="{root}{ASSETS}/oauth2-redirect.html"></script>
</body>
</html>
"""
        )
