import factory
from django.contrib.auth import get_user_model

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
