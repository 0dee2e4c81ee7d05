"""Generating a period's notices for all dealers: the run, its progress, cancel, crash and
re-run, the command for cron and the pages."""

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from portal.accounts.roles import Role
from portal.claims.models import Claim
from portal.core.db import shanghai_today, utcnow
from portal.core.errors import DomainError
from portal.core.numbering import DocumentCounter
from portal.extensions import db
from portal.finance import runs
from portal.finance.models import NoticeClaim, NoticeRun, RunStatus, WriteOffNotice
from tests import factories
from tests.builders import OCT_END, OCT_START, approved_claim


@pytest.fixture
def login(login, client):
    """Sign in and read the pages in English, so messages are asserted in their source text."""

    def in_english(user):
        login(user)
        client.post("/language", data={"lang": "en"})

    return in_english


@pytest.fixture(autouse=True)
def english():
    with force_locale("en"):
        yield


@pytest.fixture
def finance(world):
    return world.users[Role.FINANCE]


# -- generating a period for all dealers --------------------------------------------------------

def _three_dealers(world):
    third = factories.make_dealer("DC-01", name="丙经销商")
    for dealer in (world.dealer_a, world.dealer_b, third):
        approved_claim(dealer)
    approved_claim(world.dealer_a, finance_on=date(2026, 9, 20))  # older, not yet in a notice
    return [world.dealer_a, world.dealer_b, third]


def _notices_of(run_id=None):
    query = sa.select(WriteOffNotice).order_by(WriteOffNotice.seq)
    if run_id:
        query = query.where(WriteOffNotice.run_id == run_id)
    return db.session.scalars(query).all()


def test_run_issues_one_notice_per_dealer_each_committed(world, finance):
    dealers = _three_dealers(world)
    run = runs.start_run(OCT_START, OCT_END, actor=finance)
    db.session.commit()
    assert run.dealers_total == 3
    seen = []
    done = runs.execute_run(run.id, progress=lambda r: seen.append(
        (r.dealers_done, r.notices_made)))
    assert done.status == RunStatus.DONE and done.finished_at is not None
    assert seen == [(1, 1), (2, 2), (3, 3)]
    made = _notices_of(run.id)
    assert [n.dealer_id for n in made] == [d.id for d in dealers]
    assert len(made[0].claims) == 2  # the older claim goes in too
    assert [n.seq for n in made] == [made[0].seq, made[0].seq + 1, made[0].seq + 2]
    for notice in made:  # each PDF rendered after its dealer's commit, and stored
        assert notice.document.pdf.startswith(b"%PDF") and _pdf_text(notice.number, notice)


def _pdf_text(number, notice):
    import pypdfium2

    pdf = pypdfium2.PdfDocument(notice.document.pdf)
    return number in pdf[0].get_textpage().get_text_range()


def test_a_run_renders_its_pdfs_in_other_processes(app, world, finance):
    """With rendering processes, as in production: every notice gets its own PDF, and the
    numbers are taken in dealer order as without them."""
    dealers = _three_dealers(world)
    app.config["NOTICE_RUN_PROCESSES"] = 2
    try:
        run = runs.start_run(OCT_START, OCT_END, actor=finance)
        db.session.commit()
        done = runs.execute_run(run.id)
    finally:
        app.config["NOTICE_RUN_PROCESSES"] = 0
    assert done.status == RunStatus.DONE and done.notices_made == 3
    db.session.expire_all()
    made = _notices_of(run.id)
    assert [n.dealer_id for n in made] == [d.id for d in dealers]
    for notice in made:
        assert _pdf_text(notice.number, notice)


def test_a_notice_whose_pdf_was_not_stored_gets_it_when_first_read(world, finance, client,
                                                                    login):
    """The run's worker died between a dealer's commit and storing its PDF: the notice stands,
    and its PDF is rendered from it the first time someone opens it."""
    approved_claim(world.dealer_a)
    from portal.finance.notices import issue_notice

    notice = issue_notice(world.dealer_a.id, OCT_START, OCT_END, actor=finance, with_pdf=False)
    db.session.commit()
    assert notice.document is None
    login(finance)
    answer = client.get(f"/finance/notices/{notice.number}.pdf")
    assert answer.status_code == 200 and answer.data.startswith(b"%PDF")
    db.session.expire_all()
    stored = db.session.get(WriteOffNotice, notice.id).document
    assert stored is not None and stored.pdf == answer.data
    assert client.get(f"/finance/notices/{notice.number}.pdf").data == answer.data


