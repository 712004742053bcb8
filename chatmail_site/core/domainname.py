"""Domain names as they may appear in a relay's config and in the emitted nginx config.

A relay's domain ends up inside nginx directives and invite URIs, so only a real DNS host
name may pass: letters, digits and hyphens in dot-separated labels, after IDNA encoding.
"""

from __future__ import annotations

import ipaddress
import re

_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_MAX_LENGTH = 253


class InvalidDomain(ValueError):
    """The text is not a DNS host name; the message says why in plain words."""


def normalize_domain(text: str) -> str:
    """Return the lower-case ASCII (IDNA) form of a host name, or raise InvalidDomain."""
    candidate = text.strip()
    if not candidate:
        raise InvalidDomain("the domain is empty")
    if candidate != text:
        raise InvalidDomain(f"`{text}` has spaces around it")
    try:
        ascii_form = candidate.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise InvalidDomain(f"`{text}` is not a valid domain name") from None
    labels = ascii_form.split(".")
    if len(labels) < 2:
        raise InvalidDomain(f"`{text}` needs at least two labels, like `example.org`")
    if len(ascii_form) > _MAX_LENGTH:
        raise InvalidDomain(f"`{text}` is longer than {_MAX_LENGTH} characters")
    for label in labels:
        if not _LABEL.match(label):
            raise InvalidDomain(
                f"`{text}` is not a valid domain name: each dot-separated part may hold only "
                "letters, digits and inner hyphens"
            )
    if labels[-1].isdigit():
        # An IP address is not a domain: invites and TLS certificates need a name.
        raise InvalidDomain(f"`{text}` looks like an IP address, not a domain name")
    return ascii_form


def is_ipv4_address(text: str) -> bool:
    """True for a dotted IPv4 address such as `203.0.113.7`."""
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True


def normalize_relay_host(text: str) -> str:
    """The host of a relay as its mail_domain may name it, or raise InvalidDomain.

    Besides a DNS host name, the relay software deploys relays without one: an IPv4 address
    (addresses then read `name@[203.0.113.7]`) or a name starting with `_`, which no public
    certificate authority signs. Both run with a self-signed certificate.
    """
    candidate = text.strip()
    if candidate and candidate == text and is_ipv4_address(candidate):
        return candidate
    if candidate.startswith("_"):
        rest = candidate[1:]
        labels = rest.lower().split(".")
        if rest and all(_LABEL.match(label) for label in labels) and len(candidate) <= _MAX_LENGTH:
            return "_" + rest.lower()
        raise InvalidDomain(
            f"`{text}` is not a usable name: after the leading `_`, each dot-separated part may "
            "hold only letters, digits and inner hyphens"
        )
    return normalize_domain(text)


def is_self_signed_host(host: str) -> bool:
    """True for the hosts the relay software gives a self-signed certificate by default."""
    return host.startswith("_") or is_ipv4_address(host)
