"""``create_app(settings)``: the staff console's FastAPI application.

Plain HTML forms and Jinja2 templates rendered on the server, a few lines of
JavaScript of our own (no CDN, nothing fetched from the internet), Starlette's
signed-cookie sessions. Routes are split by area in ``console/routes``.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.middleware.sessions import SessionMiddleware

from assistant.settings import Settings, get_settings
from console.routes import auth, claims, dashboard, handoffs, knowledge
from console.security import CsrfFailed, Forbidden, LoginRequired, csrf_protect
from console.web import HERE, render

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


class SecurityHeaders(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if not request.url.path.startswith("/static/"):
            # Pages carry personal data: never kept by the browser or a proxy.
            response.headers["Cache-Control"] = "no-store"
        return response


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(title="职工助手 · 工作台", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    app.add_middleware(SecurityHeaders)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.staff_session_secret,
        session_cookie="staff_session",
        max_age=settings.staff_session_minutes * 60,
        same_site="strict",
        https_only=settings.staff_console_url.startswith("https://"),
    )
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    protected = [Depends(csrf_protect)]
    for module in (auth, dashboard, claims, handoffs, knowledge):
        app.include_router(module.router, dependencies=protected)

    @app.get("/health", include_in_schema=False)
    def health() -> JSONResponse:
        return JSONResponse({"ok": True})

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _: Exception) -> Response:
        if request.method == "GET":
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, _: Exception) -> HTMLResponse:
        return render(request, "error.html", 403, message="你的角色没有权限访问这个页面。")

    @app.exception_handler(CsrfFailed)
    async def csrf_failed(request: Request, _: Exception) -> HTMLResponse:
        return render(request, "error.html", 403, message="表单已过期或来源不明，请刷新页面后重试。")

    return app
