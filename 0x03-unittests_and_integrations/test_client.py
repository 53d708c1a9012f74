#!/usr/bin/env python3
"""Tests for client.GithubOrgClient and its command line.

Three levels: unit tests with ``client.get_json`` patched; integration tests
with only ``requests.get`` patched, answering by URL from the fixtures; and
integration tests with no mocks at all, over a real HTTP server on
127.0.0.1 (``fake_github.FakeGitHub``) that serves the same fixtures.
"""
import contextlib
import io
import os
import runpy
import socket
import sys
import unittest
from typing import Any, Callable, Dict, List, Tuple
from unittest.mock import Mock, PropertyMock, patch

import requests
from parameterized import parameterized, parameterized_class

import client
from client import GithubOrgClient
from fake_github import FakeGitHub, routes_for
from fixtures import TEST_PAYLOAD

ORG_PAYLOAD, REPOS_PAYLOAD, EXPECTED_REPOS, APACHE2_REPOS = TEST_PAYLOAD[0]
# What each TEST_PAYLOAD tuple holds, in order: the class attributes that
# @parameterized_class sets on the integration test classes.
PAYLOAD_NAMES = ("org_payload", "repos_payload", "expected_repos",
                 "apache2_repos")
GOOGLE_ORG_URL = "https://api.github.com/orgs/google"
GOOGLE_REPOS_URL = "https://api.github.com/orgs/google/repos"
# A proxy set in the environment (http_proxy) would otherwise carry the
# loopback requests off the machine; requests reads no_proxy first.
LOOPBACK_ONLY = patch.dict(os.environ, {"no_proxy": "127.0.0.1",
                                        "NO_PROXY": "127.0.0.1"})


def setUpModule() -> None:
    """Send requests to 127.0.0.1 directly, whatever proxy is configured."""
    LOOPBACK_ONLY.start()


def tearDownModule() -> None:
    """Restore the proxy settings."""
    LOOPBACK_ONLY.stop()


