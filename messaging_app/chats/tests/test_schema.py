"""The OpenAPI document is valid, complete, and the live API keeps to it."""
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from django.contrib.staticfiles.testing import LiveServerTestCase
from django.test import SimpleTestCase, tag
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from .base import make_conversation, make_message, make_user, jwt_client

EXPECTED_PATHS = [
    "/api/conversations/", "/api/conversations/{id}/",
    "/api/conversations/{conversation_pk}/messages/",
    "/api/conversations/{conversation_pk}/messages/{id}/",
    "/api/conversations/{id}/participants/", "/api/conversations/{id}/leave/",
    "/api/conversations/{id}/participants/{user_id}/", "/api/conversations/{id}/owner/",
    "/api/messages/", "/api/messages/{id}/", "/api/users/", "/api/users/me/",
    "/api/users/{user_id}/", "/api/token/", "/api/token/refresh/", "/api/token/logout/",
]
SCHEMATHESIS_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "8"))


class SchemaDocumentTests(SimpleTestCase):
    def setUp(self):
        self.schema = SchemaGenerator().get_schema(request=None, public=True)

    def test_document_validates_against_openapi_3(self):
        validate_schema(self.schema)

    def test_every_endpoint_is_documented_with_its_errors(self):
        for path in EXPECTED_PATHS:
            self.assertIn(path, list(self.schema["paths"]))
        for path, item in self.schema["paths"].items():
            for method, operation in item.items():
                with self.subTest(path=path, method=method):
                    for code in ("400", "401", "403", "404", "429"):
                        self.assertIn(code, operation["responses"])


    def test_every_operation_has_a_summary(self):
        missing = [f"{method.upper()} {path}" for path, item in self.schema["paths"].items()
                   for method, operation in item.items() if not operation.get("summary")]
        self.assertEqual(missing, [], "operations without a summary")

    def test_owner_only_operations_document_not_owner(self):
        paths = self.schema["paths"]
        for path, method in (("/api/conversations/{id}/", "delete"),
                             ("/api/conversations/{id}/participants/{user_id}/", "delete"),
                             ("/api/conversations/{id}/owner/", "post")):
            with self.subTest(path=path, method=method):
                self.assertIn("not_owner", paths[path][method]["responses"]["403"]["description"])
        for method in ("get", "patch", "put"):
            self.assertNotIn("not_owner", paths["/api/conversations/{id}/"][method][
                "responses"]["403"]["description"])
        owner = paths["/api/conversations/"]["get"]["responses"]["200"]
        reference = owner["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
        page = self.schema["components"]["schemas"][reference]
        item = page["properties"]["results"]["items"]["$ref"].split("/")[-1]
        field = self.schema["components"]["schemas"][item]["properties"]["owner"]
        self.assertEqual((field["format"], field["nullable"], field["readOnly"]),
                         ("uuid", True, True))

    def test_last_message_documents_when_it_was_deleted(self):
        field = self.schema["components"]["schemas"]["LastMessage"]["properties"]["deleted_at"]
        self.assertEqual((field["type"], field["format"], field["nullable"]),
                         ("string", "date-time", True))
        self.assertIn("deleted", field["description"])


class DocumentationPageTests(SimpleTestCase):
    def test_redoc_and_swagger_pages_load_the_schema(self):
        for url in ("/api/redoc/", "/api/docs/"):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                self.assertIn(b"/api/schema/", response.content)
        self.assertIn(b"redoc", self.client.get("/api/redoc/").content.lower())


@tag("slow")
class SchemathesisLiveTests(LiveServerTestCase):
    """Property-based requests against a live server, authenticated as a user
    who owns a conversation: no 5xx, no status or body outside the schema."""

    def test_no_server_errors_or_schema_violations(self):
        executable = shutil.which("st", path=str(Path(sys.executable).parent))
        if executable is None:
            self.skipTest("schemathesis is not installed (pip install -r requirements.txt)")
        alice, bob = make_user("alice"), make_user("bob")
        conversation = make_conversation(alice, bob)
        make_message(conversation, alice, "hello")
        token = jwt_client(alice)._credentials["HTTP_AUTHORIZATION"]
        command = [
            executable, "run", f"{self.live_server_url}/api/schema/",
            "--header", f"Authorization: {token}",
            "--checks", "not_a_server_error,status_code_conformance,"
                        "content_type_conformance,response_schema_conformance",
            "--max-examples", str(SCHEMATHESIS_EXAMPLES),
            "--phases", "examples,fuzzing",
            "--workers", "1", "--seed", "20240601", "--no-color",
            "--generation-database", "none", "--request-timeout", "20",
            # The test server may close an idle keep-alive connection just as
            # the next request goes out; retry such network-level failures.
            "--request-retries", "3",
            "--suppress-health-check", "all",
        ]
        # A scratch working directory: schemathesis keeps a cache of earlier
        # runs in ./.schemathesis, which would make runs depend on each other.
        with tempfile.TemporaryDirectory() as scratch:
            result = subprocess.run(command, capture_output=True, text=True, timeout=600,
                                    cwd=scratch, env={**os.environ, "SCHEMATHESIS_HOOKS": ""})
        self.assertEqual(result.returncode, 0, result.stdout[-8000:] + result.stderr[-2000:])
        self.assertRegex(result.stdout, r"Tested: [1-9]")


class SwaggerUiTests(SimpleTestCase):
    def test_docs_page_uses_bundled_assets(self):
        response = self.client.get("/api/docs/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "swagger-ui-dist/swagger-ui-bundle.js")
        self.assertNotContains(response, "cdn.jsdelivr.net")
