"""What the server answered: the status, headers and body of one HTTP response.

Errors carry one (`error.response`), hooks are told of each, and `with_raw_response`
hands one back with the parsed result beside it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Generic, TypeVar

import attrs

__all__ = ["RawResponse", "Response"]

T = TypeVar("T")


@attrs.frozen
class Response:
    """One answer of the server.

    `status_code` is the HTTP status, `headers` the response headers (looked up without
    regard to case), `content` the body as received, `method` and `url` the request
    (the URL never holds the access token: that goes in a header), `elapsed` the seconds
    from sending to the end of the body.
    """

    status_code: int
    headers: Mapping[str, str] = attrs.field(repr=False)
    content: bytes = attrs.field(repr=False)
    method: str = ""
    url: str = ""
    elapsed: float = attrs.field(default=0.0, repr=False)

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (undecodable bytes replaced)."""
        return self.content.decode("utf-8", "replace")


@attrs.frozen
class RawResponse(Response, Generic[T]):
    """The answer of a call made through `with_raw_response`;
    [`parse`][blockbax_async.RawResponse.parse] gives the result the plain call returns (the
    model)."""

    result: T = attrs.field(repr=False, kw_only=True)

    def parse(self) -> T:
        """The result of the call (a model, a page, or `None` for a delete); the answer was
        parsed when it came, so a body that cannot be understood raised then."""
        return self.result

    @classmethod
    def of(cls, response: Response, result: T) -> RawResponse[T]:
        """`response` with the call's `result` beside it."""
        return cls(**attrs.asdict(response, recurse=False), result=result)