class TestGithubOrgClient(unittest.TestCase):
    """Unit tests for GithubOrgClient, with get_json patched."""

    @parameterized.expand([
        ("google",),
        ("abc",),
    ])
    @patch("client.get_json")
    def test_org(self, org_name: str, mock_get_json: Mock) -> None:
        """org fetches the organisation URL once and returns its JSON."""
        payload = {"login": org_name, "repos_url": "http://x.test/repos"}
        mock_get_json.return_value = payload
        github = GithubOrgClient(org_name)
        self.assertEqual(github.org, payload)
        self.assertEqual(github.org, payload)
        mock_get_json.assert_called_once_with(
            "https://api.github.com/orgs/{}".format(org_name))

    def test_public_repos_url(self) -> None:
        """_public_repos_url is the repos_url of the organisation."""
        with patch.object(GithubOrgClient, "org",
                          new_callable=PropertyMock) as mock_org:
            mock_org.return_value = ORG_PAYLOAD
            self.assertEqual(GithubOrgClient("google")._public_repos_url,
                             GOOGLE_REPOS_URL)
            mock_org.assert_called_once_with()

    @patch("client.get_json")
    def test_public_repos(self, mock_get_json: Mock) -> None:
        """public_repos lists every name in payload order."""
        mock_get_json.return_value = REPOS_PAYLOAD
        with patch.object(GithubOrgClient, "_public_repos_url",
                          new_callable=PropertyMock,
                          return_value=GOOGLE_REPOS_URL) as mock_url:
            self.assertEqual(GithubOrgClient("google").public_repos(),
                             EXPECTED_REPOS)
            mock_url.assert_called_once_with()
        mock_get_json.assert_called_once_with(GOOGLE_REPOS_URL)

    @parameterized.expand([
        ({"license": {"key": "my_license"}}, "my_license", True),
        ({"license": {"key": "other_license"}}, "my_license", False),
    ])
    def test_has_license(self, repo: Dict, license_key: str,
                         expected: bool) -> None:
        """has_license compares the repository's license key."""
        self.assertIs(GithubOrgClient.has_license(repo, license_key),
                      expected)

    @parameterized.expand([
        ("license_none", {"name": "x", "license": None}),
        ("no_license_field", {"name": "x"}),
        ("license_without_key", {"license": {"name": "Other"}}),
    ])
    def test_has_license_is_false_without_a_license_key(self, _name: str,
                                                        repo: Dict) -> None:
        """A repository without a license key has no license."""
        self.assertIs(GithubOrgClient.has_license(repo, "my_license"), False)

    def test_has_license_rejects_a_none_key(self) -> None:
        """A None license key raises AssertionError with the message."""
        with self.assertRaises(AssertionError) as caught:
            GithubOrgClient.has_license({"license": None}, None)
        self.assertEqual(str(caught.exception),
                         "license_key cannot be None")

    def test_has_license_is_a_staticmethod(self) -> None:
        """has_license is callable on the class and on an instance."""
        self.assertIsInstance(GithubOrgClient.__dict__["has_license"],
                              staticmethod)
        repo = {"license": {"key": "mit"}}
        self.assertTrue(GithubOrgClient("x").has_license(repo, "mit"))

    @patch("client.get_json", return_value=REPOS_PAYLOAD)
    def test_public_repos_filters_by_license_in_payload_order(
            self, mock_get_json: Mock) -> None:
        """public_repos(license=key) keeps matching names in order."""
        github = GithubOrgClient("google")
        github._org = ORG_PAYLOAD
        self.assertEqual(github.public_repos(license="apache-2.0"),
                         APACHE2_REPOS)
        self.assertEqual(github.public_repos(license="bsl-1.0"),
                         ["cpp-netlib"])
        self.assertEqual(github.public_repos(license="other"),
                         ["ios-webkit-debug-proxy", "build-debian-cloud"])
        self.assertEqual(github.public_repos(license="mit"), [])
        self.assertEqual(github.public_repos(), EXPECTED_REPOS)
        mock_get_json.assert_called_once_with(GOOGLE_REPOS_URL)

    @patch("client.get_json")
    def test_fetches_org_then_repos_once_each(self, mock_get_json: Mock
                                              ) -> None:
        """One client makes two requests at most, org first."""
        answers = {GOOGLE_ORG_URL: ORG_PAYLOAD,
                   GOOGLE_REPOS_URL: REPOS_PAYLOAD}
        mock_get_json.side_effect = answers.__getitem__
        github = GithubOrgClient("google")
        for _ in range(3):
            github.public_repos()
            github.public_repos("apache-2.0")
        self.assertEqual([c[0] for c in mock_get_json.call_args_list],
                         [(GOOGLE_ORG_URL,), (GOOGLE_REPOS_URL,)])
        self.assertIs(github.repos_payload, REPOS_PAYLOAD)

    @patch("client.get_json", return_value={"message": "Not Found"})
    def test_public_repos_url_names_the_missing_field(self, _mock: Mock
                                                      ) -> None:
        """An organisation without repos_url raises KeyError('repos_url')."""
        with self.assertRaises(KeyError) as caught:
            _ = GithubOrgClient("nope")._public_repos_url
        self.assertEqual(caught.exception.args, ("repos_url",))

    @patch("client.get_json", return_value={})
    def test_org_url_keeps_the_login_and_follows_org_url(self, mock_get_json:
                                                         Mock) -> None:
        """The login goes in as given; ORG_URL may be overridden."""
        _ = GithubOrgClient("GoogleCloudPlatform").org
        mock_get_json.assert_called_with(
            "https://api.github.com/orgs/GoogleCloudPlatform")

        class Enterprise(GithubOrgClient):
            """A client for a GitHub Enterprise host."""

            ORG_URL = "https://ghe.example/api/v3/orgs/{org}"

        _ = Enterprise("acme").org
        mock_get_json.assert_called_with(
            "https://ghe.example/api/v3/orgs/acme")
        self.assertEqual(GithubOrgClient.ORG_URL,
                         "https://api.github.com/orgs/{org}")


class PayloadAttributes:
    """The attributes @parameterized_class fills from TEST_PAYLOAD."""

    org_payload: Dict = {}
    repos_payload: List[Dict] = []
    expected_repos: List[str] = []
    apache2_repos: List[str] = []