def test_rerunning_a_period_is_safe(world, finance):
    _three_dealers(world)
    first = runs.start_run(OCT_START, OCT_END, actor=finance)
    db.session.commit()
    runs.execute_run(first.id)
    late = approved_claim(world.dealer_b, finance_on=date(2026, 10, 30))
    db.session.commit()
    again = runs.start_run(OCT_START, OCT_END, actor=finance)
    db.session.commit()
    again = runs.execute_run(again.id)
    assert (again.dealers_total, again.notices_made) == (1, 1)
    assert [row.claim_id for row in _notices_of(again.id)[0].claims] == [late.id]
    assert db.session.scalar(sa.select(sa.func.count(NoticeClaim.claim_id.distinct()))) == \
        db.session.scalar(sa.select(sa.func.count()).select_from(NoticeClaim))


def test_cancel_stops_between_dealers(world, finance):
    _three_dealers(world)
    run = runs.start_run(OCT_START, OCT_END, actor=finance)
    db.session.commit()

    def cancel_after_first(dealer_id, notice):
        if dealer_id == world.dealer_a.id:
            runs.cancel_run(db.session.get(NoticeRun, run.id), finance)

    done = runs.execute_run(run.id, checkpoint=cancel_after_first)
    assert done.status == RunStatus.CANCELLED
    assert (done.dealers_done, done.notices_made) == (1, 1)
    assert [n.dealer_id for n in _notices_of(run.id)] == [world.dealer_a.id]


class Crash(Exception):
    pass


def test_a_crash_mid_way_leaves_no_half_made_notice_and_a_rerun_completes(world, finance):
    dealers = _three_dealers(world)
    counter_before = _counter()
    run = runs.start_run(OCT_START, OCT_END, actor=finance)
    db.session.commit()

    def crash_on_second(dealer_id, notice):
        if dealer_id == dealers[1].id:
            assert notice is not None  # made and flushed, not yet committed
            raise Crash("power cut")

    with pytest.raises(Crash):
        runs.execute_run(run.id, checkpoint=crash_on_second)
    db.session.expire_all()
    failed = db.session.get(NoticeRun, run.id)
    assert failed.status == RunStatus.FAILED and "power cut" in failed.error
    assert (failed.dealers_done, failed.notices_made) == (1, 1)
    assert [n.dealer_id for n in _notices_of()] == [dealers[0].id]
    assert _counter() == counter_before + 1  # the second dealer's number was given back
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Claim).where(
        Claim.dealer_id == dealers[1].id, Claim.notice_id.is_not(None))) == 0

    rerun = runs.start_run(OCT_START, OCT_END, actor=finance)
    db.session.commit()
    rerun = runs.execute_run(rerun.id)
    assert rerun.status == RunStatus.DONE and rerun.notices_made == 2
    assert [n.dealer_id for n in _notices_of()] == [d.id for d in dealers]
    assert [n.seq for n in _notices_of()] == list(range(counter_before + 1,
                                                        counter_before + 4))


def _counter() -> int:
    counter = db.session.get(DocumentCounter, ("notice", shanghai_today().year))
    db.session.refresh(counter) if counter else None
    return counter.last if counter else 0


def test_a_run_refuses_an_overlapping_live_run_but_not_an_interrupted_one(world, finance):
    live = runs.start_run(OCT_START, OCT_END, actor=finance)
    db.session.commit()
    with pytest.raises(DomainError):
        runs.start_run(date(2026, 10, 15), date(2026, 11, 30), actor=finance)
    other = runs.start_run(date(2026, 11, 1), date(2026, 11, 30), actor=finance)
    assert other.id
    live.heartbeat_at = utcnow() - timedelta(minutes=10)
    db.session.flush()
    assert runs.is_interrupted(live)
    again = runs.start_run(OCT_START, OCT_END, actor=finance)
    assert again.id and live.status == RunStatus.FAILED and "Interrupted" in live.error


def test_a_stale_runner_stops_when_its_run_was_closed(world, finance):
    _three_dealers(world)
    run = runs.start_run(OCT_START, OCT_END, actor=finance)
    db.session.commit()

    def closed_by_someone_else(dealer_id, notice):
        db.session.get(NoticeRun, run.id).status = RunStatus.FAILED

    done = runs.execute_run(run.id, checkpoint=closed_by_someone_else)
    assert done.status == RunStatus.FAILED and done.dealers_done == 1


def test_cli_generates_a_month(world, finance, runner):
    _three_dealers(world)
    db.session.commit()
    result = runner.invoke(args=["notices", "generate", "--period", "2026-10",
                                 "--user", finance.username])
    assert result.exit_code == 0, result.output
    assert "3/3 dealers, 3 notices" in result.output
    assert "done: 3 notices made" in result.output
    result = runner.invoke(args=["notices", "generate", "--period", "2026-13"])
    assert result.exit_code != 0 and "2026-10" in result.output


