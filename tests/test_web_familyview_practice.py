"""The practitioner's side of the family's own view: inviting a family member (the link
shown once and kept only as its hash; refused for a closed case, a child under 13, no
name), stopping an invitation and an account (the family member is then refused), the
family's own actions accepted into the plan or declined with a reason, notes shown to
the family and no longer, what the family said and scored and saw; who may change it
(the family's key worker, its team's manager, the lead of its Family Help) and who only
sees it; every view audited."""

from __future__ import annotations

import html as entities
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from familykit import FAMILY_PASSWORD, family_account, family_client, invitation
from webkit import client_for, date_fields, family, user, visible_text
from wholefamily.web.accounts.models import Role, Team
from wholefamily.web.audit.models import AuditEntry
from wholefamily.web.casework.models import Action, Assessment, AssessmentArea, Note, Score
from wholefamily.web.families.models import Member, Person, Status
from wholefamily.web.familyhelp.models import Episode
from wholefamily.web.familyview import services
from wholefamily.web.familyview.models import (
    FamilyAccount,
    Invitation,
    Relation,
    Shared,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def people() -> dict:
    north = Team.objects.create(name="North")
    return {
        "north": north,
        "kw": user("kim", Role.KEY_WORKER, north),
        "kw2": user("kai", Role.KEY_WORKER, north),
        "manager": user("morgan", Role.MANAGER, north),
        "analyst": user("alex", Role.ANALYST),
        "head": user("hana", Role.HEAD_OF_SERVICE),
        "partner": user("pat", Role.PARTNER),
        "lead": user("paula", Role.PARTNER),
    }


@pytest.fixture
def fam(people: dict):
    """The Carters: Jade (born 2011) and her mother Lisa, with Tom (under 13) too."""
    f = family("F1", key_worker=people["kw"], team=people["north"])
    tom = Person.objects.create(
        person_id="PF13",
        forename="Tom",
        surname="Carter",
        dob=timezone.localdate() - timedelta(days=365 * 9),
    )
    Member.objects.create(family=f, person=tom, role="CHILD")
    return f


def person(pid: str) -> Person:
    return Person.objects.get(person_id=pid)


def url(name: str, *args: object) -> str:
    return reverse(name, args=["F1", *args])


def text(r) -> str:
    assert r.status_code == 200, r.status_code
    return entities.unescape(visible_text(r.content.decode()))


def errors(r) -> str:
    assert r.status_code == 200, r.status_code
    page = r.content.decode()
    assert "govuk-error-summary" in page, "no error summary"
    summary = page.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    return entities.unescape(visible_text(summary))


def invite_form(who: str, relation: str = Relation.PARENT, name: str = "") -> dict:
    return {"who": who, "relation": relation, "name": name}


# --- Inviting ----------------------------------------------------------------------------


def test_the_link_is_shown_once_and_only_its_hash_is_kept(people: dict, fam) -> None:
    kw = client_for(people["kw"])
    assert "Invite a family member" in text(kw.get(url("family_view")))
    form = text(kw.get(url("fv_invite")))
    assert "Lisa Carter, parent or carer" in form and "Jade Carter" in form
    assert "Tom Carter" not in form  # under 13: not offered
    r = kw.post(url("fv_invite"), invite_form(str(person("PF12").pk)))
    shown = text(r)
    made = Invitation.objects.get()
    assert made.name == "Lisa Carter" and made.relation == Relation.PARENT
    assert made.person == person("PF12") and made.created_by == people["kw"]
    link = r.content.decode().split('id="invitation-link"', 1)[1].split('value="', 1)[1]
    link = link.split('"', 1)[0]
    assert link.startswith("http://testserver/my-family/invitation/")
    token = link.rsplit("/", 1)[1]
    assert made.token_hash == services.digest(token) and token not in made.token_hash
    until = timezone.localtime(made.expires_at)
    assert f"Give this link to Lisa Carter. It works once, until {until.day} " in shown
    assert "It will not be shown again." in shown
    assert r["Cache-Control"] == "no-store"
    # Never again: not on the form, not on the section, not in the audit log.
    assert token not in kw.get(url("fv_invite")).content.decode()
    section = kw.get(url("family_view")).content.decode()
    assert token not in section
    assert "Lisa Carter" in section and f"Link runs out on {until.day}" in text(
        kw.get(url("family_view"))
    )
    entry = AuditEntry.objects.get(object_type="invitation", object_id=str(made.pk))
    assert entry.detail == "invitation made for Lisa Carter" and token not in entry.page
    assert not AuditEntry.objects.filter(detail__contains=token).exists()
    # The link works for the family member.
    assert services.redeem(token) == made


def test_someone_else_is_invited_by_the_name_typed(people: dict, fam) -> None:
    kw = client_for(people["kw"])
    r = kw.post(url("fv_invite"), invite_form("other", Relation.CARER, "  Gran Ruth "))
    assert r.status_code == 200 and "Give this link to Gran Ruth." in text(r)
    made = Invitation.objects.get()
    assert made.name == "Gran Ruth" and made.person is None and made.relation == "carer"


def test_a_young_person_of_13_or_over_can_be_invited(people: dict, fam) -> None:
    kw = client_for(people["kw"])
    r = kw.post(url("fv_invite"), invite_form(str(person("PF11").pk), Relation.YOUNG_PERSON))
    assert "Give this link to Jade Carter." in text(r)
    assert Invitation.objects.get().person == person("PF11")


@pytest.mark.parametrize(
    "posted, message",
    [
        ({"who": "TOM", "relation": Relation.YOUNG_PERSON}, "must be 13 or over"),
        ({"who": "TOM", "relation": Relation.PARENT}, "only be invited as a young person"),
        ({"who": "other", "relation": Relation.PARENT, "name": " "}, "Enter the name"),
        ({"relation": Relation.PARENT, "name": "Jo"}, "Choose who you are inviting"),
        ({"who": "99999", "relation": Relation.PARENT}, "Choose who you are inviting"),
        ({"who": "other", "name": "Jo"}, "Choose whether they are a parent"),
        ({"who": "other", "name": "Jo", "relation": "uncle"}, "Choose whether they are a parent"),
        ({"who": "other", "name": "J" * 101, "relation": "carer"}, "100 characters or fewer"),
    ],
)
def test_a_bad_invitation_is_refused_and_nothing_saved(
    people: dict, fam, posted: dict, message: str
) -> None:
    if posted.get("who") == "TOM":
        posted = {**posted, "who": str(person("PF13").pk)}
    r = client_for(people["kw"]).post(url("fv_invite"), posted)
    assert message in errors(r)
    assert "govuk-form-group--error" in r.content.decode()
    assert not Invitation.objects.exists()


def test_nobody_is_invited_to_a_closed_case(people: dict, fam) -> None:
    fam.status = Status.CLOSED
    fam.save()
    kw = client_for(people["kw"])
    section = text(kw.get(url("family_view")))
    assert "the family’s own view is closed" in section
    assert "Invite a family member" not in section
    r = kw.post(url("fv_invite"), invite_form(str(person("PF12").pk)))
    assert "The family’s case is not open, so nobody can be invited" in errors(r)
    assert not Invitation.objects.exists()


def test_open_family_help_keeps_the_view_open_and_its_lead_may_invite(people: dict, fam) -> None:
    fam.status = Status.NOT_ELIGIBLE
    fam.save()
    Episode.objects.create(family=fam, opened_on=date(2025, 4, 1), lead=people["lead"])
    lead = client_for(people["lead"])
    assert "Invite a family member" in text(lead.get(url("family_view")))
    r = lead.post(url("fv_invite"), invite_form(str(person("PF12").pk)))
    assert "Give this link to Lisa Carter." in text(r)
    assert Invitation.objects.get().created_by == people["lead"]


@pytest.mark.parametrize("who", ["partner", "kw2"])
def test_a_partner_not_leading_or_another_key_worker_cannot_invite(
    people: dict, fam, who: str
) -> None:
    c = client_for(people[who])
    assert c.get(url("fv_invite")).status_code == 404
    r = c.post(url("fv_invite"), invite_form(str(person("PF12").pk)))
    assert r.status_code == 404
    assert not Invitation.objects.exists()
    assert AuditEntry.objects.filter(action="denied", username=people[who].username).exists()


def test_the_team_manager_may_invite(people: dict, fam) -> None:
    r = client_for(people["manager"]).post(url("fv_invite"), invite_form("other", "carer", "Ray"))
    assert "Give this link to Ray." in text(r)


# --- Who only sees it --------------------------------------------------------------------


@pytest.mark.parametrize("who", ["analyst", "head"])
def test_an_analyst_sees_the_section_without_buttons_and_is_refused_a_change(
    people: dict, fam, who: str
) -> None:
    account = family_account(fam, people["kw"])
    _, token = services.invite(fam, people["kw"], "Gran Ruth", Relation.CARER)
    proposal = services.propose(account, "Walk to school with Jade", None)
    note = Note.objects.create(family=fam, by=people["kw"], text="Visit went well")
    c = client_for(people[who])
    page = text(c.get(url("family_view")))
    assert "Jo Parent" in page and "Gran Ruth" in page and "Walk to school with Jade" in page
    for button in ("Invite a family member", "Stop access", "Withdraw", "Accept or decline"):
        assert button not in page
    posts = [
        (url("fv_invite"), invite_form("other", "carer", "Ray")),
        (url("fv_withdraw", account.pk), {}),
        (url("fv_uninvite", Invitation.objects.get(name="Gran Ruth").pk), {}),
        (url("fv_decide", proposal.pk), {"choice": "decline", "reason": "No"}),
        (url("fv_share", note.pk), {"show": "yes"}),
    ]
    for where, data in posts:
        assert c.post(where, data).status_code == 404, where
    assert Invitation.objects.count() == 2
    account.refresh_from_db()
    proposal.refresh_from_db()
    assert account.active and proposal.decided_at is None
    assert services.redeem(token).name == "Gran Ruth"
    assert not Shared.objects.exists()
    assert AuditEntry.objects.filter(action="denied", username=people[who].username).count() == 5
    notes = c.get(url("family_notes")).content.decode()
    assert "Visit went well" in notes and "Show to the family" not in notes


# --- Stopping access ---------------------------------------------------------------------


def test_an_invitation_is_withdrawn_and_its_link_stops(people: dict, fam) -> None:
    token = invitation(fam, people["kw"], "Gran Ruth")
    made = Invitation.objects.get()
    kw = client_for(people["kw"])
    assert "Withdraw the invitation for Gran Ruth?" in text(kw.get(url("fv_uninvite", made.pk)))
    r = kw.post(url("fv_uninvite", made.pk), follow=True)
    assert "The invitation for Gran Ruth has been withdrawn." in text(r)
    made.refresh_from_db()
    assert made.withdrawn_by == people["kw"]
    assert "There are no invitations waiting to be used." in text(r)
    with pytest.raises(services.Refused, match="stopped"):
        services.redeem(token)


def test_a_used_invitation_cannot_be_withdrawn(people: dict, fam) -> None:
    account = family_account(fam, people["kw"])
    r = client_for(people["kw"]).post(url("fv_uninvite", account.invitation.pk), follow=True)
    assert "This invitation has been used: withdraw the account instead." in text(r)
    assert Invitation.objects.get().withdrawn_at is None


def test_an_account_is_stopped_and_the_family_member_refused(people: dict, fam) -> None:
    account = family_account(fam, people["kw"])
    member = family_client(account)
    kw = client_for(people["kw"])
    section = text(kw.get(url("family_view")))
    assert "Jo Parent Parent" in section and "Stop access" in section
    assert "Stop Jo Parent’s access?" in text(kw.get(url("fv_withdraw", account.pk)))
    r = kw.post(url("fv_withdraw", account.pk), follow=True)
    page = text(r)
    assert "Jo Parent can no longer see the family’s page." in page
    assert "Stopped on" in page and "by Kim Tester" in page
    account.refresh_from_db()
    assert account.withdrawn_by == people["kw"]
    refused = member.get("/my-family")
    assert refused.status_code == 403
    assert services.STOPPED in entities.unescape(refused.content.decode())
    again = Client().post(
        "/my-family/sign-in", {"username": account.user.username, "password": FAMILY_PASSWORD}
    )
    assert again.status_code == 200 and "_auth_user_id" not in again.wsgi_request.session
    assert services.STOPPED in entities.unescape(again.content.decode())


def test_an_account_of_another_family_is_not_found(people: dict, fam) -> None:
    other = family("F2", key_worker=people["kw"], team=people["north"])
    account = family_account(other, people["kw"], username="sam", name="Sam")
    r = client_for(people["kw"]).post(url("fv_withdraw", account.pk))
    assert r.status_code == 404
    assert FamilyAccount.objects.get().active


# --- The family's own actions ------------------------------------------------------------


def test_an_action_the_family_added_is_accepted_into_the_plan(people: dict, fam) -> None:
    account = family_account(fam, people["kw"])
    theirs = timezone.localdate() + timedelta(days=10)
    proposal = services.propose(account, "Take Jade to the dentist", theirs)
    kw = client_for(people["kw"])
    section = text(kw.get(url("family_view")))
    assert "Take Jade to the dentist" in section and "Waiting to be accepted" in section
    form = kw.get(url("fv_decide", proposal.pk)).content.decode()
    assert f'value="{theirs.day}"' in form and f'value="{theirs.year}"' in form  # prefilled
    due = theirs + timedelta(days=4)
    r = kw.post(url("fv_decide", proposal.pk), {"choice": "accept", **date_fields("due", due)})
    assert r.status_code == 302
    action = Action.objects.get()
    assert action.part == Action.Part.FAMILY and action.owner == "Jo Parent"
    assert action.due == due and action.text == "Take Jade to the dentist"
    proposal.refresh_from_db()
    assert proposal.accepted is True and proposal.action == action
    plan = text(kw.get(reverse("family_plan", args=["F1"])))
    assert "Take Jade to the dentist" in plan and "What the family will do" in plan
    assert "No actions from the family are waiting" in text(kw.get(url("family_view")))
    # Twice is refused.
    again = kw.post(url("fv_decide", proposal.pk), {"choice": "decline", "reason": "No"})
    assert "already been accepted or declined" in errors(again)
    assert Action.objects.count() == 1


def test_accepting_keeps_the_family_date_when_none_is_entered(people: dict, fam) -> None:
    account = family_account(fam, people["kw"])
    theirs = timezone.localdate() + timedelta(days=3)
    proposal = services.propose(account, "Phone the school", theirs)
    client_for(people["kw"]).post(url("fv_decide", proposal.pk), {"choice": "accept"})
    assert Action.objects.get().due == theirs


@pytest.mark.parametrize(
    "posted, message",
    [
        ({"choice": "accept"}, "Enter the date it should be done by"),
        ({"choice": "accept", "due_0": "31", "due_1": "2", "due_2": "2026"}, "must be a real"),
        ({"choice": "decline", "reason": "  "}, "Say why, so the family knows"),
        ({"choice": "maybe"}, "Choose whether to accept or decline"),
        ({}, "Choose whether to accept or decline"),
    ],
)
def test_a_bad_decision_is_refused_and_nothing_saved(
    people: dict, fam, posted: dict, message: str
) -> None:
    account = family_account(fam, people["kw"])
    proposal = services.propose(account, "Go to the parents' group", None)
    r = client_for(people["kw"]).post(url("fv_decide", proposal.pk), posted)
    assert message in errors(r)
    proposal.refresh_from_db()
    assert proposal.decided_at is None and proposal.accepted is None
    assert not Action.objects.exists()


def test_an_action_is_declined_with_the_reason_the_family_sees(people: dict, fam) -> None:
    account = family_account(fam, people["kw"])
    proposal = services.propose(account, "Move house", None)
    kw = client_for(people["kw"])
    r = kw.post(
        url("fv_decide", proposal.pk),
        {"choice": "decline", "reason": "Housing is already doing this"},
        follow=True,
    )
    assert "The action has been declined. The family will see why." in text(r)
    proposal.refresh_from_db()
    assert proposal.accepted is False and proposal.reason == "Housing is already doing this"
    assert proposal.decided_by == people["kw"] and not Action.objects.exists()


def test_no_action_is_accepted_once_the_case_closes(people: dict, fam) -> None:
    account = family_account(fam, people["kw"])
    proposal = services.propose(account, "Phone the school", None)
    fam.status = Status.CLOSED
    fam.save()
    r = client_for(people["kw"]).post(
        url("fv_decide", proposal.pk),
        {"choice": "accept", **date_fields("due", date(2026, 12, 1))},
    )
    assert "The family’s case is not open" in errors(r)
    assert not Action.objects.exists()


# --- Notes shown to the family -----------------------------------------------------------


def test_a_note_is_shown_to_the_family_and_then_not(people: dict, fam) -> None:
    note = Note.objects.create(family=fam, by=people["kw"], text="We agreed the plan")
    other = Note.objects.create(family=fam, by=people["kw"], text="School rang")
    kw = client_for(people["kw"])
    notes = kw.get(url("family_notes")).content.decode()
    assert notes.count("Show to the family") == 2 and "Shown to the family" not in notes
    r = kw.post(url("fv_share", note.pk), {"show": "yes"})
    assert r.status_code == 302 and r["Location"].endswith(f"#note-{note.pk}")
    assert services.shared_notes(fam) == [note]
    page = text(kw.get(url("family_notes")))
    assert "The note is now shown to the family." in page
    assert page.count("Shown to the family") == 1 and "Stop showing to the family" in page
    kw.post(url("fv_share", note.pk), {"show": "yes"})  # twice: still one
    assert Shared.objects.count() == 1
    kw.post(url("fv_share", note.pk), {"show": "no"})
    assert services.shared_notes(fam) == []
    assert "Shown to the family" not in kw.get(url("family_notes")).content.decode()
    kw.post(url("fv_share", note.pk), {"show": "yes"})
    assert services.shared_notes(fam) == [note] and other not in services.shared_notes(fam)


def test_a_bad_share_is_refused(people: dict, fam) -> None:
    note = Note.objects.create(family=fam, by=people["kw"], text="Visit")
    g = family("F2", key_worker=people["kw"], team=people["north"])
    theirs = Note.objects.create(family=g, by=people["kw"], text="Another family")
    kw = client_for(people["kw"])
    assert kw.post(url("fv_share", note.pk), {"show": "perhaps"}).status_code == 400
    assert kw.post(url("fv_share", note.pk), {}).status_code == 400
    assert kw.post(url("fv_share", theirs.pk), {"show": "yes"}).status_code == 404
    assert kw.get(url("fv_share", note.pk)).status_code == 405
    assert not Shared.objects.exists()


# --- What the family said, scored and saw ------------------------------------------------


def test_what_the_family_said_scored_and_saw(people: dict, fam) -> None:
    account = family_account(fam, people["kw"])
    area = AssessmentArea.objects.get_or_create(name="Housing", defaults={"order": 1})[0]
    ours = Assessment.objects.create(family=fam, on=date(2025, 6, 10), by=people["kw"])
    Score.objects.create(assessment=ours, area=area, score=4)
    services.self_assess(account, {area.pk: 7})
    services.before_review(account, "Mornings are calmer", "")
    services.before_review(account, "", "Money is still tight")
    services.seen(account, "Your plan", "/my-family/plan")
    page = text(client_for(people["analyst"]).get(url("family_view")))
    assert "Housing 7 out of 10, on" in page and "4 out of 10, on 10 June 2025" in page
    assert page.index("Money is still tight") < page.index("Mornings are calmer")  # latest first
    assert "Jo Parent Your plan" in page
    assert "See the family’s page as they see it" in page
    assert "never see evidence from other agencies" in page


def test_every_view_is_audited(people: dict, fam) -> None:
    account = family_account(fam, people["kw"])
    proposal = services.propose(account, "Phone the school", None)
    made, _ = services.invite(fam, people["kw"], "Gran Ruth", Relation.CARER)
    kw = client_for(people["kw"])
    for where in (
        url("family_view"),
        url("fv_invite"),
        url("fv_uninvite", made.pk),
        url("fv_withdraw", account.pk),
        url("fv_decide", proposal.pk),
    ):
        before = AuditEntry.objects.count()
        assert kw.get(where).status_code == 200, where
        assert AuditEntry.objects.filter(page=where).count() >= 1, where
        assert AuditEntry.objects.count() > before
