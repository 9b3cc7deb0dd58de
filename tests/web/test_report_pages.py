"""The annual report's pages (no browser): who reads a cycle's report and its versions,
who may not; ASEC drafts a version with its narrative and submits the latest; the Chair
of the ASCN and the shepherd each submit the latest to the JCM; each form recorded once
through the services, a refusal shown on its form with nothing recorded; the report
read as the API serves it; and the decisions' SHA-256 filled in with the submitted one."""

from __future__ import annotations

import re
from html import unescape

from fastapi.testclient import TestClient

from domain.events import StepOpened
from domain.report_versions import REPORT_DRAFT_STEP
from domain.streams import cycle_stream
from eventstore.readmodels.cycles import cycle_view
from tests.web.conftest import STEPS, YEAR, Site, csrf_of, signed_in
from tests.web.test_records_pages import error_of

REPORT = f"/app/cycles/{YEAR}/report"
DRAFTS, DRAFT_SUBMISSION, JCM = (f"{REPORT}/drafts", f"{REPORT}/draft-submission",
                                 f"{REPORT}/jcm-submission")  # fmt: skip
FOREWORD = {"slots": "2", "sections-0-heading": "Foreword",
            "sections-0-text": "The year in brief.\r\nA second line."}  # fmt: skip


def form_in(client: TestClient, form_id: str, path: str = REPORT) -> dict[str, str]:
    """One form of the page as drawn: its CSRF token, its own Idempotency-Key and the
    hidden fields naming the version it shows."""
    page = client.get(path)
    assert page.status_code == 200, page.text
    start = page.text.index(f'id="{form_id}"')
    form = page.text[start : page.text.index("</form>", start)]
    hidden = dict(re.findall(r'type="hidden" name="([a-z_0-9]+)" value="([^"]*)"', form))
    hidden.pop("slots", None)
    return {"csrf_token": csrf_of(page.text), **hidden}


def facts(site: Site, kind: str) -> int:
    return sum(1 for e in site.cycle.store.read_stream(cycle_stream(YEAR)) if e.type == kind)


def open_report_draft(site: Site) -> None:
    deadline = next(s[4] for s in STEPS if s[0] == REPORT_DRAFT_STEP)
    site.cycle.record(cycle_stream(YEAR), [StepOpened(year=YEAR, step=REPORT_DRAFT_STEP,
                                                      deadline=deadline)])  # fmt: skip


def summary_of(html: str) -> str:
    found = re.search(r'id="refusal">(.*?)</div>', html, re.S)
    assert found is not None, "no refusal summary"
    return unescape(re.sub(r"<[^>]+>", "", found.group(1)))


def as_asec_drafted(client: TestClient, site: Site, **narrative: str) -> str:
    """ASEC drafts a version; the digest it recorded."""
    signed_in(client, site, "asec-imd")
    done = client.post(DRAFTS, data={**form_in(client, "draft-form"), **FOREWORD, **narrative})
    assert done.status_code == 200, summary_of(done.text)
    found = re.search(r"sha256 <span class=\"hash\">([0-9a-f]{64})</span>", done.text)
    assert found is not None
    return found.group(1)


def test_every_reader_of_the_cycle_finds_its_report(browser_client: TestClient, site: Site) -> None:
    signed_in(browser_client, site, "nr-my")
    assert f'href="{REPORT}"' in browser_client.get(f"/app/cycles/{YEAR}").text
    page = browser_client.get(REPORT)
    assert page.status_code == 200
    assert "No version drafted yet." in page.text
    assert f'href="{REPORT}/document?format=pdf"' in page.text  # the live report
    for form in ("draft-form", "draft-submission-form", "jcm-submission-form"):
        assert f'id="{form}"' not in page.text  # an NR other than the Chair's acts on none
    browser_client.cookies.clear()
    signed_in(browser_client, site, "asec-imd")
    nav = browser_client.get("/app/asec/report", follow_redirects=False)
    assert nav.headers["location"] == REPORT  # 2027 has report_draft still to come
    page = browser_client.get(REPORT)
    assert 'id="draft-form"' in page.text
    assert 'id="draft-submission-form"' in page.text
    assert 'id="jcm-submission-form"' not in page.text


