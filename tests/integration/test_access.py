"""Every route against anonymous visitors and every role.

A new route must be added to EXPECTED, so its access rules are decided and tested.
"""

from __future__ import annotations

import pytest

ANON = "anonymous"
WHO = (ANON, "admin", "secretariat", "evaluator", "leader", "head", "officer")
MANAGERS = {"admin", "secretariat"}
STAFF = {"admin", "secretariat", "evaluator", "leader"}
EVERYONE = set(WHO)
SIGNED_IN = set(WHO) - {ANON}
UNIT = {"head", "officer"}
UNIT_AND_STAFF = STAFF | UNIT
HIDDEN = (404,)
COUNCIL_READS = {
    ANON: "login",
    "admin": (200,),
    "secretariat": (200,),
    "evaluator": HIDDEN,
    "leader": HIDDEN,
    "head": HIDDEN,
    "officer": HIDDEN,
}
COUNCIL_WRITES = COUNCIL_READS | {"admin": (403,), "secretariat": (403,)}
# The request id does not exist: those who may reach the route get 404 for it too.
COUNCIL_MISSING = COUNCIL_READS | {"admin": HIDDEN, "secretariat": HIDDEN}
# Results not theirs to see answer 404 to a unit's people, as if the page did not exist (the
# rule in services.access): pages of every unit's figures always, their own unit's results
# until publication (the campaign here is not published).
STAFF_RESULTS = {ANON: "login", **dict.fromkeys(STAFF, (200,)), "head": HIDDEN, "officer": HIDDEN}
UNPUBLISHED_UNIT_RESULTS = STAFF_RESULTS
# Pages of the managers that show every unit's figures: other staff get 403, units 404.
MANAGER_RESULTS = STAFF_RESULTS | {"evaluator": (403,), "leader": (403,)}
UNIT_MISSING = {
    ANON: "login",
    "admin": HIDDEN,
    "secretariat": HIDDEN,
    "evaluator": HIDDEN,
    "leader": HIDDEN,
    "head": HIDDEN,
    "officer": HIDDEN,
}

# Emulation pages of a cluster: the managers and leaders read every cluster's, the people of a
# member unit their own; evaluators have none (403).
EMULATION_READERS = {"admin", "secretariat", "leader", "head", "officer"}
# Routes whose object the role may reach but whose step is not open here: 403 with the reason.
NOTHING_TO_DO = {**dict.fromkeys(WHO, (403,)), ANON: "login"}
NOT_THE_COUNCIL = {"evaluator": (403,), "leader": (403,), "head": (403,), "officer": (403,)}
NO_PLEDGE_YET = {**UNIT_MISSING, "evaluator": (403,)}
# The lists of registrations: every unit's for managers and leaders, the cluster's for its head.
CLUSTER_LISTS = {
    **UNIT_MISSING,
    "admin": (200,),
    "secretariat": (200,),
    "leader": (200,),
    "evaluator": (403,),
    "head": (200,),
}

# People: the staff keepers (admin, secretariat, a unit's head and officers) get in, other staff
# roles get 403; a person who does not exist (999) is a 404 for whoever may look at all.
PEOPLE_KEEPERS = {
    ANON: "login",
    **dict.fromkeys(("admin", "secretariat", "head", "officer"), (200,)),
    "evaluator": (403,),
    "leader": (403,),
}
PEOPLE_FOLLOWERS = {**UNIT_MISSING, "secretariat": (200,), "head": (200,)}
PEOPLE_MISSING = PEOPLE_KEEPERS | dict.fromkeys(("admin", "secretariat", "head", "officer"), HIDDEN)

