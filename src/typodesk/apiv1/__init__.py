"""The REST API v1 for editors and integrations (docs/api.md): findings, sites, members, export.

It shares one NinjaAPI (and one OpenAPI document, ``/api/v1/openapi.json``) with the public
report endpoint (:mod:`typodesk.apiv1.api`); every call is authenticated with an API token and
checked against the same membership and role rules as the desk.
"""
