"""What `serve` freezes before it takes requests: a full collection later walks only what was
left out (docs/PERFORMANCE.md, rounds 9 and 10)."""

from __future__ import annotations

from tests.child_python import run_python

_FIRST_SEND_AFTER_START_UP = """
import gc
from desktop.backend.web.serve import freeze_start_up_heap
freeze_start_up_heap()
left_out = len(gc.get_objects())  # what a full collection walks (frozen objects excluded)
from desktop.domain.emails import is_own_address
assert not is_own_address("friend@example.com", "pilot@example.com")
print(len(gc.get_objects()) - left_out)
"""


def test_the_first_look_alike_check_adds_nothing_a_full_collection_walks() -> None:
    """The look-alike tables (loaded by the first send's own-address check) are about 16,000
    lists and dicts that live as long as the server: loaded after the freeze, every full
    collection walked them, holding the GIL 14-36 ms on the shared-server bench. A fresh
    interpreter, because this process may have loaded them already."""
    completed = run_python("-c", _FIRST_SEND_AFTER_START_UP)
    assert completed.returncode == 0, completed.stderr
    assert int(completed.stdout) < 1_000