# endpoint -> (method, url template, who gets in). Others: anonymous is sent to the login page,
# a signed-in user without the role gets 403.
EXPECTED = {
    "main.index": ("GET", "/", EVERYONE),
    "auth.login": ("GET", "/login", EVERYONE),
    "auth.logout": ("POST", "/logout", EVERYONE),
    "auth.set_language": ("POST", "/language", EVERYONE),
    "auth.account": ("GET", "/account", SIGNED_IN),
    "auth.change_password": ("POST", "/account/password", SIGNED_IN),
    "auth.sign_out_everywhere": ("POST", "/account/sign-out-everywhere", SIGNED_IN),
    "main.home": ("GET", "/home/{role}", SIGNED_IN),
    "admin.units": ("GET", "/admin/units", MANAGERS),
    "admin.unit_new": ("GET", "/admin/units/new", MANAGERS),
    "admin.unit_edit": ("GET", "/admin/units/{other_unit}/edit", MANAGERS),
    "admin.unit_set_active": ("POST", "/admin/units/{ward}/active", MANAGERS),
    "admin.units_import": ("GET", "/admin/units/import", MANAGERS),
    "admin.blocks": ("GET", "/admin/blocks", MANAGERS),
    "admin.block_edit": ("GET", "/admin/blocks/{block}/edit", MANAGERS),
    "admin.users": ("GET", "/admin/users", MANAGERS),
    "admin.user_new": ("GET", "/admin/users/new", MANAGERS),
    "admin.user_edit": ("GET", "/admin/users/{other_officer}/edit", MANAGERS),
    "admin.user_reset_password": ("POST", "/admin/users/{other_officer}/reset-password", MANAGERS),
    "admin.user_set_active": ("POST", "/admin/users/{other_officer}/active", MANAGERS),
    "units.directory": ("GET", "/units/", STAFF),
    "frameworks.index": ("GET", "/frameworks/", SIGNED_IN),
    "frameworks.import_page": ("GET", "/frameworks/import", MANAGERS),
    "frameworks.show": ("GET", "/frameworks/{framework}", SIGNED_IN),
    "frameworks.export": ("GET", "/frameworks/{framework}/export", SIGNED_IN),
    "frameworks.compare": ("GET", "/frameworks/{framework}/compare", SIGNED_IN),
    "frameworks.new_version": ("POST", "/frameworks/{framework}/new-version", MANAGERS),
    "frameworks.edit": ("GET", "/frameworks/{framework}/edit", MANAGERS),
    "frameworks.delete": ("POST", "/frameworks/{framework}/delete", MANAGERS),
    "main.notifications": ("GET", "/notifications", SIGNED_IN),
    "main.notifications_read": ("POST", "/notifications/read", SIGNED_IN),
    "campaigns.index": ("GET", "/campaigns/", STAFF),
    "campaigns.new": ("GET", "/campaigns/new", MANAGERS),
    "campaigns.show": ("GET", "/campaigns/{campaign}", STAFF_RESULTS),
    "campaigns.settings": ("GET", "/campaigns/{campaign}/settings", MANAGERS),
    "campaigns.remind": ("POST", "/campaigns/{campaign}/remind", MANAGERS),
    "campaigns.block_bands": ("POST", "/campaigns/{campaign}/blocks/{block}/bands", MANAGERS),
    "campaigns.add_participant": (
        "POST",
        "/campaigns/{campaign}/participants",
        MANAGERS,
        {"unit_id": "{ward}"},
    ),
    "campaigns.remove_participant": (
        "POST",
        "/campaigns/{campaign}/participants/{other_submission}/remove",
        MANAGERS,
    ),
    "assessment.form": ("GET", "/assessments/{submission}", UNIT_AND_STAFF),
    "assessment.check": ("GET", "/assessments/{submission}/check", UNIT_AND_STAFF),
    "assessment.report": ("GET", "/assessments/{submission}/report", UNIT_AND_STAFF),
    "assessment.report_pdf": ("GET", "/assessments/{submission}/report.pdf", UNIT_AND_STAFF),
    "assessment.save_criterion": (
        "POST",
        "/assessments/{submission}/criteria/1.2",
        UNIT,
        {"ver-1.2": "0", "v-1.2": "yes"},
    ),
    "assessment.save_area": ("POST", "/assessments/{submission}/areas/1", UNIT),
    "assessment.send": ("POST", "/assessments/{submission}/send", UNIT),
    "assessment.approve": ("POST", "/assessments/{submission}/approve", {"head"}),
    "assessment.return_": ("POST", "/assessments/{submission}/return", {"head"}),
    "assessment.withdraw": ("POST", "/assessments/{submission}/withdraw", {"head"}),
    "units.detail": ("GET", "/units/{own_unit}", STAFF | {"head", "officer"}),
    # Only the unit changes its evidence (staff get 403 with the reason; an empty upload is 422).
    "evidence.upload": ("POST", "/assessments/{submission}/evidence/{ev_criterion}", UNIT),
    "evidence.remove": ("POST", "/assessments/{submission}/evidence/{evidence}/remove", UNIT),
    "evidence.download": (
        "GET",
        "/assessments/{submission}/evidence/{evidence}/download",
        UNIT_AND_STAFF,
    ),
    "evidence.preview": (
        "GET",
        "/assessments/{submission}/evidence/{evidence}/preview",
        UNIT_AND_STAFF,
    ),
    "audit.criterion_history": ("GET", "/assessments/{submission}/history/1.2", UNIT_AND_STAFF),
    "audit.campaign_log": ("GET", "/campaigns/{campaign}/audit", STAFF_RESULTS),
    "audit.campaign_log_csv": ("GET", "/campaigns/{campaign}/audit.csv", STAFF_RESULTS),
    # An unassigned evaluator and the unit's people do not see the council's page (404);
    # the secretariat and admin read it but do not appraise (403 on writes).
    "appraisal.page": ("GET", "/appraisal/{submission}", COUNCIL_READS),
    "appraisal.save": (
        "POST",
        "/appraisal/{submission}/criteria/1.2",
        COUNCIL_WRITES,
        {"ver-1.2": "0", "v-1.2": "yes"},
    ),
    "appraisal.request_explanation": (
        "POST",
        "/appraisal/{submission}/criteria/1.2/explanations",
        COUNCIL_WRITES,
    ),
    "appraisal.decide": (
        "POST",
        "/appraisal/{submission}/explanations/999/decide",
        COUNCIL_MISSING,
    ),
    "assessment.answer_explanation": (
        "POST",
        "/assessments/{submission}/explanations/999/answer",
        UNIT_MISSING,
    ),
    "assignments.index": ("GET", "/campaigns/{campaign}/assignments", MANAGERS),
    # No assignment 999: managers reach the route and get 404, the others 403.
    "assignments.remove": (
        "POST",
        "/campaigns/{campaign}/assignments/999/remove",
        {**dict.fromkeys(WHO, (403,)), ANON: "login", "admin": (404,), "secretariat": (404,)},
    ),
    "assignments.recusals_csv": ("GET", "/campaigns/{campaign}/recusals.csv", MANAGERS),
    "assignments.queue": ("GET", "/appraisal/queue", {"evaluator"}),
    # Only evaluators, and only for a unit they are assigned to (this one is not: 404).
    "assignments.recuse": (
        "GET",
        "/appraisal/{submission}/recuse",
        {**dict.fromkeys(WHO, (403,)), ANON: "login", "evaluator": (404,)},
    ),
    "publication.survey": ("GET", "/campaigns/{campaign}/survey", MANAGER_RESULTS),
    "publication.publish_page": ("GET", "/campaigns/{campaign}/publish", MANAGER_RESULTS),
    # Not ready (nothing submitted): managers get the checklist again with 422.
    "publication.publish": ("POST", "/campaigns/{campaign}/publish", MANAGERS),
    "publication.close_appraisal": (
        "POST",
        "/campaigns/{campaign}/submissions/{submission}/close-appraisal",
        MANAGERS,
    ),
    "publication.reopen_appraisal": (
        "POST",
        "/campaigns/{campaign}/submissions/{submission}/reopen-appraisal",
        MANAGERS,
    ),
    "publication.appeals": ("GET", "/campaigns/{campaign}/appeals", MANAGER_RESULTS),
    # No appeal 999: managers reach the route and get 404, the others 403.
    "publication.decide_appeal": (
        "POST",
        "/campaigns/{campaign}/appeals/999/decide",
        {**dict.fromkeys(WHO, (403,)), ANON: "login", "admin": (404,), "secretariat": (404,)},
    ),
    "publication.republish": ("POST", "/campaigns/{campaign}/appeals/republish", MANAGERS),
    # Only the head of the unit files its appeals (before publication the page says why not).
    "publication.new_appeal": ("GET", "/appeals/new/{submission}", {"head"}),
    "publication.file_appeal": ("POST", "/appeals/new/{submission}", {"head"}),
    # Published results are open to everyone, signed in or not.
    "publication.public_index": ("GET", "/public/", EVERYONE),
    "help.guide": ("GET", "/help/", EVERYONE),
    "help.document": ("GET", "/help/framework-format.md", EVERYONE),
    "favicon": ("GET", "/favicon.ico", EVERYONE),
    "publication.public_results": ("GET", "/public/{published}", EVERYONE),
    "publication.public_json": ("GET", "/public/{published}/results.json", EVERYONE),
    "publication.public_version": ("GET", "/public/{published}/v/1", EVERYONE),
    "publication.public_version_json": (
        "GET",
        "/public/{published}/v/1/results.json",
        EVERYONE,
    ),
    # Official outputs: the campaign's for staff; a unit's also for that unit's people once
    # published (tests/integration/test_results_access.py follows them through publication).
    "reports.campaign": ("GET", "/reports/{campaign}", STAFF_RESULTS),
    "reports.campaign_pdf": ("GET", "/reports/{campaign}.pdf", STAFF_RESULTS),
    "reports.results_xlsx": ("GET", "/reports/{campaign}/results.xlsx", STAFF_RESULTS),
    "reports.results_csv": ("GET", "/reports/{campaign}/results.csv", STAFF_RESULTS),
    "reports.unit": ("GET", "/reports/{campaign}/units/STP", UNPUBLISHED_UNIT_RESULTS),
    "reports.unit_pdf": ("GET", "/reports/{campaign}/units/STP.pdf", UNPUBLISHED_UNIT_RESULTS),
    # Rankings: staff only; the live region answers like the page (304 needs If-None-Match).
    "rankings.index": ("GET", "/rankings/", STAFF_RESULTS),
    "rankings.show": ("GET", "/rankings/{campaign}", STAFF_RESULTS),
    "rankings.live": ("GET", "/rankings/{campaign}/live", STAFF_RESULTS),
    # What-if: the secretariat and leaders (and admin), not evaluators; nothing is saved.
    "whatif.show": ("GET", "/rankings/{campaign}/what-if", STAFF_RESULTS | {"evaluator": (403,)}),
    # A unit's profile: staff see every participant, a unit's people only their own (STP), and
    # only once published.
    "profile.show": ("GET", "/rankings/{campaign}/units/STP", UNPUBLISHED_UNIT_RESULTS),
    "insights.heatmap": ("GET", "/rankings/{campaign}/heatmap", STAFF_RESULTS),
    # Past years' results: leaders read them, the managers import and delete (no year 2001
    # was imported: the managers reach the route and get 404, the others 403).
    "history.index": ("GET", "/history/", {"admin", "secretariat", "leader"}),
    "history.sample": ("GET", "/history/sample.csv", {"admin", "secretariat", "leader"}),
    "history.import_page": ("GET", "/history/import", MANAGERS),
    "history.delete_year": (
        "POST",
        "/history/RULES/2001/delete",
        {**dict.fromkeys(WHO, (403,)), ANON: "login", "admin": (404,), "secretariat": (404,)},
    ),
    # Movements: everyone signed in reads them and their documents; the managers change them.
    "movements.index": ("GET", "/movements/", SIGNED_IN),
    "movements.new": ("GET", "/movements/new", MANAGERS),
    "movements.show": ("GET", "/movements/{movement}", SIGNED_IN),
    "movements.edit": ("GET", "/movements/{movement}/edit", MANAGERS),
    "movements.upload": ("POST", "/movements/{movement}/documents", MANAGERS),
    "movements.download": (
        "GET",
        "/movements/{movement}/documents/{movement_document}",
        SIGNED_IN,
    ),
    "movements.remove_document": (
        "POST",
        "/movements/{movement}/documents/{movement_document}/remove",
        MANAGERS,
    ),
    "movements.link_campaign": ("POST", "/movements/{movement}/campaigns", MANAGERS),
    "movements.unlink_campaign": (
        "POST",
        "/movements/{movement}/campaigns/{emulation_id}/unlink",
        MANAGERS,
    ),
    # An emulation campaign's clusters: the managers only (tests/integration/
    # test_cluster_access.py follows the cluster head, another cluster and other campaigns).
    "clusters.index": ("GET", "/campaigns/{emulation}/clusters/", MANAGERS),
    "clusters.create": ("POST", "/campaigns/{emulation}/clusters/", MANAGERS),
    "clusters.show": ("GET", "/campaigns/{emulation}/clusters/{cluster}", MANAGERS),
    "clusters.edit": ("POST", "/campaigns/{emulation}/clusters/{cluster}/edit", MANAGERS),
    "clusters.delete": ("POST", "/campaigns/{emulation}/clusters/{cluster}/delete", MANAGERS),
    "clusters.add_member": ("POST", "/campaigns/{emulation}/clusters/{cluster}/members", MANAGERS),
    "clusters.remove_member": (
        "POST",
        "/campaigns/{emulation}/clusters/{cluster}/members/{cluster_member}/remove",
        MANAGERS,
    ),
    "clusters.set_leaders": (
        "POST",
        "/campaigns/{emulation}/clusters/{cluster}/leaders",
        MANAGERS,
    ),
    "clusters.set_review_group": (
        "POST",
        "/campaigns/{emulation}/clusters/{cluster}/review-group",
        MANAGERS,
    ),
    "clusters.import_csv": ("GET", "/campaigns/{emulation}/clusters/import", MANAGERS),
    "clusters.copy": ("POST", "/campaigns/{emulation}/clusters/copy", MANAGERS),
    # The vote: tests/integration/test_ballot_access.py checks each role against real clusters;
    # here cluster 999 and ballot 999 do not exist, so whoever is signed in gets 404.
    "ballots.overview": ("GET", "/emulation/ballots", SIGNED_IN),
    "ballots.cluster": ("GET", "/emulation/clusters/999/ballots", UNIT_MISSING),
    "ballots.create": ("POST", "/emulation/clusters/999/ballots", UNIT_MISSING),
    "ballots.show": ("GET", "/emulation/ballots/999", UNIT_MISSING),
    "ballots.settings": ("POST", "/emulation/ballots/999/settings", UNIT_MISSING),
    "ballots.add_item": ("POST", "/emulation/ballots/999/items", UNIT_MISSING),
    "ballots.remove_item": ("POST", "/emulation/ballots/999/items/1/remove", UNIT_MISSING),
    "ballots.add_candidate": ("POST", "/emulation/ballots/999/items/1/candidates", UNIT_MISSING),
    "ballots.remove_candidate": (
        "POST",
        "/emulation/ballots/999/candidates/1/remove",
        UNIT_MISSING,
    ),
    "ballots.open_": ("POST", "/emulation/ballots/999/open", UNIT_MISSING),
    "ballots.vote": ("POST", "/emulation/ballots/999/vote", UNIT_MISSING),
    "ballots.close": ("POST", "/emulation/ballots/999/close", UNIT_MISSING),
    "ballots.void": ("POST", "/emulation/ballots/999/void", UNIT_MISSING),
    "ballots.runoff": ("POST", "/emulation/ballots/999/runoff", UNIT_MISSING),
    "ballots.record_page": ("GET", "/emulation/ballots/999/record", UNIT_MISSING),
    "ballots.record_pdf": ("GET", "/emulation/ballots/999/record.pdf", UNIT_MISSING),
    "ballots.record_word": ("GET", "/emulation/ballots/999/record.docx", UNIT_MISSING),
    # Titles catalogue, pledge and registration: tests/integration/
    # test_pledge_registration_access.py follows every state, another unit and another cluster.
    # Here the own unit heads the one cluster, whose pledge is not written and whose campaign has
    # no registration date yet (so registration is closed).
    "titles.index": ("GET", "/emulation/titles/", MANAGERS),
    "titles.new": ("GET", "/emulation/titles/new", MANAGERS),
    "titles.edit": ("GET", "/emulation/titles/999/edit", COUNCIL_MISSING | NOT_THE_COUNCIL),
    "titles.set_active": (
        "POST",
        "/emulation/titles/999/active",
        COUNCIL_MISSING | NOT_THE_COUNCIL,
    ),
    "pledges.index": ("GET", "/emulation/{emulation}/pledges", EMULATION_READERS),
    "pledges.page": ("GET", "/emulation/{emulation}/clusters/{cluster}/pledge", EMULATION_READERS),
    "pledges.save": (
        "POST",
        "/emulation/{emulation}/clusters/{cluster}/pledge",
        {"head"},
        {"version": "0", "text": "Giao ước"},
    ),
    "pledges.reopen": (
        "POST",
        "/emulation/{emulation}/clusters/{cluster}/pledge/reopen",
        NOTHING_TO_DO,
    ),
    "pledges.sign": (
        "POST",
        "/emulation/{emulation}/clusters/{cluster}/pledge/sign",
        NOTHING_TO_DO,
        {"version": "0"},
    ),
    "pledges.record": (
        "GET",
        "/emulation/{emulation}/clusters/{cluster}/pledge/record",
        NO_PLEDGE_YET,
    ),
    "pledges.record_pdf": (
        "GET",
        "/emulation/{emulation}/clusters/{cluster}/pledge/record.pdf",
        NO_PLEDGE_YET,
    ),
    "registrations.form": ("GET", "/emulation/{emulation}/registration", UNIT),
    "registrations.save": (
        "POST",
        "/emulation/{emulation}/registration",
        NOTHING_TO_DO,
        {"version": "0", "targets": "Chỉ tiêu"},
    ),
    "registrations.withdraw": (
        "POST",
        "/emulation/{emulation}/registration/withdraw",
        NOTHING_TO_DO,
        {"version": "0"},
    ),
    "registrations.index": ("GET", "/emulation/{emulation}/registrations", CLUSTER_LISTS),
    "registrations.export": ("GET", "/emulation/{emulation}/registrations.xlsx", CLUSTER_LISTS),
    "registrations.show": (
        "GET",
        "/emulation/{emulation}/registrations/{other_unit}",
        CLUSTER_LISTS,
    ),
    "registrations.deadline": ("GET", "/emulation/{emulation}/registration-deadline", MANAGERS),
    # People: tests/integration/test_people_*.py check each role against real people.
    "people_staff.index": ("GET", "/people/", PEOPLE_KEEPERS),
    "people_staff.new": ("GET", "/people/new?unit={own_unit}", PEOPLE_KEEPERS),
    "people_staff.import_page": ("GET", "/people/import?unit={own_unit}", PEOPLE_KEEPERS),
    "people_staff.show": ("GET", "/people/999", PEOPLE_MISSING),
    "people_staff.edit": ("GET", "/people/999/edit", PEOPLE_MISSING),
    "people_staff.set_status": ("POST", "/people/999/status", PEOPLE_MISSING),
    # A person's periods: tests/integration/test_people_tasks.py checks the person, the manager,
    # the head and the others against real periods; here 999 exists for nobody.
    "people_tasks.me": ("GET", "/people/me", SIGNED_IN),
    "people_tasks.periods": ("GET", "/people/999/periods", UNIT_MISSING),
    "people_tasks.open_period": ("POST", "/people/999/periods", UNIT_MISSING),
    "people_tasks.period": ("GET", "/people/periods/999", UNIT_MISSING),
    "people_tasks.save_self": ("POST", "/people/periods/999/self", UNIT_MISSING),
    "people_tasks.preview": ("POST", "/people/periods/999/preview", UNIT_MISSING),
    "people_tasks.submit": ("POST", "/people/periods/999/submit", UNIT_MISSING),
    "people_tasks.review": ("POST", "/people/periods/999/review", UNIT_MISSING),
    "people_tasks.reopen": ("POST", "/people/periods/999/reopen", UNIT_MISSING),
    "people_tasks.add_task": ("POST", "/people/periods/999/tasks", UNIT_MISSING),
    "people_tasks.update_task": ("POST", "/people/tasks/999", UNIT_MISSING),
    "people_tasks.delete_task": ("POST", "/people/tasks/999/delete", UNIT_MISSING),
    "people_tasks.objective": ("POST", "/people/tasks/999/objective", UNIT_MISSING),
    # The head sees the unit, the secretariat any unit (its own here); nobody else follows anyone.
    "people_tasks.team": ("GET", "/people/team", PEOPLE_FOLLOWERS),
    "people_tasks.settings": ("GET", "/people/settings", PEOPLE_FOLLOWERS),
    # The yearly classification: tests/integration/test_people_classification.py checks real
    # people; here person 999 and fact 999 exist for nobody.
    "people_classification.year": ("GET", "/people/999/year/2026", UNIT_MISSING),
    "people_classification.self_assessment": ("POST", "/people/999/year/2026/self", UNIT_MISSING),
    "people_classification.manager_comment": (
        "POST",
        "/people/999/year/2026/manager",
        UNIT_MISSING,
    ),
    "people_classification.record_fact": ("POST", "/people/999/year/2026/facts", UNIT_MISSING),
    "people_classification.withdraw_fact": ("POST", "/people/facts/999/withdraw", UNIT_MISSING),
    "people_classification.conclude": ("POST", "/people/999/year/2026/conclude", UNIT_MISSING),
    "people_classification.quota_preview": ("POST", "/people/999/year/2026/quota", UNIT_MISSING),
    "people_classification.form_pdf": ("GET", "/people/999/year/2026.pdf", UNIT_MISSING),
    "people_classification.history": ("GET", "/people/999/history", UNIT_MISSING),
    "people_classification.unit_page": ("GET", "/people/classification", PEOPLE_FOLLOWERS),
    # Recorded by the managers (an empty form: 422), read by the unit's head (403 to record).
    "people_classification.agency_classification": (
        "POST",
        "/people/classification/{own_unit}/2026/agency",
        {**UNIT_MISSING, "admin": (422,), "secretariat": (422,), "head": (403,)},
    ),
    "people_classification.summary_xlsx": (
        "GET",
        "/people/classification/{own_unit}/2026.xlsx",
        {**UNIT_MISSING, "admin": (200,), "secretariat": (200,), "head": (200,)},
    ),
    # Commendation: tests/integration/test_commendation_access.py checks each role against real
    # initiatives, register entries and another unit's.
    "catalogue.index": ("GET", "/commendation/catalogue/", SIGNED_IN),
    "catalogue.show": ("GET", "/commendation/catalogue/999", UNIT_MISSING),
    "catalogue.export": ("GET", "/commendation/catalogue/999/export", UNIT_MISSING),
    "catalogue.import_page": ("GET", "/commendation/catalogue/import", MANAGERS),
    "catalogue.edit": (
        "GET",
        "/commendation/catalogue/999/edit",
        COUNCIL_MISSING | NOT_THE_COUNCIL,
    ),
    "catalogue.new_version": (
        "POST",
        "/commendation/catalogue/999/new-version",
        COUNCIL_MISSING | NOT_THE_COUNCIL,
    ),
    "initiatives.index": ("GET", "/commendation/initiatives/", PEOPLE_KEEPERS),
    "initiatives.new": ("GET", "/commendation/initiatives/new?unit={own_unit}", PEOPLE_KEEPERS),
    "initiatives.show": ("GET", "/commendation/initiatives/999", PEOPLE_MISSING),
    "initiatives.edit": ("GET", "/commendation/initiatives/999/edit", PEOPLE_MISSING),
    "awards.index": ("GET", "/commendation/awards/", EMULATION_READERS),
    "awards.export": ("GET", "/commendation/awards/export.xlsx", EMULATION_READERS),
    "awards.statistics": (
        "GET",
        "/commendation/awards/statistics",
        {"admin", "secretariat", "leader"},
    ),
    "awards.unit_history": ("GET", "/commendation/awards/units/{own_unit}", EMULATION_READERS),
    "awards.person_history": (
        "GET",
        "/commendation/awards/people/999",
        {**UNIT_MISSING, "evaluator": (403,)},
    ),
    "awards.new": ("GET", "/commendation/awards/new?unit={own_unit}", MANAGERS),
    "awards.edit": ("GET", "/commendation/awards/999/edit", COUNCIL_MISSING | NOT_THE_COUNCIL),
    "awards.delete": (
        "POST",
        "/commendation/awards/999/delete",
        COUNCIL_MISSING | NOT_THE_COUNCIL,
    ),
    "awards.import_page": ("GET", "/commendation/awards/import", MANAGERS),
    "eligibility.page": ("GET", "/commendation/eligibility/", MANAGERS),
    # Unpublished results exist only for staff: the public and the units get 404, not a login.
    "api.campaign_results_json": (
        "GET",
        "/api/v1/campaigns/{campaign}/results",
        {**dict.fromkeys(WHO, HIDDEN), **dict.fromkeys(STAFF, (200,))},
    ),
}


