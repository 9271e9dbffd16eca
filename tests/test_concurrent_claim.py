"""Two liaisons of one unit claim the same ticket at the same moment: exactly one wins."""

import threading

import pytest
from django.db import connection, connections

from core.errors import DomainError
from core.models import AuditEvent
from incidents import services
from incidents.models import Ticket

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real row locks need PostgreSQL (CI runs it)"),
    pytest.mark.django_db(transaction=True),
]


def test_only_one_of_two_simultaneous_claims_succeeds(org, dispatched):
    barrier = threading.Barrier(2)
    outcomes = {}

    def claim(user):
        try:
            barrier.wait()
            services.claim_ticket(user, dispatched.lead.pk)
            outcomes[user.username] = "ok"
        except DomainError as exc:
            outcomes[user.username] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim, args=(u,)) for u in (org.edu_liaison, org.edu_liaison2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert sorted(o if o == "ok" else "error" for o in outcomes.values()) == ["error", "ok"]
    winner = next(name for name, o in outcomes.items() if o == "ok")
    loser_error = next(o for o in outcomes.values() if o != "ok")
    assert loser_error.status_code == 409
    assert "已由" in loser_error.message and "认领" in loser_error.message
    ticket = Ticket.objects.get(pk=dispatched.lead.pk)
    assert ticket.claimed_by.username == winner
    assert AuditEvent.objects.filter(ticket=ticket, action="claim").count() == 1