@parameterized_class(PAYLOAD_NAMES, TEST_PAYLOAD)
class TestIntegrationGithubOrgClient(PayloadAttributes, unittest.TestCase):
    """Integration tests: only requests.get is patched, answering by URL."""

    @classmethod
    def setUpClass(cls) -> None:
        """Patch requests.get with a fake that answers the fixture URLs."""
        routes = {
            GOOGLE_ORG_URL: cls.org_payload,
            cls.org_payload["repos_url"]: cls.repos_payload,
        }

        def answer(url: str) -> Mock:
            """Return a response for a known URL; fail loudly otherwise."""
            if url not in routes:
                raise AssertionError("unexpected GET {!r}; the fixtures "
                                     "answer only {}".format(url,
                                                             sorted(routes)))
            return Mock(**{"json.return_value": routes[url]})

        cls.get_patcher = patch("requests.get", side_effect=answer)
        cls.mock_get = cls.get_patcher.start()

    @classmethod
    def tearDownClass(cls) -> None:
        """Restore requests.get."""
        cls.get_patcher.stop()

    def setUp(self) -> None:
        """Forget the requests made by earlier tests."""
        self.mock_get.reset_mock()

    def test_public_repos(self) -> None:
        """public_repos lists the fixture repositories in order."""
        self.assertEqual(GithubOrgClient("google").public_repos(),
                         self.expected_repos)

    def test_public_repos_with_license(self) -> None:
        """public_repos(license='apache-2.0') lists the Apache-2.0 ones."""
        self.assertEqual(
            GithubOrgClient("google").public_repos(license="apache-2.0"),
            self.apache2_repos)

    def test_requests_each_url_once_with_the_url_only(self) -> None:
        """The org URL then repos_url are fetched once, with no keywords."""
        github = GithubOrgClient("google")
        github.public_repos()
        github.public_repos(license="apache-2.0")
        self.assertEqual(self.mock_get.call_args_list,
                         [((GOOGLE_ORG_URL,), {}),
                          ((self.org_payload["repos_url"],), {})])

    def test_client_for_the_payloads_login(self) -> None:
        """A client made from the org payload's login lists its repos."""
        github = GithubOrgClient(self.org_payload["login"])
        self.assertEqual(github.org["login"], self.org_payload["login"])
        self.assertEqual(github.public_repos(), self.expected_repos)

    def test_an_unknown_url_fails_loudly(self) -> None:
        """An organisation the fixtures do not know raises, naming the URL."""
        with self.assertRaises(AssertionError) as caught:
            GithubOrgClient("nope").public_repos()
        self.assertIn("https://api.github.com/orgs/nope",
                      str(caught.exception))


@parameterized_class(PAYLOAD_NAMES, TEST_PAYLOAD)
class TestHTTPIntegrationGithubOrgClient(PayloadAttributes, unittest.TestCase):
    """Integration tests with no mocks: a real HTTP server on 127.0.0.1."""

    @classmethod
    def setUpClass(cls) -> None:
        """Serve the fixtures and make a client class pointed at them."""
        cls.server = FakeGitHub(routes_for(cls.org_payload,
                                           cls.repos_payload)).start()
        cls.client_class = type("LocalGithubOrgClient", (GithubOrgClient,),
                                {"ORG_URL": cls.server.url + "/orgs/{org}"})

    @classmethod
    def tearDownClass(cls) -> None:
        """Stop the server."""
        cls.server.stop()

    def setUp(self) -> None:
        """Forget the paths requested by earlier tests."""
        del self.server.paths[:]

    def test_runs_without_mocks(self) -> None:
        """requests.get is the real function during these tests."""
        self.assertIs(requests.get, requests.api.get)
        self.assertFalse(isinstance(client.get_json, Mock))

    def test_public_repos(self) -> None:
        """public_repos over a socket lists the repositories in order."""
        self.assertEqual(self.client_class("google").public_repos(),
                         self.expected_repos)

    def test_public_repos_with_license(self) -> None:
        """public_repos(license=...) over a socket filters by license."""
        self.assertEqual(
            self.client_class("google").public_repos(license="apache-2.0"),
            self.apache2_repos)

    def test_follows_repos_url_and_requests_each_path_once(self) -> None:
        """The client asks for the org, then its repos_url, once each."""
        github = self.client_class("google")
        self.assertEqual(github._public_repos_url,
                         self.server.url + "/orgs/google/repos")
        github.public_repos()
        github.public_repos(license="apache-2.0")
        self.assertEqual(self.server.paths,
                         ["/orgs/google", "/orgs/google/repos"])

    def test_org_url_set_on_an_instance(self) -> None:
        """Setting ORG_URL on one instance points that client elsewhere."""
        github = GithubOrgClient("google")
        github.ORG_URL = self.server.url + "/orgs/{org}"
        self.assertEqual(github.public_repos(license="apache-2.0"),
                         self.apache2_repos)

    def test_unknown_org_gets_githubs_not_found_body(self) -> None:
        """A 404 body comes back as JSON and has no repos_url."""
        github = self.client_class("nope")
        self.assertEqual(github.org["message"], "Not Found")
        with self.assertRaises(KeyError):
            github.public_repos()


