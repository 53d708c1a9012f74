#!/usr/bin/env python3
"""GitHub REST API payloads for the google organisation, used by the tests.

``TEST_PAYLOAD`` holds one 4-tuple ``(org_payload, repos_payload,
expected_repos, apache2_repos)``.  ``org_payload`` mimics the answer of
``GET /orgs/google`` (login, id, every ``*_url``, counts, dates) and
``repos_payload`` the answer of ``GET /orgs/google/repos``: one full
repository object per repository, with the fields, URL templates and license
objects GitHub returns.  Counts, ids, dates and descriptions are made up for
these tests; the derived fields (``node_id``, every ``*_url``) are computed
the way GitHub builds them.
"""
import base64
from typing import Any, Dict, Optional, Tuple

__all__ = ["TEST_PAYLOAD", "org_payload", "repos_payload",
           "expected_repos", "apache2_repos"]

API = "https://api.github.com"
WEB = "https://github.com"
ORG_LOGIN = "google"
ORG_ID = 1342004

# GitHub's license objects: (numeric id behind node_id, name, spdx_id).
LICENSES = {
    "apache-2.0": (2, "Apache License 2.0", "Apache-2.0"),
    "bsd-3-clause": (5, 'BSD 3-Clause "New" or "Revised" License',
                     "BSD-3-Clause"),
    "bsl-1.0": (28, "Boost Software License 1.0", "BSL-1.0"),
    "other": (0, "Other", "NOASSERTION"),
}

# One row per repository, in the order GitHub lists them:
# (id, name, license key, language, fork, created_at, updated_at,
#  pushed_at, size in KB, stars, forks, open issues, homepage, description)
REPOS = [
    (7697149, "episodes.dart", "bsd-3-clause", "Dart", False,
     "2013-01-18T09:41:27Z", "2019-08-02T11:05:44Z", "2014-10-21T17:12:03Z",
     1051, 12, 20, 1, None,
     "A framework for timing performance of web apps."),
    (7776515, "cpp-netlib", "bsl-1.0", "C++", True,
     "2013-01-23T14:45:32Z", "2019-11-15T02:26:31Z", "2018-12-05T17:42:29Z",
     8937, 292, 59, 0, "http://cpp-netlib.github.com",
     "The C++ Network Library project: portable HTTP client and server "
     "pieces for C++."),
    (7968417, "dagger", "apache-2.0", "Java", True,
     "2013-02-01T23:14:14Z", "2019-12-03T12:39:55Z", "2019-11-27T21:20:38Z",
     61719, 9928, 1767, 405, "https://dagger.dev",
     "A fast dependency injector for Android and Java."),
    (8165161, "ios-webkit-debug-proxy", "other", "C", False,
     "2013-02-12T19:08:19Z", "2019-12-04T02:06:43Z", "2019-11-24T07:02:13Z",
     680, 4630, 424, 12, "",
     "A DevTools proxy (Chrome Remote Debugging Protocol) for iOS "
     "devices (Safari Remote Web Inspector)."),
    (8459994, "google.github.io", None, None, False,
     "2013-02-27T16:21:19Z", "2019-11-26T18:59:30Z", "2019-11-26T18:59:29Z",
     4, 38, 52, 0, "", None),
    (8566972, "kratu", "apache-2.0", "JavaScript", False,
     "2013-03-04T22:52:33Z", "2019-11-15T22:22:16Z", "2017-08-21T16:43:20Z",
     1777, 31, 20, 0, "",
     "A modular, browser-based reporting tool for exploring and "
     "scoring data."),
    (8858648, "build-debian-cloud", "other", "Python", False,
     "2013-03-18T17:39:26Z", "2019-09-23T11:54:00Z", "2014-06-17T18:42:55Z",
     986, 40, 30, 4, "",
     "Scripts that build Debian images for cloud platforms."),
    (9060347, "traceur-compiler", "apache-2.0", "JavaScript", False,
     "2013-03-27T18:05:40Z", "2019-12-05T01:20:52Z", "2019-11-27T13:48:03Z",
     11320, 8111, 597, 315, "",
     "Traceur is a JavaScript.next-to-JavaScript-of-today compiler."),
    (9065917, "firmata.py", "apache-2.0", "Python", False,
     "2013-03-27T23:20:35Z", "2019-09-23T11:54:02Z", "2013-03-27T23:21:48Z",
     160, 15, 16, 0, None,
     "A Python client for the Firmata protocol."),
]


