"""The chat page as Django serves it: status, headers, static files, and the
rules its JavaScript keeps (no markup from strings, every import resolves)."""
import re
import uuid
from html.parser import HTMLParser
from pathlib import Path

from django.contrib.staticfiles import finders
from django.test import SimpleTestCase
from django.urls import reverse

STATIC = Path(__file__).resolve().parents[1] / "static" / "webchat"
IMPORT = re.compile(r'^import\s*\{([^}]*)\}\s*from\s*"(\./[\w./-]+)";', re.M)
EXPORT = re.compile(r"^export\s+(?:class|function|const|let|async function)\s+(\w+)", re.M)


class PageParser(HTMLParser):
    """Collects the static references and anything inline."""

    def __init__(self):
        super().__init__()
        self.references = []
        self.inline_scripts = 0
        self.inline_handlers = []
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in attrs:
            if name.startswith("on") or name == "style":
                self.inline_handlers.append((tag, name))
        if tag == "script":
            if attrs.get("src"):
                self.references.append(attrs["src"])
            else:
                self.in_script = True
        if tag == "link" and attrs.get("href"):
            self.references.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_script = False

    def handle_data(self, data):
        if self.in_script and data.strip():
            self.inline_scripts += 1


class ChatPageTests(SimpleTestCase):
    def get_page(self, path="/"):
        response = self.client.get(path)
        self.assertEqual(response.status_code, 200)
        return response

    def test_root_serves_the_page_as_html(self):
        response = self.get_page(reverse("webchat:home"))
        self.assertEqual(response["Content-Type"], "text/html; charset=utf-8")
        self.assertContains(response, 'id="signin-form"')
        self.assertEqual(response["Cache-Control"], "no-cache")

    def test_conversation_addresses_serve_the_same_page(self):
        conversation = uuid.uuid4()
        response = self.get_page(f"/c/{conversation}/")
        self.assertContains(response, 'id="conversation"')

    def test_a_malformed_conversation_address_is_404(self):
        self.assertEqual(self.client.get("/c/not-a-uuid/").status_code, 404)

    def test_only_safe_methods_are_allowed(self):
        self.assertEqual(self.client.post("/").status_code, 405)
        self.assertEqual(self.client.head("/").status_code, 200)

    def test_content_security_policy_allows_this_origin_only(self):
        policy = self.get_page()["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
        self.assertEqual(directives["default-src"], "'none'")
        self.assertEqual(directives["script-src"], "'self'")
        self.assertEqual(directives["style-src"], "'self'")
        self.assertEqual(directives["connect-src"], "'self' ws://testserver")
        self.assertEqual(directives["frame-ancestors"], "'none'")
        self.assertNotIn("unsafe", policy)

    def test_the_socket_origin_follows_https(self):
        response = self.client.get("/", secure=True)
        self.assertIn("connect-src 'self' wss://testserver", response["Content-Security-Policy"])

    def test_every_static_reference_resolves(self):
        parser = PageParser()
        parser.feed(self.get_page().content.decode())
        self.assertEqual(len(parser.references), 3, parser.references)  # icon, CSS, main.js
        types = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}
        for reference in parser.references:
            with self.subTest(reference=reference):
                self.assertTrue(reference.startswith("/static/webchat/"), reference)
                response = self.client.get(reference)
                self.assertEqual(response.status_code, 200)
                self.assertTrue(response["Content-Type"].startswith(types[Path(reference).suffix]))
                response.close()

    def test_the_page_has_no_inline_script_style_or_handlers(self):
        parser = PageParser()
        parser.feed(self.get_page().content.decode())
        self.assertEqual(parser.inline_scripts, 0)
        self.assertEqual(parser.inline_handlers, [])


class ModuleTests(SimpleTestCase):
    """Static checks of the JavaScript modules (no browser needed)."""

    modules = sorted((STATIC / "js").glob("*.js"))

    def test_every_import_names_an_export_of_a_bundled_module(self):
        self.assertGreater(len(self.modules), 5)
        for module in self.modules:
            for names, target in IMPORT.findall(module.read_text()):
                with self.subTest(module=module.name, target=target):
                    path = (module.parent / target).resolve()
                    relative = path.relative_to(STATIC.parent).as_posix()
                    self.assertIsNotNone(finders.find(relative), relative)
                    exported = set(EXPORT.findall(path.read_text()))
                    wanted = {name.strip() for name in names.split(",") if name.strip()}
                    self.assertLessEqual(wanted, exported)

    def test_no_module_imports_from_elsewhere(self):
        for module in self.modules:
            for line in module.read_text().splitlines():
                if line.startswith("import"):
                    with self.subTest(module=module.name, line=line):
                        self.assertRegex(line, r'from "\./[\w-]+\.js";$')

    def test_no_module_turns_strings_into_markup(self):
        forbidden = re.compile(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|"
                               r"\beval\(|new Function|createContextualFragment")
        for module in self.modules:
            with self.subTest(module=module.name):
                self.assertIsNone(forbidden.search(module.read_text()))

    def test_every_module_stays_under_250_lines(self):
        for module in self.modules:
            with self.subTest(module=module.name):
                self.assertLessEqual(len(module.read_text().splitlines()), 250)

    def test_only_api_js_knows_the_api_urls(self):
        url = re.compile(r"""["'`]/api/""")
        for module in self.modules:
            if module.name != "api.js":
                with self.subTest(module=module.name):
                    self.assertIsNone(url.search(module.read_text()))

    def test_errors_become_text_in_errors_js_only(self):
        for module in self.modules:
            if module.name != "errors.js":
                with self.subTest(module=module.name):
                    self.assertNotIn(".summary", module.read_text())
