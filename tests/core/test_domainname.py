"""Domain names and relay hosts: only real DNS host names, IPv4 addresses and `_` names pass."""

from __future__ import annotations

import pytest

from chatmail_site.core.domainname import (
    InvalidDomain,
    is_self_signed_host,
    normalize_domain,
    normalize_relay_host,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Chat.Example.ORG", "chat.example.org"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("a-b.c0.example", "a-b.c0.example"),
    ],
)
def test_a_domain_becomes_its_lower_case_ascii_form(text: str, expected: str) -> None:
    assert normalize_domain(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "the domain is empty"),
        (" chat.example.org", "has spaces around it"),
        ("localhost", "needs at least two labels"),
        ("-chat.example.org", "inner hyphens"),
        ("chat..example.org", "not a valid domain name"),
        ("chat.example.org;evil", "inner hyphens"),
        ("chat.example.org/x", "inner hyphens"),
        ("203.0.113.7", "looks like an IP address"),
        (("a" * 60 + ".") * 5 + "org", "longer than 253 characters"),
    ],
)
def test_what_is_not_a_host_name_is_refused_saying_why(text: str, reason: str) -> None:
    with pytest.raises(InvalidDomain, match=reason):
        normalize_domain(text)


def test_a_relay_may_be_named_by_an_ipv4_address_or_a_leading_underscore() -> None:
    assert normalize_relay_host("203.0.113.7") == "203.0.113.7"
    assert normalize_relay_host("_Test.Example.org") == "_test.example.org"
    assert normalize_relay_host("Chat.Example.org") == "chat.example.org"


@pytest.mark.parametrize("text", ["_", "_bad..name", "_x.example.org;", " 203.0.113.7", "203.0.113.256"])
def test_a_relay_host_that_is_neither_is_refused(text: str) -> None:
    with pytest.raises(InvalidDomain):
        normalize_relay_host(text)


@pytest.mark.parametrize(
    ("host", "self_signed"),
    [("_test.example.org", True), ("203.0.113.7", True), ("chat.example.org", False)],
)
def test_hosts_without_a_domain_name_get_a_self_signed_certificate(host: str, self_signed: bool) -> None:
    assert is_self_signed_host(host) is self_signed
