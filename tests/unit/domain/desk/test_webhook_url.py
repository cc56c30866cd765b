"""The domain's URL check (no urllib in the domain) against the standard library's parser: where both accept
a URL they read the same scheme, host and port; where ours refuses, it is for a reason the endpoint rules name."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from souk.domain.desk.webhooks import InvalidEndpoint, split_url, validate_url

ACCEPTED = [
    "https://shop.example/hooks", "https://shop.example:8443/h?x=1", "https://[2001:db8::1]/h",
    "https://[2001:db8::1]:444/h#f", "HTTPS://Shop.Example/H", "http://127.0.0.1:8080/h", "http://localhost/h",
    "http://[::1]:9/h", "https://shop.example", "https://shop.example?x=1", "https://shop.example#frag",
    "https://shop.example:/h", "https://10.0.0.5:0/", "https://xn--bcher-kva.example/h",
    "https://bücher.example/h", "https://a.b.c.d.example:65535/deep/path?q=a:b@c",
]
REFUSED = [
    "not a url", "https:///nohost", "https://user:pw@shop.example/", "https://@shop.example/",
    "https://shop.example:99999/", "https://shop.example:8o/", "https://a:b:c/", "javascript:alert(1)",
    "https:shop.example/h", "//shop.example/h", "https://[2001:db8::1/h", "https://[nothex]/h",
    "https://[::1]x/h", "https://sh op.example/", "https://shop.example/\nHost: x", "\thttps://shop.example/",
    "https://shop%2eexample/", "https://shop.example\\@evil/", "",
]


@pytest.mark.parametrize("url", ACCEPTED)
def test_agrees_with_urlsplit_on_what_it_accepts(url: str) -> None:
    parts = urlsplit(url)
    assert split_url(url) == (parts.scheme, parts.hostname, parts.port)


@pytest.mark.parametrize("url", REFUSED)
def test_refuses_with_the_webhook_url_code(url: str) -> None:
    with pytest.raises(InvalidEndpoint) as err:
        split_url(url)
    assert err.value.code == "webhook_url"
    with pytest.raises(InvalidEndpoint):
        validate_url(url, allow_local_http=True)


def test_scheme_rules_on_top_of_the_split() -> None:
    assert validate_url("HTTPS://Shop.Example/H") == "HTTPS://Shop.Example/H"
    assert validate_url("http://LOCALHOST:1/h", allow_local_http=True) == "http://LOCALHOST:1/h"
    for url in ("http://shop.example/h", "ftp://shop.example/", "ws://localhost/h"):
        with pytest.raises(InvalidEndpoint):
            validate_url(url, allow_local_http=True)