def test_who_may_not_gets_a_403_and_nothing_is_sent(browser_client: TestClient, site: Site) -> None:
    open_report_draft(site)
    signed_in(browser_client, site, "csco-kl")
    assert browser_client.get(REPORT).status_code == 403  # a CSCO reads no cycle
    assert browser_client.get(f"{REPORT}/document?format=json").status_code == 403
    browser_client.cookies.clear()
    signed_in(browser_client, site, "nr-my")
    sent = {"csrf_token": csrf_of(browser_client.get("/app").text), "idempotency_key": "k"}
    drafted = browser_client.post(DRAFTS, data={**sent, **FOREWORD})
    assert drafted.status_code == 403
    assert "may not draft the annual report in the 2027 cycle: only ASEC may" in unescape(
        drafted.text
    )
    assert browser_client.post(DRAFT_SUBMISSION, data=sent).status_code == 403
    to_jcm = browser_client.post(JCM, data=sent)
    assert to_jcm.status_code == 403  # MY's NR is not the Chair of the ASCN in 2027
    assert "only the Chair of the ASCN (nr:SG) and the shepherd (shepherd:ID)" in unescape(
        to_jcm.text
    )
    browser_client.cookies.clear()
    signed_in(browser_client, site, "id-shepherd")
    sent["csrf_token"] = csrf_of(browser_client.get("/app").text)
    assert browser_client.post(DRAFTS, data={**sent, **FOREWORD}).status_code == 403
    assert site.gateway.calls == []
    assert facts(site, "ReportDrafted") == 0


def test_a_draft_before_report_draft_opens_is_refused_on_its_form(
    browser_client: TestClient, site: Site
) -> None:
    signed_in(browser_client, site, "asec-imd")
    refused = browser_client.post(DRAFTS, data={**form_in(browser_client, "draft-form"),
                                                **FOREWORD})  # fmt: skip
    assert refused.status_code == 409
    assert "report_draft has not opened yet: it opens at 2027-07-01" in summary_of(refused.text)
    assert 'value="Foreword"' in refused.text  # drawn again as it was sent
    assert "The year in brief." in refused.text
    assert facts(site, "ReportDrafted") == 0


def test_asec_drafts_a_version_once_and_it_reads_back_with_its_digest(
    browser_client: TestClient, site: Site
) -> None:
    open_report_draft(site)
    signed_in(browser_client, site, "asec-imd")
    data = {**form_in(browser_client, "draft-form"), **FOREWORD}
    done = browser_client.post(DRAFTS, data=data)
    assert done.status_code == 200, done.text
    assert "Done: ReportDrafted: version 1 (sha256" in done.text
    again = browser_client.post(DRAFTS, data=data)  # a double click: the same key
    assert again.status_code == 200
    assert "Done: ReportDrafted: version 1 (sha256" in again.text
    assert facts(site, "ReportDrafted") == 1
    key = data["idempotency_key"]
    assert site.gateway.calls == [("draft_report", f"asec/asec-imd|{key}")] * 2

    view = cycle_view(site.engine, YEAR)
    assert view is not None
    assert view.report is not None
    (version,) = view.report.versions
    row = done.text.split('<tr data-version="1">')[1].split("</tr>")[0]
    assert version.document_sha256 in row
    assert f"<td>{version.as_of_position}</td>" in row
    assert "asec/asec-imd" in row
    assert "Foreword" in row
    assert "the latest" in row
    # The next draft starts from this one's narrative, and a spare section.
    page = browser_client.get(REPORT)
    assert 'value="Foreword"' in page.text
    assert "The year in brief.\nA second line.</textarea>" in page.text  # CRLF read as LF
    assert 'name="slots" value="2"' in page.text
    assert "Draft version 2" in page.text
    # Read as the API serves it: rebuilt from the events up to its position, checked.
    json = browser_client.get(f"{REPORT}/document?format=json&version=1")
    assert json.status_code == 200
    assert json.headers["ascn-report-sha256"] == version.document_sha256
    assert json.headers["ascn-report-as-of"] == str(version.as_of_position)
    html = browser_client.get(f"{REPORT}/document?format=html&version=1")
    assert html.status_code == 200
    assert "style-src 'sha256-" in html.headers["content-security-policy"]
    assert "The year in brief." in html.text
    assert browser_client.get(f"{REPORT}/document?version=2").status_code == 404


