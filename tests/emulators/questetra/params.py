"""Request parameters the way a servlet container sees them: query string, then the form body."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.datastructures import UploadFile
from starlette.requests import Request

from .middleware import info_of
from .values import Upload


class Params:
    """Ordered (name, value) pairs; repeated names kept. File parts are ``Upload``s."""

    def __init__(self, pairs: list[tuple[str, str | Upload]]) -> None:
        self.pairs = pairs

    def get(self, name: str) -> str | None:
        return next((v for k, v in self.pairs if k == name and isinstance(v, str)), None)

    def getlist(self, name: str) -> list[str]:
        return [v for k, v in self.pairs if k == name and isinstance(v, str)]

    def values(self, name: str) -> list[str | Upload]:
        return [v for k, v in self.pairs if k == name]

    def names(self) -> list[str]:
        return list(dict.fromkeys(k for k, _ in self.pairs))

    def count(self, name: str) -> int:
        return sum(1 for k, _ in self.pairs if k == name)

    def as_text_pairs(self) -> list[tuple[str, str]]:
        """For the logs: a file part is shown by its file name."""
        return [(k, v if isinstance(v, str) else v.filename) for k, v in self.pairs]


async def read_params(request: Request, *, body: bool = True) -> Params:
    query = parse_qsl(request.url.query, keep_blank_values=True)
    pairs: list[tuple[str, str | Upload]] = list(query)
    if not body or request.method != "POST":
        return Params(pairs)
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        async with request.form() as form:
            for name, value in form.multi_items():
                if isinstance(value, UploadFile):
                    data = await value.read()
                    pairs.append(
                        (
                            name,
                            Upload(
                                value.filename or "",
                                value.content_type or "application/octet-stream",
                                len(data),
                            ),
                        )
                    )
                else:
                    pairs.append((name, value))
        info_of(request.scope).form_params = Params(pairs).as_text_pairs()[len(query) :]
    elif content_type.startswith("application/x-www-form-urlencoded") or not content_type:
        raw = await request.body()
        pairs += parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)
    return Params(pairs)
