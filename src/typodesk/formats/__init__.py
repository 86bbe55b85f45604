"""The desk's own date formats, before Django's (settings.FORMAT_MODULE_PATH); each module sets only
what differs, the rest comes from Django's locale."""