def test_a_narrative_that_does_not_fit_is_refused_beside_its_fields(
    browser_client: TestClient, site: Site
) -> None:
    open_report_draft(site)
    signed_in(browser_client, site, "asec-imd")
    base = form_in(browser_client, "draft-form")
    untitled = browser_client.post(DRAFTS, data={**base, "slots": "3",
                                                 "sections-1-text": "Text without a heading.",
                                                 "sections-2-heading": "x" * 201,
                                                 "sections-2-text": "Long heading."})  # fmt: skip
    assert untitled.status_code == 422
    assert error_of(untitled.text, "sections-1-heading") == "must not be empty"
    assert "at most 200 characters" in error_of(untitled.text, "sections-2-heading")
    assert "section 2, heading: must not be empty" in summary_of(untitled.text)
    assert 'href="#sections-1-heading"' in untitled.text
    huge = {f"sections-{i}-{name}": value for i in range(5)
            for name, value in (("heading", f"Part {i}"), ("text", "y" * 15_000))}  # fmt: skip
    too_big = browser_client.post(DRAFTS, data={**base, "slots": "5", **huge})
    assert too_big.status_code == 409
    message = re.search(r'id="narrative-error">([^<]*)<', too_big.text)
    assert message is not None
    assert message.group(1).startswith("narrative: 75,")
    assert 'href="#narrative"' in too_big.text
    assert facts(site, "ReportDrafted") == 0
    assert [call[0] for call in site.gateway.calls] == []  # neither reached the cycle


def test_another_section_is_drawn_and_nothing_is_sent(
    browser_client: TestClient, site: Site
) -> None:
    open_report_draft(site)
    signed_in(browser_client, site, "asec-imd")
    data = {**form_in(browser_client, "draft-form"), **FOREWORD, "more": "yes"}
    more = browser_client.post(DRAFTS, data=data)
    assert more.status_code == 200
    assert 'id="section-2"' in more.text
    assert 'value="Foreword"' in more.text
    assert site.gateway.calls == []


def test_asec_submits_the_latest_draft_once_and_is_refused_while_there_is_none(
    browser_client: TestClient, site: Site
) -> None:
    open_report_draft(site)
    signed_in(browser_client, site, "asec-imd")
    empty = form_in(browser_client, "draft-submission-form")
    assert "version" not in empty  # the form names none
    none_yet = browser_client.post(DRAFT_SUBMISSION, data=empty)
    assert none_yet.status_code == 409
    assert "version: the form named no version of the report; draft one, or reload the page" in (
        summary_of(none_yet.text)
    )
    assert facts(site, "ReportDraftSubmitted") == 0
    assert "submit_report_draft" not in [call[0] for call in site.gateway.calls]  # unsent
    digest = as_asec_drafted(browser_client, site)
    data = form_in(browser_client, "draft-submission-form")
    assert data["version"] == "1"
    assert data["document_sha256"] == digest
    done = browser_client.post(DRAFT_SUBMISSION, data=data)
    assert done.status_code == 200, done.text
    assert f'Done: ReportDraftSubmitted: version 1 (sha256 <span class="hash">{digest}' in (
        done.text
    )
    assert browser_client.post(DRAFT_SUBMISSION, data=data).status_code == 200
    assert facts(site, "ReportDraftSubmitted") == 1
    row = done.text.split('<tr data-version="1">')[1].split("</tr>")[0]
    assert "submitted by ASEC" in row
    assert 'id="draft-submission-form"' not in done.text  # report_draft is settled


