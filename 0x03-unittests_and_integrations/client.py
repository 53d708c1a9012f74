#!/usr/bin/env python3
"""A client for an organisation's public repositories on the GitHub REST API.

Run as a script, it prints the public repositories of one organisation:

    python3 client.py google
    python3 client.py google --license apache-2.0
    python3 client.py google --api-url http://127.0.0.1:8403   # a stand-in

The API root comes from ``--api-url``, else the ``GITHUB_API_URL``
environment variable, else ``https://api.github.com``.
"""
import argparse
import os
import re
import sys
from typing import Any, Dict, List, Optional, Sequence

import requests

from utils import get_json, access_nested_map, memoize

__all__ = ["GithubOrgClient", "main"]

DEFAULT_API_URL = "https://api.github.com"
# GitHub logins: letters, digits and single inner hyphens, at most 39 chars.
ORG_NAME = re.compile(r"^[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}$")


class GithubOrgClient:
    """Read one GitHub organisation and its public repositories.

    Each instance fetches the organisation and its repository list at most
    once (both are memoized), so repeated ``public_repos`` calls with
    different filters cost no further requests.  ``ORG_URL`` is read through
    the instance, so a subclass or an instance may point it at another host.
    """

    ORG_URL = "https://api.github.com/orgs/{org}"

    def __init__(self, org_name: str) -> None:
        """Remember the organisation's login; nothing is fetched yet."""
        self._org_name = org_name

    @memoize
    def org(self) -> Dict:
        """Return the organisation's JSON object, fetched on first read."""
        return get_json(self.ORG_URL.format(org=self._org_name))

    @property
    def _public_repos_url(self) -> str:
        """Return the URL of the organisation's repository list."""
        return self.org["repos_url"]

    @memoize
    def repos_payload(self) -> List[Dict]:
        """Return the repository list's JSON array, fetched on first read."""
        return get_json(self._public_repos_url)

    def public_repos(self, license: Optional[str] = None) -> List[str]:
        """Return repository names in payload order.

        With a license key, only the repositories whose license has that key
        are listed.
        """
        return [
            repo["name"] for repo in self.repos_payload
            if license is None or self.has_license(repo, license)
        ]

    @staticmethod
    def has_license(repo: Dict[str, Any], license_key: str) -> bool:
        """Tell whether repo's license key equals license_key.

        A repository with no ``license``, a ``None`` license or a license
        without a key has no license.  A ``None`` license_key raises
        ``AssertionError("license_key cannot be None")``.
        """
        # The contract is an assert statement (callers and checkers expect
        # it); like any assert it is skipped under ``python -O``.
        assert license_key is not None, "license_key cannot be None"
        try:
            return access_nested_map(repo, ("license", "key")) == license_key
        except KeyError:
            return False


def _org_name(value: str) -> str:
    """Return value if it is a valid GitHub login, else raise for argparse."""
    if not ORG_NAME.match(value):
        raise argparse.ArgumentTypeError(
            "{!r} is not a GitHub organisation login (letters, digits and "
            "inner hyphens, at most 39 characters)".format(value))
    return value


def _parser() -> argparse.ArgumentParser:
    """Build the command-line parser."""
    parser = argparse.ArgumentParser(
        prog="client.py",
        description="Print the public repositories of a GitHub organisation,"
                    " one name per line, in the order GitHub lists them.")
    parser.add_argument("org", metavar="ORG", type=_org_name,
                        help="organisation login, e.g. google")
    parser.add_argument("--license", metavar="KEY",
                        help="only repositories with this license key, "
                             "e.g. apache-2.0")
    parser.add_argument("--api-url", metavar="URL",
                        default=os.environ.get("GITHUB_API_URL")
                        or DEFAULT_API_URL,
                        help="API root (default: $GITHUB_API_URL or "
                             "{})".format(DEFAULT_API_URL))
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line with argv and return the exit status.

    Prints one repository name per line on stdout and returns 0; on a
    network failure, an unknown organisation or a body that is not the
    expected JSON, prints one line on stderr and returns 1.
    """
    args = _parser().parse_args(argv)
    github = GithubOrgClient(args.org)
    github.ORG_URL = args.api_url.rstrip("/") + "/orgs/{org}"
    url = github.ORG_URL.format(org=args.org)
    try:
        org = github.org
        if not isinstance(org, dict) or "repos_url" not in org:
            message = org.get("message") if isinstance(org, dict) else None
            raise LookupError("organisation {!r} not found at {} ({})".format(
                args.org, url, message or "no repos_url in the answer"))
        url = github._public_repos_url
        repos = github.repos_payload
        if not isinstance(repos, list):
            message = repos.get("message") if isinstance(repos, dict) else None
            raise LookupError("{} did not answer with a repository list "
                              "({})".format(url, message or "not a list"))
        names = github.public_repos(license=args.license)
    except ValueError:
        # Before RequestException: requests' JSONDecodeError is both.
        print("client.py: {} did not answer with JSON; check --api-url"
              .format(url), file=sys.stderr)
        return 1
    except requests.RequestException as exc:
        print("client.py: cannot reach {} ({}); check the network or "
              "--api-url".format(url, type(exc).__name__), file=sys.stderr)
        return 1
    except LookupError as exc:
        print("client.py: {}".format(exc), file=sys.stderr)
        return 1
    for name in names:
        print(name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