def closed_port_url() -> str:
    """Return an http URL on 127.0.0.1 where nothing is listening."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return "http://127.0.0.1:{}".format(port)


class TestCommandLine(unittest.TestCase):
    """Tests for `python3 client.py ORG [--license KEY]` on a local host."""

    @classmethod
    def setUpClass(cls) -> None:
        """Serve google plus a few broken organisations."""
        routes = routes_for(ORG_PAYLOAD, REPOS_PAYLOAD)
        routes.update({
            "/orgs/limited": {"repos_url": "https://api.github.com/limit"},
            "/limit": {"message": "API rate limit exceeded"},
            "/orgs/listy": ["not", "an", "object"],
            "/orgs/proxied": b"<html><body>502 Bad Gateway</body></html>",
        })
        cls.server = FakeGitHub(routes).start()

    @classmethod
    def tearDownClass(cls) -> None:
        """Stop the server."""
        cls.server.stop()

    def run_main(self, *argv: str) -> Tuple[int, str, str]:
        """Run client.main(argv); return (status, stdout, stderr)."""
        return self.capture(lambda: client.main(list(argv)))

    @staticmethod
    def capture(func: Callable[[], Any]) -> Tuple[Any, str, str]:
        """Call func; return (its result, stdout text, stderr text)."""
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            result = func()
        return result, out.getvalue(), err.getvalue()

    def test_prints_every_repository_one_per_line(self) -> None:
        """The names come out in payload order and the status is 0."""
        status, out, err = self.run_main("google",
                                         "--api-url", self.server.url)
        self.assertEqual((status, out, err),
                         (0, "\n".join(EXPECTED_REPOS) + "\n", ""))

    def test_license_option_filters(self) -> None:
        """--license KEY prints only repositories with that license."""
        status, out, _ = self.run_main("google", "--license", "apache-2.0",
                                       "--api-url", self.server.url + "/")
        self.assertEqual((status, out.splitlines()), (0, APACHE2_REPOS))

    def test_api_url_defaults_to_the_environment(self) -> None:
        """GITHUB_API_URL sets the API root when --api-url is absent."""
        with patch.dict(os.environ, {"GITHUB_API_URL": self.server.url}):
            status, out, _ = self.run_main("google", "--license", "bsl-1.0")
        self.assertEqual((status, out), (0, "cpp-netlib\n"))

    def test_default_api_url_is_github(self) -> None:
        """Without the variable or the option the root is api.github.com."""
        without = {key: value for key, value in os.environ.items()
                   if key != "GITHUB_API_URL"}
        with patch.dict(os.environ, without, clear=True):
            args = client._parser().parse_args(["google"])
        self.assertEqual(args.api_url, "https://api.github.com")

    @parameterized.expand([
        ("unknown_org", "nope", "organisation 'nope' not found",
         "(Not Found)"),
        ("rate_limited", "limited", "did not answer with a repository list",
         "(API rate limit exceeded)"),
        ("org_not_an_object", "listy", "organisation 'listy' not found",
         "(no repos_url in the answer)"),
        ("not_json", "proxied", "did not answer with JSON", "--api-url"),
    ])
    def test_reports_a_bad_answer_on_stderr(self, _name: str, org: str,
                                            cause: str, detail: str) -> None:
        """A bad answer prints one line on stderr and exits with 1."""
        status, out, err = self.run_main(org, "--api-url", self.server.url)
        self.assertEqual((status, out), (1, ""))
        self.assertTrue(err.startswith("client.py: "), err)
        self.assertIn(cause, err)
        self.assertIn(detail, err)
        self.assertEqual(err.count("\n"), 1)

    def test_reports_an_unreachable_host(self) -> None:
        """A refused connection prints the URL tried and exits with 1."""
        url = closed_port_url()
        status, out, err = self.run_main("google", "--api-url", url)
        self.assertEqual((status, out), (1, ""))
        self.assertIn("cannot reach {}/orgs/google (ConnectionError)"
                      .format(url), err)

    @parameterized.expand([
        ("slash", "google/repos"),
        ("dots", ".."),
        ("too_long", "a" * 40),
        ("double_hyphen", "a--b"),
    ])
    def test_rejects_a_name_that_is_not_a_login(self, _name: str,
                                                org: str) -> None:
        """A malformed login is a usage error (status 2), before any GET."""
        with self.assertRaises(SystemExit) as caught:
            self.run_main(org, "--api-url", self.server.url)
        self.assertEqual(caught.exception.code, 2)

    def test_runs_as_a_script(self) -> None:
        """Running client.py as __main__ prints the names and exits 0."""
        argv = ["client.py", "google", "--license", "apache-2.0",
                "--api-url", self.server.url]
        out = io.StringIO()
        with patch.object(sys, "argv", argv), \
                contextlib.redirect_stdout(out), \
                self.assertRaises(SystemExit) as caught:
            runpy.run_path(client.__file__, run_name="__main__")
        self.assertEqual(caught.exception.code, 0)
        self.assertEqual(out.getvalue().splitlines(), APACHE2_REPOS)


if __name__ == "__main__":
    unittest.main()
