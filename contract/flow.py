"""A coordinator's first day through the GENERATED Python client (openapi-python-client).

Run by crates/web/tests/contract.rs against a real server; the generated package
`trainyard_client` must be importable (the test puts it on PYTHONPATH):

    python3 contract/flow.py --base-url http://127.0.0.1:8080/api/v1 --token <admin token>

Creates a venue, a course, a qualified instructor and a session; finds the candidates for the
session; proposes and confirms the instructor; enrolls a learner; and reads two errors as
ProblemDetails. Any surprise raises, so the exit status says whether the contract held.
"""

import argparse
import datetime
import uuid

from trainyard_client import AuthenticatedClient
from trainyard_client.api.account import get_current_user
from trainyard_client.api.assignments import (
    list_session_candidates,
    propose_assignment,
    transition_assignment,
)
from trainyard_client.api.courses import create_course
from trainyard_client.api.enrollments import enroll_learner, list_session_enrollments
from trainyard_client.api.instructors import create_instructor, create_qualification
from trainyard_client.api.learners import create_learner
from trainyard_client.api.sessions import create_session, replace_session, transition_session
from trainyard_client.api.venues import create_venue
from trainyard_client.models import (
    AssignmentAction,
    AssignmentEvent,
    CourseFields,
    DeliveryMode,
    EmploymentType,
    EnrollRequest,
    InstructorFields,
    LearnerFields,
    Money,
    PartFields,
    ProblemDetails,
    ProposeRequest,
    QualificationFields,
    SessionEvent,
    SessionFields,
    SessionUpdate,
    TransitionRequest,
    VenueFields,
    Visibility,
)


def ok(endpoint, api, **kwargs):
    """Calls an endpoint module of the generated client; a problem instead of a result raises."""
    r = endpoint.sync_detailed(client=api, **kwargs)
    assert r.status_code < 300 and not isinstance(r.parsed, ProblemDetails), (
        f"{endpoint.__name__}: {r.status_code} {r.content!r}"
    )
    return r.parsed


def expect(response, status, kind):
    """The parsed body of `response`, after checking its status and model type."""
    assert response.status_code == status, (
        f"expected {status}, got {response.status_code}: {response.content!r}"
    )
    assert isinstance(response.parsed, kind), f"expected {kind.__name__}, got {response.parsed!r}"
    return response.parsed


def main():
    args = argparse.ArgumentParser()
    args.add_argument("--base-url", required=True)
    args.add_argument("--token", required=True)
    opts = args.parse_args()
    api = AuthenticatedClient(base_url=opts.base_url, token=opts.token, raise_on_unexpected_status=True)
    day = (datetime.date.today() + datetime.timedelta(days=14)).isoformat()

    me = ok(get_current_user, api)
    assert me.role.value == "admin", me

    venue = ok(
        create_venue, api,
        body=VenueFields(code="FLW", name="Flow Centre", city="Berlin", country="DE", time_zone="Europe/Berlin"),
    )
    course = ok(
        create_course, api,
        body=CourseFields(
            code="FLOW1", title="Contract testing", duration_days=1, hours_per_day=7,
            delivery_modes=[DeliveryMode.ILT], min_learners=1, max_learners=12,
            list_price=Money(amount="490.00", currency="EUR"),
        ),
    )
    instructor = ok(
        create_instructor, api,
        body=InstructorFields(
            name="Ada Flow", email="ada.flow@example.com", employment_type=EmploymentType.STAFF,
            currency="EUR", time_zone="Europe/Berlin", max_days_week=5, max_days_month=20,
        ),
    )
    ok(create_qualification, api, id=instructor.id, body=QualificationFields(course_id=course.id))

    # Created with an Idempotency-Key: the retry answers the same session instead of a second one.
    fields = SessionFields(
        course_id=course.id, venue_id=venue.id, delivery_mode=DeliveryMode.ILT, visibility=Visibility.PUBLIC,
        capacity=10, time_zone="Europe/Berlin", seat_price=Money(amount="490.00", currency="EUR"),
        parts=[PartFields(starts=f"{day}T09:00", ends=f"{day}T17:00")],
    )
    key = str(uuid.uuid4())
    session = ok(create_session, api, body=fields, idempotency_key=key)
    again = create_session.sync_detailed(client=api, body=fields, idempotency_key=key)
    assert again.parsed.id == session.id, "a retried POST created a second session"
    assert again.headers.get("idempotent-replayed") == "true"
    assert int(again.headers["ratelimit-limit"]) > 0, "every answer carries the rate limit"
    session = ok(
        transition_session, api, id=session.id, body=TransitionRequest(event=SessionEvent.SCHEDULE, version=session.version)
    )
    assert session.status.value == "scheduled", session.status

    candidates = ok(list_session_candidates, api, id=session.id)
    ada = next(c for c in candidates.instructors if c.id == instructor.id)
    assert not ada.excluded_because, ada.excluded_because

    assignment = ok(propose_assignment, api, id=session.id, body=ProposeRequest(instructor_id=ada.id))
    for event in ["request", "accept", "confirm"]:
        assignment = ok(
            transition_assignment, api, id=assignment.id,
            body=AssignmentAction(event=AssignmentEvent(event), version=assignment.version),
        )
    assert assignment.status.value == "confirmed", assignment.status

    learner = ok(
        create_learner, api,
        body=LearnerFields(first_name="Lin", last_name="Flow", email="lin.flow@example.com", time_zone="Europe/Berlin"),
    )
    enrollment = ok(enroll_learner, api, id=session.id, body=EnrollRequest(learner_id=learner.id))
    assert enrollment.status.value == "booked", enrollment.status
    assert [e.learner_id for e in ok(list_session_enrollments, api, id=session.id)] == [learner.id]

    # Errors are ProblemDetails: invalid fields by name (422), a stale version (409).
    invalid = expect(create_venue.sync_detailed(client=api, body=VenueFields(code="", name="Nameless", city="Berlin", country="DE", time_zone="Europe/Berlin")), 422, ProblemDetails)
    assert invalid.type_.endswith("/validation"), invalid.type_
    assert any(e.field == "code" for e in invalid.errors), invalid.errors
    stale = expect(
        replace_session.sync_detailed(
            client=api, id=session.id, body=SessionUpdate.from_dict({**fields.to_dict(), "version": 1})
        ),
        409,
        ProblemDetails,
    )
    assert stale.status == 409 and stale.instance == f"/api/v1/sessions/{session.id}", stale
    print(f"flow passed: session {session.reference} staffed by {ada.name}, {learner.first_name} booked")


if __name__ == "__main__":
    main()
