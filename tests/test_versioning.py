"""Stale saves (portal/core/versioning.py): a stale or missing version is refused with the one
message, on a page (the form again, 422) and in the API (409); so is a change that meets
someone else's at flush time."""

import contextlib

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from portal.accounts.roles import Role
from portal.core.versioning import LATEST, StaleVersion, api_version, check_version
from portal.dealers.models import Dealer

MESSAGE = "他人已修改此记录"  # the one answer, as the Chinese page shows it


def _valid(**values):
    """The dealer form as the edit page posts it."""
    return {"name": "甲经销商", "province": "山东省", "city": "济南市", "address": "",
            "contact_name": "", "contact_phone": "0531-1234567", "service_phone": "",
            "email": "", "grade": "b", "sales_rep_id": "", **values}


class Record:
    version = 3


@pytest.mark.parametrize("submitted", [None, "", "abc", 2, "4"])
def test_a_stale_missing_or_malformed_version_is_refused(submitted):
    with pytest.raises(StaleVersion) as refused:
        check_version(Record(), submitted)
    assert refused.value.conflict and MESSAGE in refused.value.message


@pytest.mark.parametrize("submitted", [3, "3", LATEST])
def test_the_version_read_or_the_latest_passes(submitted):
    check_version(Record(), submitted)


def test_the_api_acts_on_the_latest_only_when_it_sends_no_version():
    assert api_version({}) is LATEST and api_version({"version": None}) is LATEST
    assert api_version({"version": 3}) == 3


@contextlib.contextmanager
def changed_meanwhile(db, dealer_id: int):
    """Someone else's change lands between this request's read and its write: the row's
    version moves just before the request's UPDATE, which then finds no row at its version."""

    def bump(_mapper, connection, target):
        if target.id == dealer_id:
            connection.execute(sa.update(Dealer.__table__).where(Dealer.id == dealer_id)
                               .values(version=Dealer.__table__.c.version + 1))

    event.listen(Dealer, "before_update", bump)
    try:
        yield
    finally:
        event.remove(Dealer, "before_update", bump)


def test_a_page_refuses_a_missing_version_and_changes_nothing(client, login, world, db):
    login(world.users[Role.ADMIN])
    dealer = world.dealer_a
    response = client.post(f"/dealers/{dealer.id}/edit", data=_valid(
        code=dealer.code, name="没有版本的修改"))
    assert response.status_code == 422 and MESSAGE in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Dealer, dealer.id).name != "没有版本的修改"


def test_a_page_answers_a_change_met_at_flush_with_the_same_message(client, login, world, db):
    login(world.users[Role.ADMIN])
    dealer = world.dealer_a
    with changed_meanwhile(db, dealer.id):
        response = client.post(f"/dealers/{dealer.id}/edit", data=_valid(
            code=dealer.code, name="我的修改", version=str(dealer.version)))
    assert response.status_code == 422 and MESSAGE in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Dealer, dealer.id).name != "我的修改"


def _dealer_body(**values):
    return {"name": "甲经销商（新）", "province": "山东省", "city": "济南市", "grade": "b",
            **values}


def test_the_api_refuses_a_stale_version_with_409(api, world, db):
    dealer = world.dealer_a
    stale = api("PUT", f"/dealers/{dealer.code}", json=_dealer_body(version=dealer.version - 1))
    assert stale.status_code == 409 and stale.json["error"] == "conflict"
    assert "Someone else changed this record" in stale.json["message"]
    garbled = api("PUT", f"/dealers/{dealer.code}", json=_dealer_body(version="x"))
    assert garbled.status_code == 409
    db.session.expire_all()
    assert db.session.get(Dealer, dealer.id).name == "甲经销商"
    seen = dealer.version
    current = api("PUT", f"/dealers/{dealer.code}", json=_dealer_body(version=seen))
    assert current.status_code == 200 and current.json["version"] == seen + 1
    latest = api("PUT", f"/dealers/{dealer.code}", json=_dealer_body(city="青岛市"))
    assert latest.status_code == 200 and latest.json["city"] == "青岛市"


def test_the_api_answers_a_change_met_at_flush_with_409(api, world, db):
    dealer = world.dealer_a
    with changed_meanwhile(db, dealer.id):
        response = api("PUT", f"/dealers/{dealer.code}", json=_dealer_body())
    assert response.status_code == 409 and response.json["error"] == "conflict"
    assert "Someone else changed this record" in response.json["message"]
