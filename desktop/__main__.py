"""`python -m desktop`: the same as the `referral-desktop` command."""

from __future__ import annotations

import sys

if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:  # a server needs no Qt (nor its system libraries)
        from desktop.backend.web.serve import main as serve

        sys.exit(serve(sys.argv[2:]))
    from desktop.app import main

    sys.exit(main())
