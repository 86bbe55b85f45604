"""Creates (idempotently) the demo site, its editor, its article and the data the demo needs."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db import transaction

from typodesk.accounts.models import User
from typodesk.demo import content
from typodesk.demo.models import Article
from typodesk.demo.views import DEMO_SITE_NAME
from typodesk.notify.models import Channel, Subscription
from typodesk.sites.models import Domain, Membership, Site

DEMO_EMAIL = "editor@demo.example"
CHANNEL_NAME = "Demo editors"


@dataclass
class Demo:
    site: Site
    email: str
    password: str


@transaction.atomic
def ensure_demo(hosts: list[str]) -> Demo:
    """The demo site on ``hosts`` with an editor whose password is new on every start.

    A fresh random password each time: a demo left running on a shared machine
    must not have a password that is printed in our documentation.

    Readers may leave an address (to get the thank-you mail), and the editor gets an e-mail
    notification of new findings, fixes and the page reader's verdicts: in the demo both land
    in the demo mailbox. An article edited in an earlier run is kept as it was.
    """
    site, _ = Site.objects.get_or_create(name=DEMO_SITE_NAME)
    if not site.allow_reader_email:
        site.allow_reader_email = True
        site.save(update_fields=["allow_reader_email"])
    for host in hosts:
        Domain.objects.get_or_create(site=site, host=host)
    user = User.objects.filter(email=DEMO_EMAIL).first() or User.objects.create_user(
        DEMO_EMAIL, name="Demo Editor"
    )
    password = "-".join(secrets.token_hex(3) for _ in range(3))
    user.set_password(password)
    user.save(update_fields=["password"])
    Membership.objects.get_or_create(site=site, user=user, defaults={"role": Membership.Role.OWNER})
    Article.objects.get_or_create(site=site, defaults={"title": content.TITLE, "body": content.BODY})
    Channel.objects.get_or_create(
        site=site,
        kind=Channel.Kind.EMAIL,
        name=CHANNEL_NAME,
        defaults={
            "target": DEMO_EMAIL,
            "events": [Subscription.NEW, Subscription.FIXED, Subscription.VERIFICATION],
            "created_by": user,
        },
    )
    return Demo(site=site, email=DEMO_EMAIL, password=password)
