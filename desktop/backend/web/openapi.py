"""The service's OpenAPI document, as served at /openapi.json and checked in as
docs/openapi.json. Regenerate after changing the API or a DTO:

    python -m desktop.backend.web.openapi > docs/openapi.json
"""

from __future__ import annotations

import json
import sys
from typing import Any, cast


def document() -> dict[str, Any]:
    """The OpenAPI document of `create_app` (built without a database: routes only)."""
    from desktop.backend.service import MockBackend
    from desktop.backend.simulator import Simulator
    from desktop.backend.web.app import create_app

    app = create_app(cast(MockBackend, None), cast(Simulator, None))
    return app.app.openapi()


def text() -> str:
    """The document as checked in: sorted keys, two-space indent, a final newline."""
    return json.dumps(document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(text())
