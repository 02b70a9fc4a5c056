"""Facts about a state's invitation list, worked out once per list rather than once per state.

The controller hands every state the same tuple of invitations while the list has not changed
(`ClientModel.invitation_views`), and a state comes for every sync, send and redemption. With
10,000 invitations a pass over the list costs milliseconds on the GUI thread, so whatever is
derived from the list alone is remembered for the last tuple it was worked out for (compared by
identity: the tuple and its views are immutable).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

Argument = TypeVar("Argument")
Result = TypeVar("Result")


def remember_last(function: Callable[[Argument], Result]) -> Callable[[Argument], Result]:
    """`function(argument)`, worked out again only when `argument` is another object than last
    time. One entry: the argument is kept alive until the next call with another one."""
    last: list[tuple[Argument, Result]] = []

    @functools.wraps(function)
    def remembered(argument: Argument) -> Result:
        if not last or last[0][0] is not argument:
            last[:] = [(argument, function(argument))]
        return last[0][1]

    return remembered