@pytest.fixture
def evidence(submission):
    """A PDF attached to the first scored criterion of the own unit's submission."""
    from reform.extensions import db
    from reform.models import Criterion, Evidence
    from reform.services.evidence import store

    criterion = db.session.scalar(
        db.select(Criterion)
        .where(
            Criterion.framework_id == submission.campaign.framework_id,
            Criterion.rule_type.is_not(None),
        )
        .order_by(Criterion.position)
    )
    stored = store(b"%PDF-1.4\n%%EOF\n", filename="a.pdf", max_bytes=1024)
    attached = Evidence(
        submission_id=submission.id, criterion_id=criterion.id, file=stored, filename="a.pdf"
    )
    db.session.add(attached)
    db.session.commit()
    return attached


def test_every_route_has_an_access_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    assert endpoints == set(EXPECTED), "add new routes to EXPECTED with their access rule"


def _may_change_data(endpoint: str, who: str) -> bool:
    """Whether this role's request to the route may be let through to change something: an
    unsafe request the role is allowed to make (a refusal or a 404 changes nothing)."""
    method, _template, allowed, *_extra = EXPECTED[endpoint]
    if method == "GET" or who == ANON:
        return False
    if isinstance(allowed, dict):
        expected = allowed[who]
        return expected != "login" and any(200 <= status < 400 for status in expected)
    return who in allowed


