"""The JSON HTTP API as a WSGI app: GET /cart, POST /cart/items, POST /checkout."""
import json

from .cart import Cart
from .inventory import Inventory, OutOfStock


def make_app(stock=None, region="US-CA"):
    cart = Cart(Inventory(stock or {"MUG-01": 10, "TEE-M": 5, "BOOK-LLM": 3, "STICKER": 100}), region)

    def app(environ, start_response):
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/")
        try:
            body = _read_json(environ) if method == "POST" else {}
            if (method, path) == ("GET", "/cart"):
                return _reply(start_response, 200, cart.summary())
            if (method, path) == ("POST", "/cart/items"):
                cart.add(body["sku"], int(body.get("qty", 1)))
                return _reply(start_response, 201, cart.summary())
            if (method, path) == ("POST", "/checkout"):
                summary = cart.summary()
                cart.lines.clear()
                return _reply(start_response, 200, {"order": summary, "status": "paid"})
            return _reply(start_response, 404, {"error": f"no route {method} {path}"})
        except OutOfStock as e:
            return _reply(start_response, 409, {"error": str(e)})
        except (KeyError, ValueError) as e:
            return _reply(start_response, 400, {"error": str(e).strip("'\"")})

    app.cart = cart
    return app


def _read_json(environ) -> dict:
    size = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(size) if size else b"{}"
    data = json.loads(raw or b"{}")
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    return data


def _reply(start_response, status: int, payload: dict):
    reason = {200: "OK", 201: "Created", 400: "Bad Request", 404: "Not Found", 409: "Conflict"}[status]
    body = json.dumps(payload).encode()
    start_response(f"{status} {reason}", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
