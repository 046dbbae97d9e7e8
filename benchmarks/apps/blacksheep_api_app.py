"""BlackSheep's JSON API endpoints: its pydantic binding (`FromJSON`) for the body.

BlackSheep does not validate return values and its `json()` helper goes through the standard
library's encoder, so the responses are validated and dumped by pydantic, its fast path.
A body that fails validation is answered 422 with pydantic's errors (BlackSheep's binder
raises `InvalidRequestBody`, a 400, with the `ValidationError` as its cause).
"""

from api_data import ROWS
from api_models import ITEMS, ItemIn, ItemOut, created
from blacksheep import Application, Content, FromJSON, Request, Response
from blacksheep.server.bindings import InvalidRequestBody
from pydantic import TypeAdapter, ValidationError

app = Application()
_ITEM = TypeAdapter(ItemOut)
_ITEMS = TypeAdapter(list[ItemOut])
_JSON = b"application/json"


@app.router.post("/api/items")
async def create_item(item: FromJSON[ItemIn]) -> Response:
    """Validate the new item, return it with its id and stock value."""
    return Response(201, None, Content(_JSON, _ITEM.dump_json(created(item.value))))


@app.router.get("/api/items")
async def list_items() -> Response:
    """The stored items (model objects), dumped through `list[ItemOut]`."""
    return Response(200, None, Content(_JSON, _ITEMS.dump_json(ITEMS)))


@app.router.get("/api/rows")
async def list_rows() -> Response:
    """The stored rows, validated and dumped through `list[ItemOut]`."""
    return Response(200, None, Content(_JSON, _ITEMS.dump_json(_ITEMS.validate_python(ROWS))))


async def unprocessable(app: Application, request: Request, exc: InvalidRequestBody) -> Response:
    """A body pydantic refused as a 422 with its error list (anything else stays a 400)."""
    cause = exc.__cause__
    if not isinstance(cause, ValidationError):
        return Response(400, None, Content(b"text/plain", f"Bad Request: {exc}".encode()))
    errors = cause.json(include_url=False, include_context=False, include_input=False)
    return Response(422, None, Content(_JSON, f'{{"detail":{errors}}}'.encode()))


app.exceptions_handlers[InvalidRequestBody] = unprocessable
