import pytest

from typodesk.findings.urlnorm import normalize_url


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("HTTPS://News.Example/a", "https://news.example/a"),
        ("https://news.example:443/a", "https://news.example/a"),
        ("http://news.example:80/a", "http://news.example/a"),
        ("http://news.example:8080/a", "http://news.example:8080/a"),
        ("https://news.example/a#section", "https://news.example/a"),
        (
            "https://news.example/a?utm_source=x&UTM_medium=y&id=5&fbclid=1&gclid=2",
            "https://news.example/a?id=5",
        ),
        ("https://news.example", "https://news.example/"),
        ("https://news.example/Path/Case?B=2&a=1", "https://news.example/Path/Case?B=2&a=1"),
        ("http://[::1]:8000/a", "http://[::1]:8000/a"),
    ],
)
def test_normalize_url(raw, expected):
    assert normalize_url(raw) == expected
