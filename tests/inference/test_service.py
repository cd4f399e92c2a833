"""Async service: newest-request-wins per channel, stale drops, cancellation, errors as results."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from helpers_onnx import make_model_dir

from paintgan.errors import InferenceError
from paintgan.inference.registry import ModelRegistry
from paintgan.inference.service import InferenceService, current_request_cancelled

TIMEOUT = 5


@pytest.fixture
def svc():
    s = InferenceService()
    yield s
    s.shutdown()


def _blocker(svc, channel="layer-1"):
    """Submit a request that holds the worker until the returned event is set."""
    started, release = threading.Event(), threading.Event()

    def hold():
        started.set()
        assert release.wait(TIMEOUT)
        return "held"

    ticket = svc.submit(channel, hold)
    assert started.wait(TIMEOUT)
    return ticket, release


def test_burst_of_100_only_last_delivered():
    delivered = []
    svc = InferenceService(callback=delivered.append)
    try:
        ran = []
        first, release = _blocker(svc)
        tickets = [svc.submit("layer-1", lambda i=i: ran.append(i) or i * 10) for i in range(100)]
        t_submit = time.perf_counter()
        assert all(t.status == "dropped" for t in tickets[:-1])  # superseded while pending: never run
        assert tickets[-1].status == "pending"
        release.set()
        assert svc.wait_idle(TIMEOUT)
        assert ran == [99]
        assert [(r.generation, r.value) for r in delivered] == [(101, 990)]
        assert first.wait(TIMEOUT).status == "dropped"  # finished after newer requests were submitted
        assert tickets[-1].wait(TIMEOUT).value == 990
        assert svc.stats["run"] == 2 and svc.stats["delivered"] == 1 and svc.stats["dropped"] == 100
        assert time.perf_counter() - t_submit < TIMEOUT
    finally:
        svc.shutdown()


def test_submit_never_blocks_while_worker_busy(svc):
    _, release = _blocker(svc)
    t0 = time.perf_counter()
    for i in range(1000):
        svc.submit(f"ch{i % 10}", lambda: None)
    assert time.perf_counter() - t0 < 1.0
    release.set()
    assert svc.wait_idle(TIMEOUT)
    results = [r for r in svc.poll() if r.channel != "layer-1"]
    assert sorted((r.channel, r.generation) for r in results) == [(f"ch{i}", 100) for i in range(10)]


def test_explicit_generations_and_stale_on_arrival(svc):
    _, release = _blocker(svc, "other")
    t5 = svc.submit("layer", lambda: 5, generation=5)
    t3 = svc.submit("layer", lambda: 3, generation=3)  # older than one already submitted
    assert t3.status == "dropped" and t3.wait(0).status == "dropped"
    assert svc.latest_generation("layer") == 5
    release.set()
    assert t5.wait(TIMEOUT).value == 5
    assert svc.wait_idle(TIMEOUT)
    results = {r.channel: r for r in svc.poll()}
    assert results["layer"].generation == 5 and results["other"].value == "held"
    auto = svc.submit("layer", lambda: "next")
    assert auto.generation == 6


def test_cancel_pending_and_running(svc):
    running, release = _blocker(svc, "layer")
    pending = svc.submit("layer", lambda: "never")
    assert svc.cancel("layer") is True
    assert pending.wait(0).status == "cancelled"
    release.set()
    assert running.wait(TIMEOUT).status == "cancelled"
    assert svc.wait_idle(TIMEOUT)
    assert svc.poll() == []  # nothing delivered
    assert svc.cancel("layer") is False
    after = svc.submit("layer", lambda: "fresh")  # the channel still works after a cancel
    assert after.wait(TIMEOUT).value == "fresh"


def test_ticket_cancel_and_cooperative_check(svc):
    seen = threading.Event()
    started = threading.Event()

    def long_job():
        started.set()
        deadline = time.monotonic() + TIMEOUT
        while not current_request_cancelled():
            if time.monotonic() > deadline:
                return "not cancelled"
            time.sleep(0.001)
        seen.set()
        return "stopped early"

    t = svc.submit("ch", long_job)
    assert started.wait(TIMEOUT)
    assert t.cancel() is True
    assert seen.wait(TIMEOUT)
    assert t.wait(TIMEOUT).status == "cancelled"
    assert t.cancel() is False
    assert current_request_cancelled() is False  # outside a request


def test_superseded_running_request_sees_cancel_flag(svc):
    flagged = threading.Event()
    started = threading.Event()

    def job():
        started.set()
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if current_request_cancelled():
                flagged.set()
                return None
            time.sleep(0.001)

    svc.submit("ch", job)
    assert started.wait(TIMEOUT)
    svc.submit("ch", lambda: "newer")
    assert flagged.wait(TIMEOUT)
    assert svc.wait_idle(TIMEOUT)
    assert [r.value for r in svc.poll()] == ["newer"]


def test_errors_come_back_as_results(svc):
    def boom():
        raise ValueError("bad hint colour\nsecond line")

    r = svc.submit("ch", boom).wait(TIMEOUT)
    assert r.status == "error" and not r.ok
    assert r.error == "bad hint colour" and r.error_type == "ValueError"
    assert svc.get(TIMEOUT) == r
    assert svc.submit("ch", lambda: 1).wait(TIMEOUT).value == 1  # worker survived
    assert svc.stats["errors"] == 1


def test_failed_results_show_plain_words_and_log_library_text(svc, caplog):
    """A library error (an OpenCV assertion) becomes the caller's plain sentence, its text only in the log;
    a PaintGANError keeps its own line; never an empty message."""
    cv2_text = "OpenCV(4.9.0) resize.cpp:4152: error: (-215:Assertion failed) !ssize.empty()"

    def cv2_like():
        raise RuntimeError(cv2_text)

    r = svc.submit("a", cv2_like).wait(TIMEOUT)
    shown = r.message("Could not compute the colorization of this page")
    assert shown == ("Could not compute the colorization of this page "
                     "(an internal error; the details are in the log)")
    assert "OpenCV" not in shown and cv2_text in caplog.text and not r.user_facing

    def ours():
        raise InferenceError("page.png: the model needs at least 64×64 pixels")

    r = svc.submit("b", ours).wait(TIMEOUT)
    assert r.user_facing
    assert r.message("Could not compute") == "page.png: the model needs at least 64×64 pixels"

    def oom():
        raise MemoryError()

    shown = svc.submit("c", oom).wait(TIMEOUT).message("Could not compute")
    assert shown == "Could not compute: not enough memory"


def test_broken_callback_does_not_kill_worker():
    got = []

    def cb(result):
        got.append(result.value)
        raise RuntimeError("GUI bug")

    with InferenceService(callback=cb) as svc:
        svc.submit("a", lambda: 1).wait(TIMEOUT)
        svc.submit("a", lambda: 2).wait(TIMEOUT)
    assert got == [1, 2]


def test_per_request_callback_runs_on_worker_thread(svc):
    threads = []
    done = threading.Event()
    svc.submit("a", lambda: 1, callback=lambda r: (threads.append(threading.current_thread()), done.set()))
    assert done.wait(TIMEOUT)
    assert threads[0] is not threading.main_thread()
    assert svc.poll() == []


def test_channels_run_in_parallel_with_two_workers():
    barrier = threading.Barrier(2, timeout=TIMEOUT)
    with InferenceService(workers=2) as svc:
        a = svc.submit("a", barrier.wait)
        b = svc.submit("b", barrier.wait)
        assert a.wait(TIMEOUT).ok and b.wait(TIMEOUT).ok


def test_one_channel_never_runs_twice_at_once():
    active, peak = [0], [0]
    lock = threading.Lock()

    def job():
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.002)
        with lock:
            active[0] -= 1

    with InferenceService(workers=4) as svc:
        for _ in range(50):
            svc.submit("only", job)
            time.sleep(0.0005)
        assert svc.wait_idle(TIMEOUT)
    assert peak[0] == 1


def test_shutdown_cancels_pending_and_refuses_new():
    svc = InferenceService()
    _, release = _blocker(svc, "x")
    pending = svc.submit("y", lambda: 1)
    threading.Timer(0.05, release.set).start()
    svc.shutdown(wait=True)
    assert pending.status == "cancelled"
    assert not any(t.is_alive() for t in svc._threads)
    with pytest.raises(InferenceError, match="shut down"):
        svc.submit("y", lambda: 1)


def test_submit_model_runs_a_loaded_model(model_root, svc):
    make_model_dir(model_root, "tiny")
    model = ModelRegistry().load("tiny", device="cpu")
    r = svc.submit_model("layer", model, {"image": np.zeros((1, 1, 8, 8), np.float32)}).wait(TIMEOUT)
    assert r.ok and r.value["color"].shape == (1, 3, 8, 8)
    bad = svc.submit_model("layer", model, {"image": np.zeros((8, 8), np.float32)}).wait(TIMEOUT)
    assert bad.status == "error" and "must have rank 4" in bad.error and bad.error_type == "InferenceError"