def test_the_chair_of_the_ascn_and_the_shepherd_each_submit_the_latest_version(
    browser_client: TestClient, site: Site
) -> None:
    open_report_draft(site)
    first = as_asec_drafted(browser_client, site)
    browser_client.post(DRAFT_SUBMISSION, data=form_in(browser_client, "draft-submission-form"))

    browser_client.cookies.clear()
    signed_in(browser_client, site, "nr-sg")
    owed = browser_client.get("/app/nr").text
    assert f'href="{REPORT}">Submit the report to the JCM' in owed
    page = browser_client.get(REPORT)
    assert "You submit as the Chair of the ASCN (nr:SG)" in page.text
    assert "Submit version 1 to the JCM" in page.text
    assert first in page.text.split('id="jcm-submission-form"')[1]
    assert "A version ASEC drafts after you submit voids your submission" in page.text
    data = form_in(browser_client, "jcm-submission-form")
    done = browser_client.post(JCM, data=data)
    assert done.status_code == 200, done.text
    assert "Done: ReportSubmitted: version 1" in done.text
    assert "Waiting for the shepherd." in done.text
    assert browser_client.post(JCM, data=data).status_code == 200  # the same key: once
    assert facts(site, "ReportSubmitted") == 1
    assert "Still to submit version 1 to the JCM: <strong>the shepherd (shepherd:ID)" in (done.text)
    assert 'id="jcm-submitted"' in done.text

    # ASEC drafts again: the Chair of the ASCN's submission of version 1 stands no more.
    browser_client.cookies.clear()
    second = as_asec_drafted(browser_client, site, **{"sections-0-text": "Revised."})
    drafted = browser_client.get(REPORT).text
    assert "A later draft voided the submissions of version 1." in drafted
    browser_client.cookies.clear()
    signed_in(browser_client, site, "nr-sg")
    page = browser_client.get(REPORT).text
    assert "You submitted version 1; version 2 has been drafted since." in page
    assert "Submit version 2 to the JCM" in page
    assert browser_client.post(JCM, data=form_in(browser_client, "jcm-submission-form")).is_success
    browser_client.cookies.clear()
    signed_in(browser_client, site, "id-shepherd")
    assert "You submit as the shepherd (shepherd:ID)" in browser_client.get(REPORT).text
    done = browser_client.post(JCM, data=form_in(browser_client, "jcm-submission-form"))
    assert done.status_code == 200, done.text
    assert "Done: ReportSubmitted: version 2" in done.text
    assert "The JCM submission is completed." in done.text
    row = done.text.split('<tr data-version="2">')[1].split("</tr>")[0]
    assert "submitted to the JCM" in row
    assert second != first

    # The decisions' SHA-256 starts as the submitted version's, and the hint says so.
    browser_client.cookies.clear()
    signed_in(browser_client, site, "sg-chair-team")
    decisions = browser_client.get(f"/app/cycles/{YEAR}/decisions").text
    assert f'name="document_sha256" type="text" value="{second}"' in decisions
    assert "Filled in with the SHA-256 of version 2, the version submitted to the JCM" in (
        decisions
    )

    # The report went to the JCM: no version is drafted any more.
    browser_client.cookies.clear()
    signed_in(browser_client, site, "asec-imd")
    frozen = browser_client.post(DRAFTS, data={**form_in(browser_client, "draft-form"),
                                               **FOREWORD})  # fmt: skip
    assert frozen.status_code == 409
    assert "the report is frozen" in summary_of(frozen.text)
    assert facts(site, "ReportDrafted") == 2


