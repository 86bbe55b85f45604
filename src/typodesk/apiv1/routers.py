"""The REST API's routes, mounted on the NinjaAPI of typodesk.apiv1.api."""

from ninja import Router

from typodesk.apiv1 import findings, sites
from typodesk.apiv1.access import TokenAuth
from typodesk.corrections import api as corrections_api

router = Router(auth=TokenAuth())
router.add_router("", findings.router)
router.add_router("", sites.router)
router.add_router("", corrections_api.router)
