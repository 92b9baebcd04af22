"""The staff page on the real claim flow: the ASL of template.yaml run by moto, its tasks in process
(tests/flow's `flow` fixture), the claims checked by the real check; the page and API on 127.0.0.1."""

from __future__ import annotations

import pytest

from claims_intake.api.crops import page_image
from claims_intake.api.service import Services
from claims_intake_dev.web_server import serve_in_thread
from tests.flow.conftest import flow  # noqa: F401  (the real claim flow on moto)
from tests.web.conftest import page  # noqa: F401  (headless Chromium)

UPLOADS = "claims-intake-uploads-test"


@pytest.fixture
def staff_site(flow):
    flow.s3.create_bucket(Bucket=UPLOADS, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    services = Services(store=flow.store, s3=flow.s3, sfn=flow.sfn, uploads_bucket=UPLOADS, template_page=page_image)
    server, url = serve_in_thread(services)
    yield url
    server.shutdown()
    server.server_close()
