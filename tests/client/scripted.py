"""The real mock backend behind a script of faults, one call at a time.

The simulator's faults are random or all-or-nothing; a test of one flow's edge wants "the next
redeem fails before it reaches the backend" or "the next revoke is applied and its answer lost".
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

from desktop.backend.api import ApiError
from desktop.backend.service import MockBackend


class ScriptedApi:
    """Forwards every call to the backend; a scripted call fails before or after it is applied."""

    def __init__(self, inner: MockBackend) -> None:
        self._inner = inner
        self._lock = threading.Lock()
        self._script: dict[str, deque[tuple[str, ApiError]]] = {}
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.named: list[tuple[str, dict[str, Any]]] = []  # each call's keyword arguments
        self._applied: dict[str, int] = {}
        self.gates: dict[str, threading.Event] = {}
        self.answer_gates: dict[str, threading.Event] = {}

    def fail_before(self, method: str, error: ApiError, times: int = 1) -> None:
        """The next `times` calls of `method` raise `error` without reaching the backend."""
        with self._lock:
            self._script.setdefault(method, deque()).extend([("before", error)] * times)

    def fail_after(self, method: str, error: ApiError, times: int = 1) -> None:
        """The next `times` calls of `method` are applied, then raise `error` (answer lost)."""
        with self._lock:
            self._script.setdefault(method, deque()).extend([("after", error)] * times)

    def hold(self, method: str) -> threading.Event:
        """Calls of `method` wait until the returned event is set."""
        gate = threading.Event()
        self.gates[method] = gate
        return gate

    def hold_answer(self, method: str) -> threading.Event:
        """Calls of `method` are applied, then their answer waits until the event is set."""
        gate = threading.Event()
        self.answer_gates[method] = gate
        return gate

    def applied(self, method: str) -> int:
        """How many calls of `method` the backend has handled (answered or not)."""
        with self._lock:
            return self._applied.get(method, 0)

    def count(self, method: str) -> int:
        """How many calls of `method` were made (whether or not they failed)."""
        with self._lock:
            return sum(1 for name, _ in self.calls if name == method)

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._inner, name)

        def call(*args: Any, **named: Any) -> Any:
            with self._lock:
                self.calls.append((name, args))
                self.named.append((name, named))
                queue = self._script.get(name)
                step = queue.popleft() if queue else None
            gate = self.gates.get(name)
            if gate is not None:
                gate.wait(10)
            if step is not None and step[0] == "before":
                raise step[1]
            try:
                result = method(*args, **named)
            finally:
                with self._lock:
                    self._applied[name] = self._applied.get(name, 0) + 1
            answer_gate = self.answer_gates.get(name)
            if answer_gate is not None:
                answer_gate.wait(10)
            if step is not None:
                raise step[1]
            return result

        return call