def test_a_submission_form_overtaken_by_a_new_draft_is_refused(
    browser_client: TestClient, site: Site
) -> None:
    open_report_draft(site)
    as_asec_drafted(browser_client, site)
    browser_client.post(DRAFT_SUBMISSION, data=form_in(browser_client, "draft-submission-form"))
    browser_client.cookies.clear()
    signed_in(browser_client, site, "id-shepherd")
    stale = form_in(browser_client, "jcm-submission-form")  # shows version 1
    browser_client.cookies.clear()
    as_asec_drafted(browser_client, site)  # version 2
    browser_client.cookies.clear()
    signed_in(browser_client, site, "id-shepherd")
    stale["csrf_token"] = csrf_of(browser_client.get("/app").text)  # a new session's
    refused = browser_client.post(JCM, data=stale)
    assert refused.status_code == 409
    assert "version: the submission names version 1, but the latest is now version 2" in (
        summary_of(refused.text)
    )
    assert facts(site, "ReportSubmitted") == 0
    # The cycle refused it: the page sent the version it showed in the command itself.
    assert [call[0] for call in site.gateway.calls].count("submit_report") == 1


def test_asecs_submission_form_sends_the_version_it_showed_and_the_cycle_refuses_it_overtaken(
    browser_client: TestClient, site: Site
) -> None:
    open_report_draft(site)
    first = as_asec_drafted(browser_client, site)
    stale = form_in(browser_client, "draft-submission-form")  # shows version 1
    second = as_asec_drafted(browser_client, site, **{"sections-0-text": "Revised."})

    refused = browser_client.post(DRAFT_SUBMISSION, data=stale)

    assert stale["version"] == "1"
    assert refused.status_code == 409
    assert (
        f"version: the submission names version 1, but the latest is now version 2 (sha256 "
        f"{second}), drafted since; read version 2, then submit it"
    ) in " ".join(summary_of(refused.text).split())
    assert facts(site, "ReportDraftSubmitted") == 0
    # The cycle refused it: the page sent the version it showed in the command itself.
    assert [call[0] for call in site.gateway.calls].count("submit_report_draft") == 1
    read = form_in(browser_client, "draft-submission-form")  # shows version 2
    done = browser_client.post(DRAFT_SUBMISSION, data=read)
    assert done.status_code == 200, summary_of(done.text)
    assert f'ReportDraftSubmitted: version 2 (sha256 <span class="hash">{second}' in done.text
    assert first != second


def test_a_jcm_submission_form_naming_no_version_is_refused_unsent(
    browser_client: TestClient, site: Site
) -> None:
    open_report_draft(site)
    as_asec_drafted(browser_client, site)
    browser_client.post(DRAFT_SUBMISSION, data=form_in(browser_client, "draft-submission-form"))
    browser_client.cookies.clear()
    signed_in(browser_client, site, "id-shepherd")
    form = form_in(browser_client, "jcm-submission-form")
    del form["version"]

    refused = browser_client.post(JCM, data=form)

    assert refused.status_code == 409
    assert "version: the form named no version of the report" in summary_of(refused.text)
    assert facts(site, "ReportSubmitted") == 0
    assert "submit_report" not in [call[0] for call in site.gateway.calls]


def test_each_report_form_needs_its_csrf_token(browser_client: TestClient, site: Site) -> None:
    open_report_draft(site)
    for name, path in (("asec-imd", DRAFTS), ("asec-imd", DRAFT_SUBMISSION), ("nr-sg", JCM)):
        browser_client.cookies.clear()
        signed_in(browser_client, site, name)
        forged = {"csrf_token": "forged", "idempotency_key": "k", **FOREWORD}
        answer = browser_client.post(path, data=forged)
        assert answer.status_code == 403
        assert "Form expired" in answer.text
    assert site.gateway.calls == []


def test_the_live_report_downloads_as_pdf(browser_client: TestClient, site: Site) -> None:
    signed_in(browser_client, site, "id-shepherd")
    pdf = browser_client.get(f"{REPORT}/document?format=pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-disposition"] == 'inline; filename="ascn-report-2027.pdf"'
    assert browser_client.get("/app/cycles/2031/report").status_code == 404
