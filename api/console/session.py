"""A console visit: the browser's cookies, who is signed in, in which language, and the answer.

The session is the API's own: the access and refresh tokens staffLogIn gave, kept in HttpOnly,
SameSite=Strict cookies scoped to /console, so page scripts never read them and no other site
can send them. A form post must also come from the console's own origin (its Origin header, or
its Referer when a browser sends no Origin), which no other site can forge.

Every page of a signed-in user starts with ConsoleMe (who they are, their role, the program):
when the API no longer takes the session, even after a refresh, the visit goes to sign-in.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from api.console.formats import Formats
from api.console.gateway import Answer, Gateway, Tokens
from api.console.translations import LANGUAGES, Texts, texts_for

ACCESS_COOKIE = "console_access"
REFRESH_COOKIE = "console_refresh"
LANGUAGE_COOKIE = "console_language"
PROGRAM_COOKIE = "console_program"
PATH = "/console"
ROLES = ("ANALYST", "MANAGER", "ADMIN")


class NotFromConsole(Exception):
    """A form post that did not come from a console page."""


@dataclass
class Visit:
    request: Request
    gateway: Gateway
    language: str
    me: dict[str, Any] = field(default_factory=dict)
    program: dict[str, Any] = field(default_factory=dict)

    @property
    def texts(self) -> Texts:
        return texts_for(self.language)

    @property
    def formats(self) -> Formats:
        return Formats(self.language)

    def can(self, role: str) -> bool:
        """Whether the signed-in user has `role` or a higher one (the console shows only what
        the API would let them do; the API still decides)."""
        mine = self.me.get("role")
        return mine in ROLES and ROLES.index(mine) >= ROLES.index(role)

    async def run(self, name: str, variables: dict[str, Any] | None = None) -> Answer:
        return await self.gateway.run(name, variables)

    def finish(self, response: Response) -> Response:
        """Store the tokens the API renewed during the visit, or drop the ones it ended."""
        tokens = self.gateway.tokens
        if tokens.ended:
            forget_session(self.request, response)
        elif tokens.renewed:
            keep_session(self.request, response, tokens)
        return response


def language_of(request: Request) -> str:
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return LANGUAGES[0]


def visit_of(request: Request) -> Visit:
    tokens = Tokens(
        access=request.cookies.get(ACCESS_COOKIE), refresh=request.cookies.get(REFRESH_COOKIE)
    )
    address = request.client.host if request.client else "unknown"
    return Visit(request, Gateway(request.app, address, tokens), language_of(request))


def secure_cookies(request: Request) -> bool:
    """Cookies go over HTTPS only outside development and test (which serve plain HTTP on
    loopback); production is served over HTTPS, at the app or at a proxy in front of it."""
    return bool(request.app.state.services.settings.secure_cookies)


def _cookie(
    request: Request, response: Response, name: str, value: str, max_age: int | None = None
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=PATH,
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request),
    )


def keep_session(request: Request, response: Response, tokens: Tokens) -> None:
    if tokens.access and tokens.refresh:
        _cookie(request, response, ACCESS_COOKIE, tokens.access)
        _cookie(request, response, REFRESH_COOKIE, tokens.refresh, max_age=30 * 24 * 3600)


def forget_session(request: Request, response: Response) -> None:
    secure = secure_cookies(request)
    for name in (ACCESS_COOKIE, REFRESH_COOKIE):
        response.delete_cookie(name, path=PATH, secure=secure, httponly=True, samesite="strict")


def keep_choice(request: Request, response: Response, name: str, value: str) -> None:
    _cookie(request, response, name, value, max_age=365 * 24 * 3600)


def check_origin(request: Request) -> None:
    """Refuse a post that no console page sent (cross-site request forgery)."""
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source:
        raise NotFromConsole
    parts = urlsplit(source)
    if f"{parts.scheme}://{parts.netloc}" != f"{request.url.scheme}://{request.url.netloc}":
        raise NotFromConsole


def to_sign_in(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    response = RedirectResponse(f"{PATH}/sign-in?next={quote(target)}", status_code=303)
    forget_session(request, response)
    return response


Page = Callable[[Visit], Awaitable[Response]]


def signed_in(page: Page) -> Callable[[Request], Awaitable[Response]]:
    """A console route for a signed-in user: posts are checked for their origin, ConsoleMe runs
    first, and the session's renewed tokens reach the browser."""

    async def route(request: Request) -> Response:
        if request.method == "POST":
            try:
                check_origin(request)
            except NotFromConsole:
                return Response("This form did not come from the console.", status_code=403)
        visit = visit_of(request)
        if visit.gateway.tokens.access is None and visit.gateway.tokens.refresh is None:
            return to_sign_in(request)
        me = await visit.run("ConsoleMe")
        if me.code == "UNAUTHENTICATED" or me.code == "FORBIDDEN":
            return to_sign_in(request)
        if me.errors:
            return visit.finish(Response(f"The API answered {me.code}.", status_code=503))
        visit.me, visit.program = me.data["staffMe"], me.data["program"]
        return visit.finish(await page(visit))

    return route
