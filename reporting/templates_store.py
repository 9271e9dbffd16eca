"""Which .docx template a kind of document is rendered from (issue 13, templates the office owns): the one an admin
uploaded and put in use, else none, and reporting.documents falls back to the template shipped with the product.

Reads only the model, so reporting.documents can ask it without importing the service that validates uploads
(reporting.template_services test-renders through reporting.documents: importing it here would be a cycle)."""

from reporting.models import DocumentTemplate


def active_template(kind: str) -> bytes | None:
    """The bytes of the template in use for `kind`, or None when the shipped one is in use."""
    data = DocumentTemplate.objects.filter(kind=kind, is_active=True).values_list("data", flat=True).first()
    return bytes(data) if data is not None else None  # PostgreSQL answers a memoryview, SQLite bytes


def in_use(kind: str) -> DocumentTemplate | None:
    """The uploaded template in use for `kind` (without its bytes), or None for the shipped one."""
    return (
        DocumentTemplate.objects.filter(kind=kind, is_active=True).defer("data").select_related("uploaded_by").first()
    )


def history(kind: str) -> list[DocumentTemplate]:
    """Every template uploaded for `kind`, newest first, without their bytes."""
    return list(DocumentTemplate.objects.filter(kind=kind).defer("data").select_related("uploaded_by"))


def uploaded(pk: int) -> DocumentTemplate:
    """One uploaded template with its bytes (DocumentTemplate.DoesNotExist if there is none)."""
    return DocumentTemplate.objects.get(pk=pk)
