"""Bodies are checked before they are read: a real server process answers 413
to an oversized ``Content-Length`` without waiting for (or spooling) the body,
and cuts a chunked body at the limit."""
import socket
import time

from django.test import TransactionTestCase, tag

from .servers import Server

LIMIT = 10_000
TIMEOUT = 5


def raw_request(port: int, head: str, body_parts=(), timeout: float = TIMEOUT) -> bytes:
    """Send head (and body_parts, stopping at the first refusal); return what came back."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        conn.sendall(head.encode())
        try:
            for part in body_parts:
                conn.sendall(part)
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = b""
        try:
            while chunk := conn.recv(65536):
                answer += chunk
                if b"\r\n\r\n" in answer and answer.split(b"\r\n\r\n", 1)[1]:
                    break
        except (TimeoutError, ConnectionResetError):
            pass
        return answer


@tag("slow")
class BodyLimitTests(TransactionTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = Server(env={"DJANGO_MAX_BODY_BYTES": str(LIMIT)})

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        super().tearDownClass()

    def head(self, *headers) -> str:
        return ("POST /api/token/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Content-Type: application/json\r\n" + "".join(h + "\r\n" for h in headers)
                + "\r\n")

    def test_an_oversized_content_length_is_refused_before_the_body_arrives(self):
        started = time.monotonic()
        # The body never comes: only an answer that reads none of it can arrive.
        answer = raw_request(self.server.port, self.head(f"Content-Length: {10 * LIMIT}"))
        self.assertTrue(answer.startswith(b"HTTP/1.1 413"), answer[:200])
        self.assertIn(b'"request_too_large"', answer)
        self.assertLess(time.monotonic() - started, TIMEOUT - 1)

    def test_a_chunked_body_is_cut_at_the_limit(self):
        chunk = b"x" * 4096
        parts = [f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" for _ in range(2 * LIMIT // 4096)]
        answer = raw_request(self.server.port, self.head("Transfer-Encoding: chunked"), parts)
        self.assertTrue(answer.startswith(b"HTTP/1.1 413"), answer[:200])

    def test_a_body_within_the_limit_is_served(self):
        body = b'{"username": "nobody", "password": "wrong-password-1"}'
        answer = raw_request(self.server.port,
                             self.head(f"Content-Length: {len(body)}"), [body])
        self.assertTrue(answer.startswith(b"HTTP/1.1 401"), answer[:200])


@tag("slow")
class OverloadTests(TransactionTestCase):
    def test_requests_beyond_the_bound_are_shed_with_503_and_retry_after(self):
        server = Server(env={"DJANGO_MAX_CONCURRENT_REQUESTS": "2"})
        self.addCleanup(server.stop)
        # Two requests whose bodies never come hold the two places.
        holders = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(2)]
        for holder in holders:
            holder.sendall(b"POST /api/token/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           b"Content-Type: application/json\r\nContent-Length: 10\r\n\r\n")
        time.sleep(0.5)
        head = "GET /api/conversations/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        answer = raw_request(server.port, head)
        self.assertTrue(answer.startswith(b"HTTP/1.1 503"), answer[:200])
        self.assertIn(b"retry-after: 1", answer.lower())
        self.assertIn(b'"overloaded"', answer)
        health = raw_request(server.port, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        self.assertTrue(health.startswith(b"HTTP/1.1 200"), health[:200])
        for holder in holders:
            holder.close()
        time.sleep(0.5)
        self.assertTrue(raw_request(server.port, head).startswith(b"HTTP/1.1 401"))
