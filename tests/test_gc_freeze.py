"""The served app freezes, between requests, what it keeps after the collector's full passes
(portal/core/gc_freeze.py), so the next full pass does not walk it again."""

import gc

from portal.core.gc_freeze import FreezeAfterWarming


def test_after_a_full_pass_the_next_response_is_followed_by_a_freeze():
    kept = []

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        kept.append([[]])  # something long-lived, built while serving
        return [b"ok"]

    wrapped = FreezeAfterWarming(app)
    gc.unfreeze()
    try:
        assert wrapped({}, lambda *args: None) == [b"ok"]  # no full pass yet: passed through
        assert gc.get_freeze_count() == 0
        gc.collect()  # a full pass, as the collector makes on its own
        answer = wrapped({}, lambda *args: None)
        assert gc.get_freeze_count() == 0  # not before the response is sent
        assert b"".join(answer) == b"ok"
        answer.close()
        frozen = gc.get_freeze_count()
        assert frozen > 0
        assert wrapped({}, lambda *args: None) == [b"ok"]  # and not again until the next pass
        assert gc.get_freeze_count() == frozen
    finally:
        gc.callbacks.remove(wrapped._noted)
        gc.unfreeze()