def _node_id(kind: str, number: int) -> str:
    """Return GitHub's legacy global node id for a kind and numeric id."""
    raw = "0{}:{}{}".format(len(kind), kind, number).encode("ascii")
    return base64.b64encode(raw).decode("ascii")


def _license(key: Optional[str]) -> Optional[Dict[str, Any]]:
    """Return GitHub's license object for key, or None for no license."""
    if key is None:
        return None
    number, name, spdx_id = LICENSES[key]
    return {
        "key": key,
        "name": name,
        "spdx_id": spdx_id,
        "url": None if key == "other" else "{}/licenses/{}".format(API, key),
        "node_id": _node_id("License", number),
    }


def _owner() -> Dict[str, Any]:
    """Return the owner object GitHub embeds in each google repository."""
    url = "{}/users/{}".format(API, ORG_LOGIN)
    return {
        "login": ORG_LOGIN,
        "id": ORG_ID,
        "node_id": _node_id("Organization", ORG_ID),
        "avatar_url": "https://avatars.githubusercontent.com/u/{}?v=4"
                      .format(ORG_ID),
        "gravatar_id": "",
        "url": url,
        "html_url": "{}/{}".format(WEB, ORG_LOGIN),
        "followers_url": url + "/followers",
        "following_url": url + "/following{/other_user}",
        "gists_url": url + "/gists{/gist_id}",
        "starred_url": url + "/starred{/owner}{/repo}",
        "subscriptions_url": url + "/subscriptions",
        "organizations_url": url + "/orgs",
        "repos_url": url + "/repos",
        "events_url": url + "/events{/privacy}",
        "received_events_url": url + "/received_events",
        "type": "Organization",
        "site_admin": False,
    }


def _organisation() -> Dict[str, Any]:
    """Return the organisation object GitHub answers for the google org."""
    url = "{}/orgs/{}".format(API, ORG_LOGIN)
    return {
        "login": ORG_LOGIN,
        "id": ORG_ID,
        "node_id": _node_id("Organization", ORG_ID),
        "url": url,
        "repos_url": url + "/repos",
        "events_url": url + "/events",
        "hooks_url": url + "/hooks",
        "issues_url": url + "/issues",
        "members_url": url + "/members{/member}",
        "public_members_url": url + "/public_members{/member}",
        "avatar_url": "https://avatars.githubusercontent.com/u/{}?v=4"
                      .format(ORG_ID),
        "description": "Google's open source projects.",
        "name": "Google",
        "company": None,
        "blog": "https://opensource.google/",
        "location": None,
        "email": None,
        "twitter_username": None,
        "is_verified": True,
        "has_organization_projects": True,
        "has_repository_projects": True,
        # One page of repositories: the nine in repos_payload.
        "public_repos": len(REPOS),
        "public_gists": 0,
        "followers": 41000,
        "following": 0,
        "html_url": "{}/{}".format(WEB, ORG_LOGIN),
        "created_at": "2012-01-18T01:30:18Z",
        "updated_at": "2019-12-05T01:20:52Z",
        "archived_at": None,
        "type": "Organization",
    }