def _cases() -> list:
    """One case per route for the roles whose requests change nothing (so they share one world,
    which keeps the table quick), and one per role that may change data (a world of its own)."""
    cases = []
    for endpoint in sorted(EXPECTED):
        changing = [who for who in WHO if _may_change_data(endpoint, who)]
        quiet = tuple(who for who in WHO if who not in changing)
        cases.append(pytest.param(endpoint, quiet, id=f"{endpoint}-{'+'.join(quiet)}"))
        cases += [pytest.param(endpoint, (who,), id=f"{endpoint}-{who}") for who in changing]
    return cases


@pytest.mark.parametrize(("endpoint", "roles"), _cases())
def test_access(
    endpoint, roles, app, users, units, login_as, framework, campaign, submission, evidence
):
    method, template, allowed, *extra = EXPECTED[endpoint]
    ids = dict(
        own_unit=units["own"].id,
        other_unit=units["other"].id,
        ward=units["ward"].id,
        block=units["own"].block_id,
        other_officer=users["other_officer"].id,
        framework=framework.id,
        campaign=campaign.code,
        submission=submission.id,
        other_submission=_other_submission(campaign, units).id,
        published=_published(campaign) if "{published}" in template else "",
        ev_criterion=evidence.criterion_id,
        evidence=evidence.id,
        **(_emulation(units, users) if "{movement" in template or "{emulation" in template else {}),
    )
    wrong = []
    for who in roles:
        client = app.test_client() if who == ANON else login_as(who)
        url = template.format(role=who if who != ANON else "officer", **ids)
        data = {k: v.format(ward=units["ward"].id) for k, v in (extra[0] if extra else {}).items()}
        response = client.open(url, method=method, data=data)
        if problem := _wrong_answer(allowed, who, response):
            wrong.append((endpoint, who, response.status_code, problem))
    assert not wrong