# -- the pages ----------------------------------------------------------------------------------

def test_generate_page_shows_each_dealers_eligible_claims(client, login, world, finance):
    _three_dealers(world)
    db.session.commit()
    login(finance)
    page = client.get("/finance/notices/generate?period=2026-10").get_data(as_text=True)
    assert "甲经销商" in page and "丙经销商" in page
    assert "¥2,841.00" in page  # dealer A: two claims of 1,420.50
    assert 'hx-get="/finance/notices/generate"' in page


def test_generate_page_defaults_to_last_month(client, login, finance):
    login(finance)
    page = client.get("/finance/notices/generate").get_data(as_text=True)
    last = (shanghai_today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    assert f'value="{last}"' in page


def test_changing_the_month_swaps_only_the_eligible_list(client, login, world, finance):
    approved_claim(world.dealer_a, finance_on=date(2026, 10, 15))
    db.session.commit()
    login(finance)
    september = client.get("/finance/notices/generate?period=2026-09",
                           headers={"HX-Request": "true"})
    assert september.status_code == 200
    text = september.get_data(as_text=True)
    assert text.lstrip().startswith('<div id="eligible">') and "<html" not in text
    assert "甲经销商" not in text
    assert september.headers["Vary"] == "HX-Request" or "HX-Request" in september.headers["Vary"]


def test_a_bad_month_is_refused_next_to_the_field(client, login, finance):
    login(finance)
    client.post("/language", data={"lang": "en"})
    response = client.post("/finance/notices/generate", data={"period": "2026-13"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    # What was typed comes back in the field, with the message right after it.
    typed = re.search(r'<input[^>]*name="period"[^>]*>', html).group(0)
    assert 'value="2026-13"' in typed
    after = html[html.index(typed) + len(typed):]
    assert after.lstrip().startswith('<small class="error" role="alert">Enter a month as '
                                     'year-month, for example 2026-10.</small>')
    assert client.post("/finance/notices/generate", data={"probe": "1"}).status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NoticeRun)) == 0


def test_starting_generation_redirects_to_its_progress(client, login, world, finance):
    """The run is queued; the tests' queue runs it at once, inside the request."""
    _three_dealers(world)
    db.session.commit()
    login(finance)
    response = client.post("/finance/notices/generate", data={"period": "2026-10"})
    assert response.status_code == 303
    run = db.session.scalars(sa.select(NoticeRun)).one()
    assert response.headers["Location"] == f"/finance/runs/{run.id}"
    assert (run.status, run.notices_made) == (RunStatus.DONE, 3)
    page = client.get(f"/finance/runs/{run.id}").get_data(as_text=True)
    assert "every 1s" not in page  # finished: no more polling
    for notice in _notices_of(run.id):
        assert notice.number in page


def test_an_overlapping_live_run_is_refused(client, login, world, finance):
    runs.start_run(OCT_START, OCT_END, actor=finance)
    db.session.commit()
    login(finance)
    response = client.post("/finance/notices/generate", data={"period": "2026-10"})
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NoticeRun)) == 1


