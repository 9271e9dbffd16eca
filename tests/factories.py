import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from followup import services as followup_services
from org.models import Membership, Role, Unit


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"单位{n}")
    code = factory.Sequence(lambda n: f"unit{n}")
    kind = Unit.Kind.DEPARTMENT


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.LazyAttribute(lambda o: o.username)

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or "pw-123456")
        if create:
            obj.save(update_fields=["password"])


def person(username, unit, role, **kwargs):
    user = UserFactory(username=username, **kwargs)
    Membership.objects.get_or_create(user=user, unit=unit, role=role)
    return user


__all__ = ["UnitFactory", "UserFactory", "person", "Role"]


def joint_review(org, incident, **fields):
    """A 会商研判 the office records on the incident (002 第七条), held now unless told (computed when called, not at
    collection): a high-attention item's reply follows and cites it (002 第九条)."""
    values = {
        "held_at": timezone.now(),
        "units": [org.edu],
        "nature": "属实",
        "trend": "平稳",
        "risks": "可控",
        "handling": "核实后回应",
        "caliber": "以事实为准",
    } | fields
    return followup_services.record_joint_review(org.duty, incident, **values)
