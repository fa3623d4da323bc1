import io
import json
import unittest

from shop.api import make_app


def call(app, method, path, payload=None):
    raw = json.dumps(payload).encode() if payload is not None else b""
    env = {"REQUEST_METHOD": method, "PATH_INFO": path, "CONTENT_LENGTH": str(len(raw)), "wsgi.input": io.BytesIO(raw)}
    seen = {}
    body = b"".join(app(env, lambda status, headers: seen.update(status=status)))
    return int(seen["status"].split()[0]), json.loads(body)


class ApiTest(unittest.TestCase):
    def test_add_and_checkout(self):
        app = make_app()
        self.assertEqual(call(app, "POST", "/cart/items", {"sku": "MUG-01", "qty": 2})[0], 201)
        status, order = call(app, "POST", "/checkout", {})
        self.assertEqual((status, order["order"]["total"]), (200, 2574))
        self.assertEqual(call(app, "GET", "/cart")[1]["lines"], [])

    def test_errors_are_json(self):
        app = make_app()
        self.assertEqual(call(app, "POST", "/cart/items", {"sku": "NOPE"})[0], 400)
        self.assertEqual(call(app, "POST", "/cart/items", {"sku": "BOOK-LLM", "qty": 9})[0], 409)
        self.assertEqual(call(app, "DELETE", "/cart")[0], 404)


if __name__ == "__main__":
    unittest.main()
