"""A corpus of hostile inputs: what an attacker would put in every field a reader controls."""

from __future__ import annotations

XSS = [
    "<script>window.__pwned=1;alert(1)</script>",
    '"><script>window.__pwned=2</script>',
    '\'><img src=x onerror="window.__pwned=3">',
    "<img src=x onerror=alert(1)//",
    "<svg onload=window.__pwned=4>",
    "<svg><script>window.__pwned=5</script></svg>",
    '<iframe src="javascript:window.top.__pwned=6"></iframe>',
    '<a href="javascript:window.__pwned=7">click</a>',
    "<body onload=window.__pwned=8>",
    "<details open ontoggle=window.__pwned=9>",
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__pwned=10>",
    '<noscript><p title="</noscript><img src=x onerror=window.__pwned=11>">',
    "{{ 7*7 }}{% debug %}",
    "${7*7}<%= 7*7 %>",
    "<style>*{display:none}</style>",
    "<link rel=stylesheet href=//evil.example/x.css>",
    '<meta http-equiv="refresh" content="0;url=javascript:window.__pwned=12">',
    '<object data="javascript:window.__pwned=13">',
    "<form action=javascript:window.__pwned=14><button>x</button></form>",
    "<input autofocus onfocus=window.__pwned=15>",
    '<video><source onerror="window.__pwned=16">',
    '"onmouseover="window.__pwned=17"',
    "javascript:window.__pwned=18",
    "<scr<script>ipt>window.__pwned=19</scr</script>ipt>",
    "&lt;script&gt;window.__pwned=20&lt;/script&gt;",
    '<img src="x" onerror="&#119;indow.__pwned=21">',
    '<base href="javascript:/">',
    "</textarea><script>window.__pwned=22</script>",
    "</title><script>window.__pwned=23</script>",
    "<!--<img src=x onerror=window.__pwned=24>-->",
]
SQL = [
    "' OR '1'='1",
    "'; DROP TABLE findings_finding; --",
    '" OR ""="',
    "1; SELECT pg_sleep(5); --",
    "%' UNION SELECT password FROM accounts_user --",
    "\\'; DELETE FROM accounts_user; --",
]
TEXT = [
    "\u202eevil\u202c reversed",  # RTL override
    "\u200f\u200e\u2066\u2067\u2068\u2069 bidi marks",
    "zalgo z\u0336\u0353a\u0335\u0347l\u0334\u0354g\u0338\u0356o",
    "\x01\x02\x07\x1b[31mANSI\x1b[0m",
    "line\r\nSubject: injected\r\nBcc: victim@example.com",
    "tab\tand\vvertical\fform",
    "emoji 🧨💣👩‍👩‍👧‍👦🇦🇿",
    "\ufeffBOM\ufffe\uffff noncharacters",
    "a" * 999,
    "ə" * 1000,
]
BAD_STRINGS = ["\x00 nul", "lone \ud800 surrogate", "\udfff"]


def string_corpus() -> list[str]:
    return XSS + SQL + TEXT
