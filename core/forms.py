"""Form helpers every app's pages share."""

from django import forms


def add_domain_errors(form, exc, *, field_for=None, unmatched_to_form=True):
    """Show a service's DomainError on the form: its message above the form, each field error next to its
    field (`field_for` maps a service field to the form's name for it). A field error the form has no field for
    goes above the form too, or is dropped where the message above already says it (`unmatched_to_form=False`)."""
    form.add_error(None, exc.message)
    for field, errors in exc.field_errors.items():
        field = (field_for or {}).get(field, field)
        if field not in form.fields and not unmatched_to_form:
            continue
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


class DateTimeInput(forms.DateTimeInput):
    """The browser's native date-time picker. Its value must be ISO (2026-10-01T09:30): the zh-hans input
    format (2026/10/01 09:30) is rejected by <input type="datetime-local">, which then shows empty."""

    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class DateInput(forms.DateInput):
    """The browser's native date picker, given an ISO value (2026-10-01): zh-hans would render 2026/10/01,
    which <input type="date"> rejects, so the field would show empty."""

    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)
