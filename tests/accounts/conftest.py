from tests.sites.conftest import (  # noqa: F401 (fixtures)
    PASSWORD,
    _fast_hashing,
    _fresh_buckets,
    editor,
    other_site,
    outsider,
    owner,
    site,
    smtp,
    viewer,
)
