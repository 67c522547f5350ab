"""The history feed's short path (server.feed_path) against its FastAPI route, for queries and
headers made up by hypothesis: odd numbers, percent-encoding, repeated and empty keys, huge values,
missing or odd tokens, roles that may not read the feed, Accept-Language variants. The short path
answers a query or leaves it to the route; either way the status and the JSON are the route's (the
same query with a parameter the route ignores, `via=route`, which the short path always declines),
and nothing answers 500."""

from __future__ import annotations

import http.client
import json
import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.server.fixtures import server_fixture  # noqa: F401

TOWNSHIP = "150422100"
VILLAGE = "150422100201"
KEYS = ("after", "limit", "upper", "marks", "marks_after", "marks_scope")
NUMBERS = st.one_of(st.integers(-5, 3000).map(str), st.integers(0, 2**70).map(str), st.just(""),
                    st.sampled_from(["007", "1e3", "%31", "+1", "%201", "1.0", "%D9%A3", "0x10", str(2**62), str(2**62 + 1),
                                     "9" * 18, "9" * 19, "true", "True", "1", "on", "false", "no"]))
TEXTS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20).map(urllib.parse.quote)
PART = st.one_of(
    st.tuples(st.sampled_from(KEYS), st.one_of(NUMBERS, st.sampled_from([VILLAGE, TOWNSHIP, "", "1" * 16]), TEXTS))
    .map(lambda kv: f"{kv[0]}={kv[1]}"),
    st.sampled_from(["", "after", "marks", "%61fter=1", "Marks=true", "after=1=2", "via=x", "&"]),
    st.builds(lambda k, v: f"{k}={v}", TEXTS, TEXTS))
PLAIN = st.fixed_dictionaries({}, optional={
    "after": st.integers(0, 10**18).map(str), "limit": st.integers(0, 2001).map(str),
    "upper": st.integers(0, 10**18).map(str), "marks": st.sampled_from(["true", "false"]),
    "marks_after": st.integers(0, 10**18).map(str), "marks_scope": st.sampled_from(["", VILLAGE, TOWNSHIP, "1504"])})
QUERIES = st.one_of(st.lists(PART, max_size=6).map("&".join),
                    PLAIN.map(lambda query: "&".join(f"{k}={v}" for k, v in query.items())))
LANGUAGES = st.sampled_from([None, "en", "en-US,zh;q=0.5", "zh-CN", "", "*", "fr, en", "EN", "zh;q=0.1, en"])


@pytest.fixture(scope="module")
def users(server) -> dict[str, str]:
    """Tokens of a village cadre (with a change in the feed), the city admin and a department."""
    cadre = server.user_client("village_cadre", VILLAGE)
    return {"cadre": cadre.token, "city": server.user_client("city_admin").token,
            "department": server.user_client("department", "", department="民政局").token}


def _get(server, target: str, headers: list[tuple[str, str]]) -> tuple[int, object]:
    host = urllib.parse.urlsplit(server.api)
    connection = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
    try:
        connection.putrequest("GET", f"{host.path}/history/feed{target}")
        for name, value in headers:
            connection.putheader(name, value)
        connection.endheaders()
        answer = connection.getresponse()
        return answer.status, json.loads(answer.read() or b"null")
    finally:
        connection.close()


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(query=QUERIES, who=st.sampled_from(["cadre", "city", "department", "none", "garbage", "basic", "twice"]),
       language=LANGUAGES, languages=st.booleans())
def test_short_path_and_route_agree(server, users, query, who, language, languages):
    token = users.get(who)
    headers = {"none": [], "garbage": [("Authorization", "Bearer nope")],
               "basic": [("Authorization", f"Basic {users['cadre']}")],
               "twice": [("Authorization", f"Bearer {users['cadre']}"), ("Authorization", "Bearer nope")],
               }.get(who, [("Authorization", f"Bearer {token}")])
    if language is not None:
        headers.append(("Accept-Language", language))
        if languages:
            headers.append(("Accept-Language", "en" if not language.startswith("en") else "zh"))
    fast = _get(server, f"?{query}" if query else "", headers)
    routed = _get(server, f"?{query}&via=route" if query else "?via=route", headers)
    assert fast[0] != 500 and routed[0] != 500, (query, fast, routed)
    assert fast == routed, (query, who, headers, fast, routed)
