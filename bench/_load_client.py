"""A small HTTP/1.1 client on asyncio streams for bench/load.py: one connection per request (Connection: close, so a
killed server process fails only the requests it held), cookies kept per virtual user, loopback only."""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

LOOPBACK = "127.0.0.1"
CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


class HttpError(Exception):
    """No whole answer: the connection was refused or reset, the server closed it early, or the time ran out."""


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str:
        name = name.lower()
        return next((value for key, value in self.headers if key == name), "")

    def csrf_token(self) -> str:
        found = CSRF_INPUT.search(self.body)
        return found.group(1).decode() if found else ""


@dataclass
class Session:
    """A browser's state on one host: its cookies, and the client address a proxy in front would report."""

    host: str
    cookies: dict[str, str] = field(default_factory=dict)
    forwarded_for: str = ""

    def remember(self, response: Response) -> None:
        for name, value in response.headers:
            if name == "set-cookie":
                pair = value.split(";", 1)[0]
                key, _sep, cookie = pair.partition("=")
                if cookie.strip('"'):
                    self.cookies[key.strip()] = cookie.strip()
                else:
                    self.cookies.pop(key.strip(), None)


async def _read_body(reader: asyncio.StreamReader, headers: list[tuple[str, str]]) -> bytes:
    values = dict(headers)
    if values.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers
                    pass
                return b"".join(chunks)
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
    if "content-length" in values:
        return await reader.readexactly(int(values["content-length"]))
    return await reader.read()


async def _exchange(port: int, raw: bytes, method: str) -> Response:
    reader, writer = await asyncio.open_connection(LOOPBACK, port)
    try:
        writer.write(raw)
        await writer.drain()
        status_line = await reader.readuntil(b"\r\n")
        parts = status_line.split(b" ", 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
            raise HttpError(f"not an HTTP answer: {status_line[:60]!r}")
        status = int(parts[1])
        headers: list[tuple[str, str]] = []
        while (line := await reader.readuntil(b"\r\n")) != b"\r\n":
            name, _sep, value = line.decode("latin-1").partition(":")
            headers.append((name.strip().lower(), value.strip()))
        body = b"" if method == "HEAD" or status in (204, 304) else await _read_body(reader, headers)
        return Response(status, headers, body)
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
        raise HttpError(f"{type(exc).__name__}: {exc}") from exc
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except OSError:
            pass


async def request(
    port: int,
    session: Session,
    method: str,
    path: str,
    *,
    form: dict[str, str] | None = None,
    timeout: float = 60.0,
) -> tuple[Response, float]:
    """One request on a new connection; returns the answer and its time in ms. Raises HttpError when there is none."""
    body = urlencode(form).encode() if form is not None else b""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {session.host}", "Connection: close", "User-Agent: junxiu-load/1"]
    if session.cookies:
        lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in session.cookies.items()))
    if session.forwarded_for:
        lines.append(f"X-Forwarded-For: {session.forwarded_for}")
    if form is not None:
        lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
    started = time.perf_counter()
    try:
        response = await asyncio.wait_for(_exchange(port, raw, method), timeout)
    except TimeoutError as exc:
        raise HttpError(f"no answer in {timeout:.0f} s") from exc
    except OSError as exc:
        raise HttpError(f"{type(exc).__name__}: {exc}") from exc
    elapsed = (time.perf_counter() - started) * 1000
    session.remember(response)
    return response, elapsed


async def login(port: int, session: Session, path: str, username: str, password: str) -> None:
    """Sign in through the site's own log-in form (GET for the CSRF token, POST, a redirect with the session)."""
    page, _ms = await request(port, session, "GET", path)
    token = page.csrf_token()
    if page.status != 200 or not token:
        raise SystemExit(f"log-in page {session.host}{path} answered {page.status}")
    answer, _ms = await request(
        port, session, "POST", path, form={"csrfmiddlewaretoken": token, "username": username, "password": password}
    )
    if answer.status != 302 or "sessionid" not in session.cookies:
        raise SystemExit(f"log-in of {username} at {session.host} failed: {answer.status}")
