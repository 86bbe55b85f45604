"""Which host names belong to a site: the one matching rule for reports, CORS and the Orphus form.

A site lists domains: exact host names (``news.example``) and wildcards (``*.news.example``, which
also covers ``news.example`` itself). A site that treats ``www.`` and the bare domain as one
(``Site.www_alias``) also covers the other half of every exact domain. :class:`HostPatterns` is
built once from a site's domains and never changes afterwards, so a cached site can hand it to
any number of requests at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


def www_twin(host: str) -> str:
    """``www.news.example`` ↔ ``news.example`` (the other half of a www pair)."""
    return host[4:] if host.startswith("www.") else f"www.{host}"


def clean_host(host: str | None) -> str:
    """A host name as the patterns compare it: lower case, without the root's trailing dot."""
    return (host or "").lower().rstrip(".")


@dataclass(frozen=True, slots=True)
class HostPatterns:
    """A site's domains, ready to match host names against (immutable)."""

    exact: frozenset[str]
    twins: frozenset[str]  # the www twins of exact domains, for a site with www_alias
    wildcard_suffixes: tuple[str, ...]  # ".news.example" for "*.news.example"

    @classmethod
    def of(cls, domains: Iterable[str], www_alias: bool = False) -> HostPatterns:
        exact: set[str] = set()
        twins: set[str] = set()
        suffixes: list[str] = []
        for domain in domains:
            domain = clean_host(domain)
            if domain.startswith("*."):
                suffixes.append(domain[1:])
                exact.add(domain[2:])
            elif domain:
                exact.add(domain)
                if www_alias:
                    twins.add(www_twin(domain))
        ordered = tuple(sorted(set(suffixes), key=len, reverse=True))
        return cls(frozenset(exact), frozenset(twins - exact), ordered)

    def matches(self, host: str | None) -> bool:
        """Whether pages on ``host`` belong to the site."""
        host = clean_host(host)
        if not host:
            return False
        return self.closeness(host) is not None

    def closeness(self, host: str | None) -> int | None:
        """How closely the site's domains name ``host``: 0 for a domain it lists, 1 for the www
        twin of one, else 1 + the number of labels the matching wildcard leaves out (the narrowest
        wildcard is the closest); None when the site does not cover ``host``. Orphus reports name
        no site: the closest one takes them."""
        host = clean_host(host)
        if not host:
            return None
        if host in self.exact:
            return 0
        if host in self.twins:
            return 1
        for suffix in self.wildcard_suffixes:  # longest first: the narrowest wildcard
            if host.endswith(suffix):
                return 1 + host.count(".") - suffix.count(".") + 1
        return None

    def overlaps(self, other: HostPatterns) -> bool:
        """Whether some host name belongs to both sets of domains (an exact domain inside the
        other's wildcard, two nested wildcards, a www twin): the rule that keeps one site's
        domains from covering another's. Complete because any host both cover has a domain of
        one of them (an exact name, or a wildcard's own base) on its way up."""
        mine = self.exact | self.twins
        theirs = other.exact | other.twins
        return any(other.matches(h) for h in mine) or any(self.matches(h) for h in theirs)


def domain_base(domain: str) -> str:
    """The host a domain names itself: ``news.example`` for both ``news.example`` and
    ``*.news.example`` (where a wildcard domain's owner proves control)."""
    domain = clean_host(domain)
    return domain[2:] if domain.startswith("*.") else domain


def candidate_domains(host: str | None) -> list[str]:
    """Every domain value a site could list to cover ``host``: the host, its www twin, and each
    wildcard above it (to find the sites of a host with one indexed look-up)."""
    host = clean_host(host)
    if not host:
        return []
    parts = host.split(".")
    wildcards = ["*." + ".".join(parts[i:]) for i in range(len(parts))]
    return [host, www_twin(host), *wildcards]
