"""The demo article as it is first published: four mistakes for a newcomer to report and fix."""

from __future__ import annotations

TITLE = "Harbour town reopens its century-old lighthouse"

#: Paragraphs separated by blank lines, the way the demo CMS stores and edits them.
BODY = """\
After three years of restoration, the lighthouse at the end of the northern pier opened its doors \
to visitors on Saturday. More then two thousand people queued along the quay to climb the 143 steps \
to the lantern room.

The tower was built in 1911 and guided fishing boats into the harbour until 1987, when an automatic \
beacon replaced it. Volunteers from the town's historical society spent the last three years \
repairing the the cast-iron stairs and the original Fresnel lens.

"We recieved letters from former keepers' families from as far away as New Zealand," said the \
society's chair, Marta Lindqvist. "Some of them sent photographs we had never seen."

The lighthouse will be open every weekend until the end of March. Entrance is free for children \
under twelve, and the town council has promised to keep it's lantern lit on winter evenings."""