def _wrong_answer(allowed, who: str, response) -> str | None:
    """What is wrong with the answer this role got, or None."""
    status, location = response.status_code, response.headers.get("Location", "")
    if isinstance(allowed, dict):
        # Exact answers per role, for routes that hide what is not yours behind 404.
        expected = allowed[who]
        if expected == "login":
            return None if status == 302 and "/login" in location else "expected the login page"
        return None if status in expected else f"expected {expected}"
    if who in allowed:
        if status not in (200, 302, 303, 422):
            return "expected to get in"
        if who != ANON and status == 302 and "/login" in location:
            return "sent to the login page"
        return None
    if who == ANON:
        return None if status == 302 and "/login" in location else "expected the login page"
    return None if status == 403 else "expected 403"


def _other_submission(campaign, units):
    from reform.extensions import db
    from reform.models import Submission

    return db.session.scalar(
        db.select(Submission).where(
            Submission.campaign_id == campaign.id, Submission.unit_id == units["other"].id
        )
    )


def test_another_units_page_answers_404(login_as, units):
    for who in ("officer", "head"):
        c = login_as(who)
        assert c.get(f"/units/{units['other'].id}").status_code == 404
        assert c.get(f"/units/{units['own'].id}").status_code == 200
    assert login_as("leader").get(f"/units/{units['other'].id}").status_code == 200


