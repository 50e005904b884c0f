"""Pages of the NRM room: the case list and search, the intake wizard, the case with its forms,
the referral inbox and the supervisor's decisions. They call the same service functions as the
JSON API (nrm.routes): each route parses its form into the schemas, calls the service, renders.

Privacy: nothing that identifies a person goes into a URL (they end up in logs and browser
histories). Searches are POSTed, cases are addressed by their id only, and every link and
redirect here is built from ids, references, codes and enumeration values. Pages that show a
person's data are sent with `Cache-Control: no-store`.

Every form works as a plain POST (303 back to the page, or the page again with the message next
to the field). htmx, where the page has it, swaps just the part that changed; htmx swaps only 2xx
answers, so a refusal it asked for comes back as 200 with the message in the swapped part.
"""

from __future__ import annotations

from fastapi import APIRouter

from qorgau.nrm.pages import case, case_list, decisions, inbox, intake

router = APIRouter(include_in_schema=False)
# In this order: /cases/new (intake) must come before /cases/{case_id}.
for _part in (case_list, intake, case, inbox, decisions):
    router.include_router(_part.router)