def test_progress_polls_while_running_interrupted_too(client, login, world, finance):
    """An interrupted run is still followed: a queue consumer takes it over
    (``runs.take_interrupted``) and the page shows it going on."""
    run = runs.start_run(OCT_START, OCT_END, actor=finance)
    run.dealers_total, run.dealers_done = 4, 1
    db.session.commit()
    login(finance)
    page = client.get(f"/finance/runs/{run.id}").get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in page and "<html" in page
    fragment = client.get(f"/finance/runs/{run.id}", headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert text.lstrip().startswith('<section class="card" id="run-progress"')
    assert 'value="1"' in text and 'max="4"' in text
    run.heartbeat_at = utcnow() - timedelta(minutes=10)
    db.session.commit()
    text = client.get(f"/finance/runs/{run.id}", headers={"HX-Request": "true"}).get_data(
        as_text=True)
    assert "every 1s" in text and "takes the run over within a minute" in text
    assert "/finance/notices/generate?period=2026-10" in text  # or start it again now
    run.status = RunStatus.CANCELLED
    db.session.commit()
    text = client.get(f"/finance/runs/{run.id}", headers={"HX-Request": "true"}).get_data(
        as_text=True)
    assert "every 1s" not in text


def test_cancel_from_the_page(client, login, world, finance):
    run = runs.start_run(OCT_START, OCT_END, actor=finance)
    db.session.commit()
    login(finance)
    response = client.post(f"/finance/runs/{run.id}/cancel")
    assert response.status_code == 303
    assert db.session.get(NoticeRun, run.id).cancel_requested
    run.status = RunStatus.DONE
    db.session.commit()
    assert client.post(f"/finance/runs/{run.id}/cancel").status_code == 303
    assert db.session.get(NoticeRun, run.id).status == RunStatus.DONE


def test_admin_sets_the_makers_details_on_the_policy_page(client, login, world):
    from portal.catalog.models import PolicySettings

    login(world.users[Role.ADMIN])
    form = client.get("/catalog/policy/edit").get_data(as_text=True)
    assert 'name="maker_name"' in form
    data = {"card_deadline_days": "20", "arrange_deadline_hours": "2",
            "check_deadline_hours": "4", "return_date_1_month": "6", "return_date_1_day": "30",
            "return_date_2_month": "12", "return_date_2_day": "31", "plan_lead_days": "30",
            "parts_markup_percent": "0", "duplicate_window_days": "30",
            "late_claim_days": "30", "auto_max_total": "1000.00", "auto_sample_percent": "10",
            "good_standing_days": "90", "hold_overdue_days": "30", "delivery_confirm_days": "7",
            "maker_name": "  山东重工农业装备有限公司 ", "maker_address": "潍坊市北海路1号",
            "maker_phone": "0536-1234567", "maker_tax_no": "91370700MA3C000000",
            "alert_false_rate": "0.05", "alert_min_failures": "3"}
    assert client.post("/catalog/policy/edit", data=data).status_code == 303
    policy = db.session.get(PolicySettings, 1)
    assert (policy.maker_name, policy.maker_tax_no) == ("山东重工农业装备有限公司",
                                                        "91370700MA3C000000")
    assert "山东重工农业装备有限公司" in client.get("/catalog/policy").get_data(as_text=True)
    data["maker_tax_no"] = "9" * 31
    assert client.post("/catalog/policy/edit", data=data).status_code == 422


def test_a_confirmed_notice_without_its_pdf_is_served_one_not_kept(world, finance, client,
                                                                    login):
    """Nothing of a confirmed notice may change, so a PDF rendered after the confirmation is
    served but not stored; the notice stays as the dealer confirmed it."""
    from portal.finance import lifecycle
    from portal.finance.notices import issue_notice

    approved_claim(world.dealer_a)
    notice = issue_notice(world.dealer_a.id, OCT_START, OCT_END, actor=finance, with_pdf=False)
    db.session.commit()
    lifecycle.confirm_notice(notice, actor=world.users[Role.DEALER_STAFF])
    db.session.commit()
    login(finance)
    answer = client.get(f"/finance/notices/{notice.number}.pdf")
    assert answer.status_code == 200 and answer.data.startswith(b"%PDF")
    db.session.expire_all()
    assert db.session.get(WriteOffNotice, notice.id).document is None


def test_the_proposed_month_is_the_latest_with_something_waiting(world, finance):
    from portal.finance.notices import pending_months, proposed_month
    from tests.case_builders import discount_standard, settled_case

    today = date(2026, 12, 6)
    assert proposed_month(today) == "2026-11"  # nothing waits: last month
    approved_claim(world.dealer_a, finance_on=date(2026, 8, 20))
    approved_claim(world.dealer_b, finance_on=date(2026, 9, 3))
    approved_claim(world.dealer_b, finance_on=date(2026, 9, 28))
    approved_claim(world.dealer_a, finance_on=date(2026, 12, 1))  # this month: not yet
    discount_standard()
    settled_case(world, day=date(2026, 10, 12))
    db.session.add(NoticeRun(period_start=date(2026, 8, 1), period_end=date(2026, 8, 31),
                             status=RunStatus.DONE, started_by_id=finance.id))
    db.session.flush()
    assert [(p.month, p.claims, p.cases, p.run) for p in pending_months(today)] == [
        (date(2026, 10, 1), 0, 1, False), (date(2026, 9, 1), 2, 0, False),
        (date(2026, 8, 1), 1, 0, True)]
    assert proposed_month(today) == "2026-10"
    assert proposed_month(date(2026, 10, 5)) == "2026-09"  # October not over yet


def test_the_generate_page_lists_the_months_waiting(client, login, world, finance):
    approved_claim(world.dealer_a, finance_on=date(2026, 9, 3))
    db.session.commit()
    login(finance)
    client.post("/language", data={"lang": "en"})
    page = client.get("/finance/notices/generate").get_data(as_text=True)
    assert "Months with approved claims or case settlements on no notice yet" in page
    assert 'href="/finance/notices/generate?period=2026-09"' in page
    assert "Not run yet" in page
