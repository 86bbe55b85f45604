"""The REST API's routes, mounted on the NinjaAPI of typodesk.apiv1.api."""

from ninja import Router

from typodesk.apiv1 import corrections, findings, sites
from typodesk.apiv1.access import TokenAuth

router = Router(auth=TokenAuth())
router.add_router("", findings.router)
router.add_router("", sites.router)
router.add_router("", corrections.router)
