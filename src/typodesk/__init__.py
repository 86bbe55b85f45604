"""typodesk: readers report mistakes in a site's text; editors see, fix and verify them."""

__version__ = "0.1.0"