def _repo(row: Tuple) -> Dict[str, Any]:
    """Return the repository object GitHub lists for one REPOS row."""
    (number, name, license_key, language, fork, created_at, updated_at,
     pushed_at, size, stars, forks, open_issues, homepage,
     description) = row
    full_name = "{}/{}".format(ORG_LOGIN, name)
    url = "{}/repos/{}".format(API, full_name)
    html_url = "{}/{}".format(WEB, full_name)
    repo = {
        "id": number,
        "node_id": _node_id("Repository", number),
        "name": name,
        "full_name": full_name,
        "private": False,
        "owner": _owner(),
        "html_url": html_url,
        "description": description,
        "fork": fork,
        "url": url,
    }
    for field, suffix in (
            ("forks_url", "/forks"), ("keys_url", "/keys{/key_id}"),
            ("collaborators_url", "/collaborators{/collaborator}"),
            ("teams_url", "/teams"), ("hooks_url", "/hooks"),
            ("issue_events_url", "/issues/events{/number}"),
            ("events_url", "/events"),
            ("assignees_url", "/assignees{/user}"),
            ("branches_url", "/branches{/branch}"),
            ("tags_url", "/tags"), ("blobs_url", "/git/blobs{/sha}"),
            ("git_tags_url", "/git/tags{/sha}"),
            ("git_refs_url", "/git/refs{/sha}"),
            ("trees_url", "/git/trees{/sha}"),
            ("statuses_url", "/statuses/{sha}"),
            ("languages_url", "/languages"),
            ("stargazers_url", "/stargazers"),
            ("contributors_url", "/contributors"),
            ("subscribers_url", "/subscribers"),
            ("subscription_url", "/subscription"),
            ("commits_url", "/commits{/sha}"),
            ("git_commits_url", "/git/commits{/sha}"),
            ("comments_url", "/comments{/number}"),
            ("issue_comment_url", "/issues/comments{/number}"),
            ("contents_url", "/contents/{+path}"),
            ("compare_url", "/compare/{base}...{head}"),
            ("merges_url", "/merges"),
            ("archive_url", "/{archive_format}{/ref}"),
            ("downloads_url", "/downloads"),
            ("issues_url", "/issues{/number}"),
            ("pulls_url", "/pulls{/number}"),
            ("milestones_url", "/milestones{/number}"),
            ("notifications_url",
             "/notifications{?since,all,participating}"),
            ("labels_url", "/labels{/name}"),
            ("releases_url", "/releases{/id}"),
            ("deployments_url", "/deployments")):
        repo[field] = url + suffix
    repo.update({
        "created_at": created_at,
        "updated_at": updated_at,
        "pushed_at": pushed_at,
        "git_url": "git://github.com/{}.git".format(full_name),
        "ssh_url": "git@github.com:{}.git".format(full_name),
        "clone_url": html_url + ".git",
        "svn_url": html_url,
        "homepage": homepage,
        "size": size,
        "stargazers_count": stars,
        "watchers_count": stars,
        "language": language,
        "has_issues": True,
        "has_projects": True,
        "has_downloads": True,
        "has_wiki": True,
        "has_pages": name == "google.github.io",
        "has_discussions": False,
        "forks_count": forks,
        "mirror_url": None,
        "archived": False,
        "disabled": False,
        "open_issues_count": open_issues,
        "license": _license(license_key),
        "allow_forking": True,
        "is_template": False,
        "web_commit_signoff_required": False,
        "topics": [],
        "visibility": "public",
        "forks": forks,
        "open_issues": open_issues,
        "watchers": stars,
        "default_branch": "master",
        "permissions": {"admin": False, "maintain": False, "push": False,
                        "triage": False, "pull": True},
    })
    return repo


TEST_PAYLOAD = [
    (
        _organisation(),
        [_repo(row) for row in REPOS],
        [row[1] for row in REPOS],
        ["dagger", "kratu", "traceur-compiler", "firmata.py"],
    ),
]

# (compat) Module-level names some existing test files import directly.
org_payload, repos_payload, expected_repos, apache2_repos = TEST_PAYLOAD[0]
