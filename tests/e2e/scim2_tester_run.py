"""Runs scim2-tester (PyPI, python-scim) against rocketlite's /scim/v2 and prints its report.

    BASE_URL=http://127.0.0.1:3000 SCIM_TOKEN=... python scim2_tester_run.py

Every check runs (discovery, CRUD, PATCH add/replace/remove, attribute selection, misc). Exits
non-zero if any check ends in ERROR; SKIPPED checks are listed with the reason the tester
gives (features ServiceProviderConfig declares unsupported).
"""

import collections
import os
import sys

from httpx2 import Client
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

base = os.environ["BASE_URL"].rstrip("/") + "/scim/v2"
token = os.environ["SCIM_TOKEN"]

http = Client(base_url=base, headers={"Authorization": f"Bearer {token}"})
client = SyncSCIMClient(http)
results = check_server(client)

counts = collections.Counter(r.status for r in results)
width = max(len(r.title or "") for r in results)
print(f"scim2-tester against {base}")
for r in results:
    resource = f" [{r.resource_type}]" if getattr(r, "resource_type", None) else ""
    reason = (r.reason or "").splitlines()[0] if r.reason else ""
    print(f"  {r.status.name:8} {r.title:{width}}{resource}  {reason}")
summary = ", ".join(f"{counts[s]} {s.name}" for s in Status if counts[s])
print(f"scim2-tester: {len(results)} checks: {summary}")
sys.exit(1 if counts[Status.ERROR] else 0)
