"""The ordered worker thread: order kept, errors handed back, a failed worker never blocks its producer."""

from __future__ import annotations

import threading

import pytest

from cctvkit._worker import OrderedWorker


def test_items_are_handled_in_order_on_another_thread() -> None:
    seen: list[tuple[int, str]] = []
    worker: OrderedWorker[int] = OrderedWorker(
        lambda item: seen.append((item, threading.current_thread().name)), capacity=2, name="t-worker"
    )
    for item in range(50):
        worker.put(item)
    worker.stop()
    worker.stop()  # twice: nothing
    worker.raise_error()
    assert [item for item, _ in seen] == list(range(50))
    assert {name for _, name in seen} == {"t-worker"}


def test_an_error_is_raised_to_the_producer_and_the_queue_keeps_draining() -> None:
    handled: list[int] = []

    def handle(item: int) -> None:
        if item == 3:
            raise ValueError("item 3 is bad")
        handled.append(item)

    worker: OrderedWorker[int] = OrderedWorker(handle, capacity=1, name="t-failing")
    with pytest.raises(ValueError, match="item 3"):
        for item in range(1000):  # with capacity 1, a worker that stopped draining would hang this
            worker.put(item)
    worker.stop()
    with pytest.raises(ValueError, match="item 3"):
        worker.raise_error()
    assert handled == [0, 1, 2]