def test_missing_objects_answer_404(login_as):
    c = login_as("admin")
    for url in ("/admin/units/99999/edit", "/admin/users/99999/edit", "/admin/blocks/99999/edit"):
        assert c.get(url).status_code == 404
    assert c.post("/admin/users/99999/active").status_code == 404


def _published(campaign) -> str:
    """Publish the campaign (forced: nothing is ready) and return its code."""
    from reform.services.publication import publish

    publish(campaign, actor=None, force=True)
    return campaign.code


def _emulation(units, users) -> dict:
    """An emulation campaign of the own and the other unit in one cluster (own unit heading it),
    scoring a movement that has a document: the ids the emulation routes take."""
    from datetime import date

    from cluster_setup import new_campaign

    from reform.extensions import db
    from reform.models import Cluster, ClusterMember, MovementDocument
    from reform.services.emulation.movements import MovementData, create_movement
    from reform.services.evidence import store

    campaign = new_campaign("TD-ACCESS", [units["own"], units["other"]], year=2026)
    cluster = Cluster(campaign_id=campaign.id, code="VHXH", name="Khối Văn hóa – Xã hội")
    db.session.add(cluster)
    db.session.flush()
    members = [
        ClusterMember(
            campaign_id=campaign.id, cluster_id=cluster.id, unit_id=units[key].id, role=role
        )
        for key, role in (("own", "head"), ("other", "member"))
    ]
    db.session.add_all(members)
    db.session.commit()
    movement = create_movement(
        MovementData(
            "TMG",
            "Tham mưu giỏi",
            "UBND tỉnh",
            "yearly",
            date(2026, 1, 1),
            date(2026, 12, 31),
            None,
        ),
        actor=users["secretariat"],
    )
    stored = store(b"%PDF-1.4\n%%EOF\n", filename="kh.pdf", max_bytes=1024)
    document = MovementDocument(movement_id=movement.id, file=stored, filename="kh.pdf")
    db.session.add(document)
    campaign.movement_id = movement.id
    db.session.commit()
    return {
        "emulation": campaign.code,
        "emulation_id": campaign.id,
        "cluster": cluster.id,
        "cluster_member": members[1].id,
        "movement": movement.id,
        "movement_document": document.id,
    }
